/**
 * The desktop app's store: which folder it opens, and switching to another one.
 *
 * At start: $LAYERLAB_HOME if set (the user's own word, which the app does not override),
 * else the folder the user chose in the settings (kept as `storeDir` in
 * userData/settings.json), else the user data folder's store. A chosen store that cannot be
 * opened (deleted, in use by another process) falls back to the default, and the settings
 * screen says why.
 *
 * Switching: the folder comes from a native dialog (or is the default), never from the
 * renderer. The new store is opened first, with its lock, so a store in use elsewhere is
 * refused and the app stays where it was; then a new API is made over it, the IPC handlers
 * are pointed at it, the choice is saved, and the old API and store are closed. The
 * renderer reloads. Kept free of Electron imports at run time, so tests drive it with a
 * fake ipcMain and fake dialogs.
 */
import type { IpcMain } from 'electron';
import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ApiError } from '../../src-api/messages';
import type { StoreSource } from '../../src-api/settings';
import type { LayerlabApi } from '../api/service';
import { type SettingsHooks, defaultStoreDir } from '../api/settings';
import { RunStore } from '../store';
import { type IpcOptions, registerIpc } from './ipc';

/** userData/settings.json: the app's own settings. */
export const APP_SETTINGS_FILE = 'settings.json';

export interface WorkbenchOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  /** Everything registerIpc needs but the API. */
  ipc: Omit<IpcOptions, 'api'>;
  /** Makes the API over a store, with the settings hooks this module gives. */
  makeApi: (store: RunStore, settings: SettingsHooks) => LayerlabApi;
  /** The app's settings file (userData/settings.json). */
  settingsFile: string;
  /** Shows a native folder dialog starting at `current`; resolves to a folder or null. */
  chooseFolder: (current: string) => Promise<string | null>;
  /** Shows a folder in the file manager. */
  reveal: (dir: string) => Promise<void>;
  env?: NodeJS.ProcessEnv;
  /** The user data folder's store (default: as `resolveStoreDir` finds it). */
  defaultStoreDir?: string;
}

/** Reads the app's settings file: its fields, or a warning when it cannot be read. */
export function readAppSettings(file: string): { settings: Record<string, unknown>; warning: string | null } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { settings: {}, warning: null };
    return { settings: {}, warning: `could not read ${file}: ${(error as Error).message}` };
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { settings: {}, warning: `${file} is not a JSON object; it was ignored` };
    return { settings: value as Record<string, unknown>, warning: null };
  } catch (error) {
    return { settings: {}, warning: `${file} is not valid JSON (${(error as Error).message}); it was ignored` };
  }
}

/** Writes the app's settings file whole (through a temporary file, then a rename). */
export function writeAppSettings(file: string, settings: Record<string, unknown>): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(settings, null, 2)}\n`);
  renameSync(temp, file);
}

/**
 * Whether `dir` can be a store: a missing or empty folder (a new store is made there) or
 * one that holds a store. A folder of other files is refused, so that choosing
 * ~/Documents by mistake does not scatter a database among the user's files.
 */
export function checkStoreFolder(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new ApiError('invalid', `${dir} is a file, not a folder: choose a folder for the store`);
  const entries = readdirSync(dir).filter((name) => !name.startsWith('.'));
  if (entries.length === 0 || entries.includes('layerlab.db')) return;
  throw new ApiError(
    'invalid',
    `${dir} holds other files and no Layerlab store (layerlab.db): choose an empty folder for a new store, or a folder that holds one`,
  );
}

export class Workbench {
  store: RunStore;
  api: LayerlabApi;
  /** Where the open store came from. */
  source: StoreSource;
  /** Why the chosen store was not opened at start, or null. */
  warning: string | null;
  /** The old API and store being closed after a switch (tests wait for it). */
  retired: Promise<void> = Promise.resolve();
  private unregister: () => void = () => {};
  private readonly defaultDir: string;

  private constructor(
    private readonly options: WorkbenchOptions,
    opened: { store: RunStore; source: StoreSource; warning: string | null },
  ) {
    this.defaultDir = options.defaultStoreDir ?? defaultStoreDir(options.env ?? process.env);
    this.store = opened.store;
    this.source = opened.source;
    this.warning = opened.warning;
    this.api = this.attach(opened.store);
  }

  /** Opens the store the app should use (see the header) and serves it over IPC. */
  static open(options: WorkbenchOptions): Workbench {
    const env = options.env ?? process.env;
    const fallback = options.defaultStoreDir ?? defaultStoreDir(env);
    if (env.LAYERLAB_HOME) return new Workbench(options, { store: RunStore.open(resolve(env.LAYERLAB_HOME)), source: 'env', warning: null });
    const { settings, warning } = readAppSettings(options.settingsFile);
    const chosen = settings.storeDir;
    if (typeof chosen === 'string' && chosen !== '') {
      if (!isAbsolute(chosen)) {
        return new Workbench(options, {
          store: RunStore.open(fallback),
          source: 'default',
          warning: `${options.settingsFile}: storeDir must be an absolute path; got '${chosen}'. Using the default store`,
        });
      }
      try {
        return new Workbench(options, { store: RunStore.open(chosen), source: 'chosen', warning });
      } catch (error) {
        return new Workbench(options, {
          store: RunStore.open(fallback),
          source: 'default',
          warning: `could not open the chosen store ${chosen}: ${(error as Error).message}. Using the default store`,
        });
      }
    }
    return new Workbench(options, { store: RunStore.open(fallback), source: 'default', warning });
  }

  /** Closes the API and the store (the app is quitting). */
  async close(): Promise<void> {
    this.unregister();
    await this.retired;
    await this.api.close();
    this.store.close();
  }

  private attach(store: RunStore): LayerlabApi {
    const api = this.options.makeApi(store, {
      storeSource: this.source,
      defaultStoreDir: this.defaultDir,
      storeWarning: this.warning,
      chooseStore: (o) => this.choose(o.useDefault),
      revealStore: (dir) => this.options.reveal(dir),
    });
    this.unregister = registerIpc(this.options.ipcMain, { ...this.options.ipc, api });
    return api;
  }

  /** The settings.chooseStore hook: the dialog (or the default), then the switch. */
  private async choose(useDefault: boolean): Promise<string | null> {
    const picked = useDefault ? this.defaultDir : await this.options.chooseFolder(this.store.dir);
    if (picked === null) return null;
    const dir = resolve(picked);
    if (dir === this.store.dir) return dir;
    checkStoreFolder(dir);
    const store = RunStore.open(dir);
    try {
      const { settings } = readAppSettings(this.options.settingsFile);
      if (useDefault) delete settings.storeDir;
      else settings.storeDir = dir;
      writeAppSettings(this.options.settingsFile, settings);
    } catch (error) {
      store.close();
      throw new ApiError('internal', `could not save the choice in ${this.options.settingsFile}: ${(error as Error).message}`);
    }
    const old = { api: this.api, store: this.store, unregister: this.unregister };
    old.unregister();
    this.store = store;
    this.source = useDefault ? 'default' : 'chosen';
    this.warning = null;
    this.api = this.attach(store);
    // The request that chose is still being answered by the old API: close it afterwards.
    this.retired = new Promise<void>((r) => setTimeout(r, 0)).then(async () => {
      await old.api.close();
      old.store.close();
    });
    return dir;
  }
}
