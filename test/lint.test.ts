/**
 * The layer rules themselves: src-core must not import Node, Electron or our
 * other layers, nor use DOM or Node globals. Each broken file below must be
 * caught; the clean one must pass.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-lint-'));
  for (const f of ['.dependency-cruiser.cjs', 'tsconfig.base.json', 'tsconfig.json']) cpSync(path.join(root, f), path.join(dir, f));
  mkdirSync(path.join(dir, 'src-core'));
  mkdirSync(path.join(dir, 'src-main'));
  cpSync(path.join(root, 'src-core', 'tsconfig.json'), path.join(dir, 'src-core', 'tsconfig.json'));
  cpSync(path.join(root, 'src-core', 'platform.d.ts'), path.join(dir, 'src-core', 'platform.d.ts'));
  writeFileSync(path.join(dir, 'src-main', 'service.ts'), 'export const service = 1;\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function run(cmd: string, args: string[], cwd: string): { code: number; output: string } {
  try {
    return { code: 0, output: execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: e.stdout + e.stderr };
  }
}

const depcruise = (dir: string) => run(bin('depcruise'), ['src-core', 'src-main', '--config', '.dependency-cruiser.cjs'], dir);
const typecheckCore = (dir: string) => run(bin('tsc'), ['-p', 'src-core/tsconfig.json', '--noEmit'], dir);

describe('the layer lint', () => {
  it('passes a pure core module', () => {
    const dir = project({ 'src-core/pure.ts': 'export const twice = (x: number) => 2 * x;\n' });
    expect(depcruise(dir).code).toBe(0);
    expect(typecheckCore(dir).code).toBe(0);
  });

  // One project with every kind of violation, so each tool starts once.
  const violations = {
    'src-core/node.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
    'src-core/bare.ts': "import path from 'path';\nexport const p = path;\n",
    'src-core/main.ts': "import { service } from '../src-main/service';\nexport const s = service;\n",
    'src-core/dom.ts': 'export const title = document.title;\n',
    'src-core/process.ts': 'export const cwd = process.cwd();\n',
    'src-core/buffer.ts': "export const b = Buffer.from('x');\n",
  };

  it('rejects imports of Node built-ins (with or without node:) and of src-main', () => {
    const result = depcruise(project(violations));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/core-no-node-builtins: src-core\/node\.ts → (node:)?fs/);
    expect(result.output).toMatch(/core-no-node-builtins: src-core\/bare\.ts → path/);
    expect(result.output).toMatch(/core-imports-only-core: src-core\/main\.ts → src-main\/service\.ts/);
  });

  it('rejects use of DOM and Node globals', () => {
    const result = typecheckCore(project(violations));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/dom\.ts.*Cannot find name 'document'/);
    expect(result.output).toMatch(/process\.ts.*Cannot find name 'process'/);
    expect(result.output).toMatch(/buffer\.ts.*Cannot find name 'Buffer'/);
  });
});
