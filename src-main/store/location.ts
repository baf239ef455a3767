/**
 * Where the store lives. The first of: the `--store DIR` flag, `$LAYERLAB_HOME`, and the
 * user's data directory of the platform (XDG on Linux, Application Support on macOS,
 * %APPDATA% on Windows). The Electron app will pass its `userData` path as the flag.
 */
import { homedir } from 'node:os';
import path from 'node:path';

export interface StoreDirOptions {
  /** The `--store DIR` flag, if given. Relative paths are taken from `cwd`. */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
  cwd?: string;
}

/** The store directory to use, as an absolute path. */
export function resolveStoreDir({
  flag,
  env = process.env,
  platform = process.platform,
  home = homedir(),
  cwd = process.cwd(),
}: StoreDirOptions = {}): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const given = flag || env.LAYERLAB_HOME;
  if (given) return p.resolve(cwd, given);
  if (platform === 'win32') return p.join(env.APPDATA || p.join(home, 'AppData', 'Roaming'), 'Layerlab');
  if (platform === 'darwin') return p.join(home, 'Library', 'Application Support', 'Layerlab');
  // XDG: a relative $XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  return p.join(xdg && p.isAbsolute(xdg) ? xdg : p.join(home, '.local', 'share'), 'layerlab');
}
