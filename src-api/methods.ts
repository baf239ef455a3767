/**
 * The API's methods: for each, the schema of its parameters and of its result. This table
 * is the contract between the renderer and the Node side; the transports (WebSocket and
 * Electron IPC) carry any method of it, and both ends check every message against it.
 * Adding a method is one line here and one handler in src-main/api/handlers.ts.
 */
import { z } from 'zod';
import { RunConfigSchema } from '../src-core/config';
import {
  API_LIMITS,
  BoundarySchema,
  ExportFileSchema,
  ExportFormatSchema,
  FileInfoSchema,
  GeneratorInfoSchema,
  GeneratorSourceSchema,
  HistorySchema,
  IdSchema,
  PreviewSchema,
  RunDetailSchema,
  RunColumnsSchema,
  RunListSortSchema,
  RunRowSchema,
  RunStatusSchema,
  ServerInfoSchema,
  SweepDetailSchema,
  SweepRowSchema,
} from './schemas';
import { SettingsSchema, StoreChoiceSchema } from './settings';

const text = z.string().max(API_LIMITS.maxText);
const ids = z.array(IdSchema).min(1).max(API_LIMITS.maxIds);
const ok = z.object({ ok: z.literal(true) });

function method<P extends z.ZodType, R extends z.ZodType>(params: P, result: R) {
  return { params, result };
}

/** The parameters of runs.list and runs.table. */
const listParams = z.strictObject({
  since: z.number().optional(),
  deleted: z.boolean().optional(),
  offset: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(100_000).optional(),
  sortBy: RunListSortSchema.optional(),
  order: z.enum(['asc', 'desc']).optional(),
  status: z.array(RunStatusSchema).max(20).optional(),
  sweepId: IdSchema.optional(),
  tag: text.min(1).optional(),
  search: text.optional(),
});

export const API_METHODS = {
  /** Version, store and what this server can do. */
  'server.info': method(z.strictObject({}), ServerInfoSchema),

  /**
   * Runs for the table, newest first. Without `since`: every run (soft-deleted ones too
   * with `deleted`), or a page of them with `offset` and `limit` (the table shows the first
   * page at once and fetches the rest behind it, until a page comes back short). With
   * `since`: only runs changed after that time, for live refreshes (the other options do
   * not apply then).
   *
   * Optionally sorted by a column of the table (`sortBy`, `order`; runs without a value
   * last either way) and filtered by `status`, `sweepId`, `tag` and `search` (case-insensitive
   * text in the id, name, notes, tags, sweep name, data, hidden sizes, activation or
   * optimizer), in the store, so that a page is a page of the sorted, filtered listing.
   * `total` is the number of runs the filters match, over all pages.
   */
  'runs.list': method(listParams, z.object({ runs: z.array(RunRowSchema), now: z.number(), total: z.number().optional() })),
  /**
   * The same listing as runs.list, with the same parameters, as the runs table's columns
   * (RunColumnsSchema): one array per field, shared fields as a dictionary, numbers as
   * float64 base64. What the runs view reads; runs.list stays for callers that want rows.
   */
  'runs.table': method(listParams, z.object({ columns: RunColumnsSchema, now: z.number(), total: z.number().optional() })),
  'runs.get': method(z.strictObject({ id: IdSchema }), RunDetailSchema),
  /** A run's metric history; with `after`, only the points logged at later steps. */
  'runs.history': method(z.strictObject({ id: IdSchema, after: z.number().optional() }), HistorySchema),
  /** The decision boundary at the final weights, or at a kept checkpoint's step. */
  'runs.boundary': method(
    z.strictObject({
      id: IdSchema,
      step: z.number().int().min(0).optional(),
      grid: z.number().int().min(2).max(API_LIMITS.maxGrid).optional(),
    }),
    BoundarySchema,
  ),
  /** Trains a run configuration (as a config file holds it) in the background. */
  'runs.start': method(z.strictObject({ config: RunConfigSchema }), z.object({ id: IdSchema })),
  'runs.cancel': method(z.strictObject({ id: IdSchema }), ok),
  'runs.update': method(
    z.strictObject({
      id: IdSchema,
      name: z.string().min(1).max(API_LIMITS.maxText).optional(),
      notes: z.string().max(API_LIMITS.maxNotes).optional(),
      addTags: z.array(text.min(1)).max(100).optional(),
      removeTags: z.array(text.min(1)).max(100).optional(),
    }),
    ok,
  ),
  /** Soft-deletes runs (restorable with runs.restore). */
  'runs.delete': method(z.strictObject({ ids }), ok),
  'runs.restore': method(z.strictObject({ ids }), ok),
  /** Subscribes this connection to live decision boundaries of these runs ([] for none). */
  'runs.watch': method(z.strictObject({ ids: z.array(IdSchema).max(64) }), ok),
  /** A run's model or metrics as a file. */
  'runs.export': method(z.strictObject({ id: IdSchema, format: ExportFormatSchema }), ExportFileSchema),

  'sweeps.list': method(z.strictObject({}), z.array(SweepRowSchema)),
  'sweeps.get': method(z.strictObject({ id: IdSchema }), SweepDetailSchema),
  /**
   * Records and runs a sweep spec (docs/sweep.md), as `layerlab sweep` would; trials run
   * two at a time in trial processes. The spec is checked with the sweep's own rules: each
   * problem comes back at its path ("spec.parameters[\"train.learning_rate\"][2]").
   */
  'sweeps.start': method(z.strictObject({ spec: z.record(z.string(), z.unknown()) }), z.object({ id: IdSchema, trials: z.number() })),
  'sweeps.cancel': method(z.strictObject({ id: IdSchema }), ok),
  /** Runs what is left of an interrupted, cancelled or failed sweep (as `layerlab sweep --resume`). */
  'sweeps.resume': method(z.strictObject({ id: IdSchema }), z.object({ id: IdSchema, remaining: z.number() })),
  'sweeps.pause': method(z.strictObject({ id: IdSchema, paused: z.boolean() }), ok),

  'datasets.generators': method(z.strictObject({}), z.array(GeneratorInfoSchema)),
  /** What a data file given to the workbench holds (columns, arrays), for the form. */
  'datasets.inspect': method(z.strictObject({ file: z.string().min(1).max(4096) }), FileInfoSchema),
  /** Draws a generator's data for the scatter preview (at most maxPreviewExamples points). */
  'datasets.preview': method(z.strictObject({ source: GeneratorSourceSchema }), PreviewSchema),

  /** Where the store is, whether it can be changed here, and whether the welcome was dismissed. */
  'settings.get': method(z.strictObject({}), SettingsSchema),
  /** Changes what the renderer may change itself: the welcome screen's dismissal. */
  'settings.update': method(z.strictObject({ welcomeDismissed: z.boolean().optional() }), SettingsSchema),
  /**
   * The desktop app only: picks another store in a native folder dialog (or, with
   * `useDefault`, goes back to the user data folder's), opens it with its lock and switches
   * to it; the renderer reloads. The renderer never names a path. Elsewhere: a conflict.
   */
  'settings.chooseStore': method(z.strictObject({ useDefault: z.boolean().optional() }), StoreChoiceSchema),
  /** The desktop app only: shows the store's folder in the file manager. */
  'settings.revealStore': method(z.strictObject({}), ok),
} as const;

export type ApiMethods = typeof API_METHODS;
export type MethodName = keyof ApiMethods;
/** What a caller passes (defaults may be left out). */
export type Params<M extends MethodName> = z.input<ApiMethods[M]['params']>;
/** What a handler receives (defaults filled in). */
export type ParsedParams<M extends MethodName> = z.output<ApiMethods[M]['params']>;
export type Result<M extends MethodName> = z.output<ApiMethods[M]['result']>;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(API_METHODS, name);
}
