/**
 * The workbench's settings as the renderer sees them: where the run store is, where that
 * choice comes from, what this side may do about it (only the desktop app picks folders,
 * through its own native dialog), and whether the welcome screen was dismissed.
 */
import { z } from 'zod';

/**
 * Where the store's folder comes from: the `--store` flag of `layerlab ui`, $LAYERLAB_HOME,
 * a folder the user chose in the desktop app's settings, or the user data folder.
 */
export const STORE_SOURCES = ['flag', 'env', 'chosen', 'default'] as const;
export const StoreSourceSchema = z.enum(STORE_SOURCES);
export type StoreSource = z.infer<typeof StoreSourceSchema>;

export const SettingsSchema = z.object({
  /** The open store's folder (absolute). */
  storeDir: z.string(),
  storeSource: StoreSourceSchema,
  /** The user data folder's store: where the store is when nothing else says. */
  defaultStoreDir: z.string(),
  /** Whether this side can switch stores (the desktop app, unless $LAYERLAB_HOME fixes it). */
  canChooseStore: z.boolean(),
  /** Whether this side can show the store's folder in the file manager (the desktop app). */
  canRevealStore: z.boolean(),
  /** A problem with the chosen store met at start (it could not be opened), or null. */
  storeWarning: z.string().nullable(),
  /** The welcome screen was dismissed ("don't show at start"); it is kept per store. */
  welcomeDismissed: z.boolean(),
  /** Whether the store holds any run (deleted ones count). */
  hasRuns: z.boolean(),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** What `settings.chooseStore` did: the store now open, and whether it changed. */
export const StoreChoiceSchema = z.object({
  /** false when the dialog was cancelled or the same folder was chosen. */
  changed: z.boolean(),
  storeDir: z.string(),
});
export type StoreChoice = z.infer<typeof StoreChoiceSchema>;
