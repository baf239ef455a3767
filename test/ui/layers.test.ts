/**
 * The UI's layer rules (.dependency-cruiser.cjs): the renderer reaches the Node side only
 * through src-api, and src-api stays pure. Each broken file below must be caught.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function cruise(files: Record<string, string>): { code: number; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-ui-lint-'));
  dirs.push(dir);
  for (const f of ['.dependency-cruiser.cjs', 'tsconfig.base.json', 'tsconfig.json']) cpSync(path.join(root, f), path.join(dir, f));
  for (const d of ['src-core', 'src-api', 'src-main', 'src-renderer']) mkdirSync(path.join(dir, d));
  writeFileSync(path.join(dir, 'src-core/config.ts'), 'export const x = 1;\n');
  writeFileSync(path.join(dir, 'src-api/index.ts'), "export { x } from '../src-core/config';\n");
  writeFileSync(path.join(dir, 'src-main/service.ts'), 'export const service = 1;\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  try {
    const output = execFileSync(path.join(root, 'node_modules/.bin/depcruise'), ['src-core', 'src-api', 'src-main', 'src-renderer', '--config', '.dependency-cruiser.cjs'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { code: 0, output };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: e.stdout + e.stderr };
  }
}

describe('the UI layer rules', () => {
  it('let the renderer import src-api', () => {
    expect(cruise({ 'src-renderer/ok.ts': "import { x } from '../src-api/index';\nexport const y = x;\n" }).code).toBe(0);
  });

  it('refuse the renderer importing src-core or src-main', () => {
    const core = cruise({ 'src-renderer/bad.ts': "import { x } from '../src-core/config';\nexport const y = x;\n" });
    expect(core.code).not.toBe(0);
    expect(core.output).toContain('renderer-imports-only-api');
    const main = cruise({ 'src-renderer/bad.ts': "import { service } from '../src-main/service';\nexport const y = service;\n" });
    expect(main.output).toContain('renderer-imports-only-api');
  });

  it('refuse Node built-ins in the renderer and in src-api', () => {
    expect(cruise({ 'src-renderer/bad.ts': "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n" }).output).toContain('renderer-no-node');
    expect(cruise({ 'src-api/bad.ts': "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n" }).output).toContain('api-no-node-or-dom');
  });

  it('refuse src-api importing src-main, and anything importing the renderer', () => {
    expect(cruise({ 'src-api/bad.ts': "import { service } from '../src-main/service';\nexport const y = service;\n" }).output).toContain('api-imports-only-core');
    const leaf = cruise({ 'src-renderer/view.ts': 'export const v = 1;\n', 'src-main/bad.ts': "import { v } from '../src-renderer/view';\nexport const y = v;\n" });
    expect(leaf.output).toContain('nothing-imports-renderer');
  });
});
