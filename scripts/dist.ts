/**
 * `npm run dist [-- electron-builder options]`: the installer for this platform (after
 * `npm run build`), in dist/. Options go to electron-builder, e.g. `-- --dir` for the
 * unpacked app only, `-- --linux deb`, `-- --arm64`.
 *
 * 1. electron-builder runs with electron-builder.config.ts, never publishing, and without
 *    npm's `nodedir` in its environment: `npm run` exports npm_config_nodedir (/usr on our
 *    machines), and node-gyp would build better-sqlite3 against those Node headers while
 *    saying it built for Electron. (The config's beforeBuild hook strips it too, for a
 *    plain `npx electron-builder`; afterPack checks the result either way.)
 * 2. electron-builder rebuilds better-sqlite3 in node_modules for Electron. Afterwards
 *    `native-runtime.mjs --ensure` puts back the build this machine should use (Node
 *    where the Electron binary is absent), with the original environment, so `npm test`
 *    and the CLI keep working. See docs/native-modules.md.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodedirKeys, withoutNodedir } from './dist-hooks';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The electron-builder command line for `args`. */
export function builderArgs(args: string[]): string[] {
  const cli = path.join(path.dirname(require.resolve('electron-builder/package.json')), 'cli.js');
  return [cli, '--config', 'electron-builder.config.ts', '--publish', 'never', ...args];
}

function main(): number {
  const args = process.argv.slice(2);
  const stripped = nodedirKeys(process.env);
  if (stripped.length > 0) console.log(`dist: building without ${stripped.join(', ')} (node-gyp would use Node's headers)`);
  const built = spawnSync(process.execPath, builderArgs(args), { cwd: root, stdio: 'inherit', env: withoutNodedir(process.env) });
  const ensure = spawnSync(process.execPath, [path.join(root, 'scripts/native-runtime.mjs'), '--ensure'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) {
    console.error(`dist: electron-builder failed (exit ${built.status ?? built.signal}); see docs/packaging.md for what it needs to download`);
    return 1;
  }
  if (ensure.status !== 0) console.error('dist: the installers are built, but better-sqlite3 in node_modules is not built for this machine\'s runtime');
  return ensure.status === 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main());
