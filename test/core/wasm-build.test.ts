/**
 * The committed WebAssembly (src-core/wasm/kernels.wat and kernels-binary.ts) is
 * what its generators build, byte for byte: the build is reproducible and nobody
 * edited the output by hand.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('the WebAssembly kernels build', () => {
  it('is up to date with scripts/wasm/*.ts (build.ts --check)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [tsx, 'scripts/wasm/build.ts', '--check'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/up to date/);
  });
});
