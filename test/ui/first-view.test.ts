/**
 * The runs view rendered on the server (src-renderer/first-view.ts), from the real
 * components: built here as `npm run build` builds it (vite.first-view.config.ts), then
 * given a runs.table answer from a real store. What the page's first paint shows must be
 * safe as HTML and allowed by the CSP, and the app's first render must match it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Preloaded, RUNS_FIRST_PAGE, type RenderFirstView } from '../../src-api/run-columns';
import { type ApiFixture, openApi, planarConfig } from '../api/helpers';

const root = resolve(import.meta.dirname, '../..');
let out: string;
let renderFirstView: RenderFirstView;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'layerlab-first-view-'));
  await build({ configFile: join(root, 'vite.first-view.config.ts'), build: { outDir: out }, logLevel: 'silent' });
  ({ renderFirstView } = (await import(pathToFileURL(join(out, 'first-view.js')).href)) as { renderFirstView: RenderFirstView });
}, 60_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function firstPage(f: ApiFixture): Promise<Preloaded> {
  return { method: 'runs.table', params: RUNS_FIRST_PAGE, result: await f.client.call('runs.table', RUNS_FIRST_PAGE) };
}

describe('the first view rendered on the server', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = openApi();
    for (let i = 0; i < 40; i++) f.store.createRun({ name: `run ${i}`, config: JSON.stringify(planarConfig({ hidden: [1 + i] })) });
    f.store.createRun({ name: '<img src=x onerror=alert(1)> newest', config: JSON.stringify(planarConfig()), tags: ['a"b'] });
  });
  afterAll(() => f.close());

  it('shows the newest runs in the table, the rows for a full-height window, the first one timed', async () => {
    const html = renderFirstView(await firstPage(f), 'light');
    const rows = html.match(/<div class="row[^"]*" id="run-row-/g) ?? [];
    // SERVER_BODY_HEIGHT (900 px) of 34-pixel rows.
    expect(rows).toHaveLength(27);
    expect(html).toContain('41 runs');
    expect(html.match(/elementtiming="runs-first-row"/g)).toHaveLength(1);
    expect(html).toContain('run 39');
    expect(html).toContain('[40]');
  });

  it('escapes what users named and tagged, and holds nothing the CSP would refuse', async () => {
    const html = renderFirstView(await firstPage(f), 'light');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)> newest');
    expect(html).toContain('aria-label="Remove tag a&quot;b from &lt;img src=x onerror=alert(1)> newest"');
    // With every quoted attribute value blanked, no tag is a script and none has a handler.
    const tags = html.replace(/"[^"]*"/g, '""');
    expect(tags).not.toMatch(/<script|<[a-z][^>]*\son\w+=|javascript:/i);
    // style-src 'self': an inline style attribute would be dropped, and hydration keeps it.
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('labels the theme button for the page’s theme', async () => {
    expect(renderFirstView(await firstPage(f), 'light')).toContain('☾ Dark');
    expect(renderFirstView(await firstPage(f), 'dark')).toContain('☀ Light');
  });

  it('says what to do next on an empty store', async () => {
    const empty = openApi();
    try {
      const html = renderFirstView(await firstPage(empty), 'light');
      expect(html).toContain('No runs yet');
      expect(html).not.toContain('role="row"');
    } finally {
      await empty.close();
    }
  });
});
