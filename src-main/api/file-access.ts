/**
 * Which files a run config from the UI may name. The renderer is untrusted: a config it
 * sends could name any file on the machine (a CSV source of ~/.ssh/id_rsa, an init file),
 * so every file path in a config or sweep from the API must lie inside a folder the user
 * gave Layerlab: the store's `imports` folder (where the workbench keeps imported data)
 * or a file the user picked in a dialog. Configs run with `layerlab train` are the user's
 * own and are not limited.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ConfigIssue } from '../../src-core/config';

export const IMPORTS_DIR = 'imports';

/** Every file path in a config, with the field that names it. */
export function filePaths(config: unknown): { path: string; file: string }[] {
  const out: { path: string; file: string }[] = [];
  const c = (config ?? {}) as Record<string, any>;
  const source = (s: any, at: string) => {
    if (!s || typeof s !== 'object') return;
    for (const key of ['x', 'y', 'labels'] as const) {
      if (s[key] && typeof s[key] === 'object' && typeof s[key].file === 'string') out.push({ path: `${at}.${key}.file`, file: s[key].file });
    }
    if (s.csv && typeof s.csv.file === 'string') out.push({ path: `${at}.csv.file`, file: s.csv.file });
  };
  source(c.data?.train, 'data.train');
  source(c.data?.test, 'data.test');
  if (typeof c.init?.file === 'string') out.push({ path: 'init.file', file: c.init.file });
  return out;
}

export class FileAccess {
  private readonly granted = new Set<string>();

  constructor(private readonly roots: string[]) {}

  /** Allows one file the user chose (in a dialog). */
  grant(file: string): void {
    this.granted.add(resolve(file));
  }

  allowed(file: string): boolean {
    if (!isAbsolute(file)) return false;
    const absolute = resolve(file);
    if (this.granted.has(absolute)) return true;
    return this.roots.some((root) => {
      const rel = relative(root, absolute);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
    });
  }

  /** Issues for each file path of a config that the UI may not use, prefixed with `prefix`. */
  check(config: unknown, prefix: string): ConfigIssue[] {
    return filePaths(config)
      .filter((p) => !this.allowed(p.file))
      .map((p) => ({
        path: `${prefix}${p.path}`,
        message: `names a file the workbench was not given (${p.file}): import it first; configs with other files run with layerlab train`,
      }));
  }
}
