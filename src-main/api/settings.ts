/**
 * The settings methods: where the store is and what may be done about it, and the welcome
 * screen's dismissal. Choosing another store and showing its folder are hooks that only
 * the desktop app gives (src-main/electron/store-switch.ts: a native folder dialog and the
 * file manager); `layerlab ui` gives none, so a web page can never make the server open a
 * folder it names. The dismissal is kept in the store's folder, in `workbench.json`, so it
 * works the same in both.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../../src-api/messages';
import type { Settings, StoreChoice, StoreSource } from '../../src-api/settings';
import { type RunStore, resolveStoreDir } from '../store';

/** The file in the store's folder that holds the workbench's per-store preferences. */
export const WORKBENCH_FILE = 'workbench.json';

const PrefsSchema = z.object({ welcomeDismissed: z.boolean().optional() });
type Prefs = z.infer<typeof PrefsSchema>;

/** What the desktop app adds; `layerlab ui` gives only the location's description. */
export interface SettingsHooks {
  /** Where the store's folder came from (default: worked out from $LAYERLAB_HOME). */
  storeSource?: StoreSource;
  /** The user data folder's store (default: resolveStoreDir without flag or $LAYERLAB_HOME). */
  defaultStoreDir?: string;
  /** A problem with the chosen store met at start, shown in the settings. */
  storeWarning?: string | null;
  /**
   * Shows a folder dialog (or takes the default folder), opens that store and switches the
   * app to it. Resolves to the folder now open, or null when the dialog was cancelled.
   * Throws (a StoreError, an ApiError) when the folder cannot be a store.
   */
  chooseStore?: (options: { useDefault: boolean; current: string }) => Promise<string | null>;
  /** Shows the store's folder in the file manager. */
  revealStore?: (dir: string) => Promise<void>;
}

/** The user data folder's store, as `resolveStoreDir` finds it without a flag or $LAYERLAB_HOME. */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolveStoreDir({ env: { ...env, LAYERLAB_HOME: undefined } });
}

/** Where `dir` came from when the caller did not say: $LAYERLAB_HOME, the default, or a flag. */
export function storeSourceOf(dir: string, env: NodeJS.ProcessEnv = process.env): StoreSource {
  if (env.LAYERLAB_HOME && resolve(env.LAYERLAB_HOME) === resolve(dir)) return 'env';
  if (resolve(defaultStoreDir(env)) === resolve(dir)) return 'default';
  return 'flag';
}

export class SettingsService {
  constructor(
    private readonly store: RunStore,
    private readonly hooks: SettingsHooks,
    /** Whether runs or sweeps are training now (a store is not switched under them). */
    private readonly busy: () => string | null,
  ) {}

  get(): Settings {
    const dir = this.store.dir;
    const source = this.hooks.storeSource ?? storeSourceOf(dir);
    return {
      storeDir: dir,
      storeSource: source,
      defaultStoreDir: this.hooks.defaultStoreDir ?? defaultStoreDir(),
      // $LAYERLAB_HOME is the user's own word: the app follows it and does not override it.
      canChooseStore: this.hooks.chooseStore !== undefined && source !== 'env',
      canRevealStore: this.hooks.revealStore !== undefined,
      storeWarning: this.hooks.storeWarning ?? null,
      welcomeDismissed: this.readPrefs().welcomeDismissed ?? false,
      hasRuns: this.store.listRuns({ deleted: 'include', limit: 1 }).length > 0,
    };
  }

  update(changes: { welcomeDismissed?: boolean }): Settings {
    if (changes.welcomeDismissed !== undefined) this.writePrefs({ ...this.readPrefs(), welcomeDismissed: changes.welcomeDismissed });
    return this.get();
  }

  async chooseStore(useDefault: boolean): Promise<StoreChoice> {
    const current = this.store.dir;
    const settings = this.get();
    if (!this.hooks.chooseStore) {
      throw new ApiError(
        'conflict',
        `this page cannot choose the store: it is ${current}, fixed when 'layerlab ui' started. ` +
          "To use another, stop it and start it again with '--store DIR' or LAYERLAB_HOME=DIR",
      );
    }
    if (!settings.canChooseStore) {
      throw new ApiError('conflict', `LAYERLAB_HOME sets the store (${current}); unset it to choose one in the app`);
    }
    const busy = this.busy();
    if (busy) throw new ApiError('conflict', `${busy}; wait for it or cancel it before switching stores`);
    const chosen = await this.hooks.chooseStore({ useDefault, current });
    if (chosen === null || resolve(chosen) === resolve(current)) return { changed: false, storeDir: current };
    return { changed: true, storeDir: chosen };
  }

  async revealStore(): Promise<void> {
    if (!this.hooks.revealStore) {
      throw new ApiError('conflict', `this page cannot open folders on the machine running Layerlab; the store is ${this.store.dir}`);
    }
    await this.hooks.revealStore(this.store.dir);
  }

  private readPrefs(): Prefs {
    let text: string;
    try {
      text = readFileSync(join(this.store.dir, WORKBENCH_FILE), 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed = PrefsSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : {};
    } catch {
      // A damaged file means no preferences; the next write replaces it.
      return {};
    }
  }

  private writePrefs(prefs: Prefs): void {
    const file = join(this.store.dir, WORKBENCH_FILE);
    const temp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, `${JSON.stringify(prefs, null, 2)}\n`);
      renameSync(temp, file);
    } catch (error) {
      throw new ApiError('internal', `could not save ${file}: ${(error as Error).message}`);
    }
  }
}
