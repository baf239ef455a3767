/**
 * The runs view rendered on the server (src-renderer/first-view.ts), from the real
 * components: built here as `npm run build` builds it (vite.first-view.config.ts), then
 * given a runs.table answer from a real store. What the page's first paint shows must be
 * safe as HTML and allowed by the CSP, and the app's first render must match it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Preloaded, RUNS_FIRST_PAGE, type RenderFirstView } from '../../src-api/run-columns';
import { type ApiFixture, openApi, planarConfig } from '../api/helpers';

const root = resolve(import.meta.dirname, '../..');
/** A build outside the checkout, as layerlab ui finds one: renderer/ and first-view/ side by side. */
let base: string;
let renderFirstView: RenderFirstView;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'layerlab-first-view-'));
  const out = join(base, 'first-view');
  await build({ configFile: join(root, 'vite.first-view.config.ts'), build: { outDir: out }, logLevel: 'silent' });
  ({ renderFirstView } = (await import(pathToFileURL(join(out, 'first-view.mjs')).href)) as { renderFirstView: RenderFirstView });
  mkdirSync(join(base, 'renderer'));
  writeFileSync(join(base, 'renderer', 'index.html'), '<!doctype html><html><head></head><body><div id="app"></div></body></html>');
}, 60_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

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

describe('layerlab ui with that build', () => {
  it('loads it from outside the checkout (no package.json says ES module there) and serves the rows in the page', async () => {
    const store = openApi();
    store.store.createRun({ name: 'served run', config: JSON.stringify(planarConfig()) });
    const dir = store.dir;
    store.store.close();
    const child = spawn(process.execPath, [join(root, 'bin/layerlab.mjs'), 'ui', '--store', dir, '--port', '0'], {
      env: { ...process.env, LAYERLAB_RENDERER_DIR: join(base, 'renderer') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address in 30 s: ${output}`)), 30_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /Ctrl-C/.test(output) && /(http:\/\/127\.0\.0\.1:\d+)\/\?token=([\w-]+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(`${match[1]} ${match[2]}`);
          }
        });
      });
      expect(output).not.toContain('rendered in the browser only');
      const [origin, token] = url.split(' ');
      const page = await (await fetch(`${origin}/`, { headers: { cookie: `layerlab_token=${token}` } })).text();
      expect(page).toMatch(/<div id="app" data-server-rendered>.*served run/s);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
