/**
 * The runs table's columns (runs.table, RunColumnsSchema) as rows: one small object per
 * run with what the table shows, made in one pass over the columns. Pure and free of zod
 * (the renderer's first code imports it; its schema is in schemas.ts); the renderer's runs
 * state uses it, and tests compare its rows with runs.list's.
 */
import { base64ToFloat64 } from './binary';
import type { RunColumns, RunMetrics, RunShared, RunStatus } from './schemas';

/** The numeric columns of the runs table, each a float64 base64 column (NaN for null). */
export const RUN_COLUMN_NUMBERS = [
  'createdAt',
  'startedAt',
  'durationMs',
  'learning_rate',
  'steps',
  'train_cost',
  'test_cost',
  'train_accuracy',
  'test_accuracy',
  'step',
] as const;
export type RunColumnNumber = (typeof RUN_COLUMN_NUMBERS)[number];

/** One run as the runs table shows it: runs.list's RunRow, less what the table never shows. */
export interface RunTableRow {
  id: string;
  name: string;
  status: RunStatus;
  sweepId: string | null;
  sweepName: string | null;
  createdAt: number;
  startedAt: number | null;
  durationMs: number | null;
  tags: string[];
  notes: string;
  hp: Pick<RunShared, 'data' | 'hidden' | 'activation' | 'optimizer' | 'unit'> & { learning_rate: number | null; steps: number | null };
  metrics: RunMetrics;
  deleted: boolean;
}

/**
 * The first page of the runs view: its newest runs, which the table shows at once. `layerlab
 * ui` sends its runs.table answer inside the page's HTML (PRELOAD_ELEMENT), so a browser
 * tab shows runs without waiting for its WebSocket; the rest come by runs.table.
 */
export const RUNS_FIRST_PAGE = { offset: 0, limit: 200 } as const;

/** The id of the HTML data block (`<script type="application/json">`) holding the preloaded answer. */
export const PRELOAD_ELEMENT = 'layerlab-preload';

/** What the data block holds: a method, its parameters and its result. */
export interface Preloaded {
  method: 'runs.table';
  params: typeof RUNS_FIRST_PAGE;
  result: unknown;
}

/**
 * The runs view rendered on the server, from the same page of runs: what the renderer's
 * server build exports (src-renderer/first-view.ts, built into out/first-view/) and
 * `layerlab ui` puts into the page's `#app`, marked with SERVER_RENDERED_ATTRIBUTE.
 */
export type RenderFirstView = (page: Preloaded, theme: Theme) => string;

export type Theme = 'light' | 'dark';

/** A saved theme (a cookie's or localStorage's value), or null when it is not one. */
export function asTheme(value: string | null): Theme | null {
  return value === 'light' || value === 'dark' ? value : null;
}

/**
 * The cookie in which the page keeps its theme, so that `layerlab ui` renders the first
 * view in it.
 */
export const THEME_COOKIE = 'layerlab_theme';

/** The attribute on the page's `#app` when it holds the server-rendered first view. */
export const SERVER_RENDERED_ATTRIBUTE = 'data-server-rendered';

const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

/**
 * The rows of a runs.table answer, in its order. Throws, saying which, when a column's
 * length is not `count` or a code or tag row points outside its table (a message that
 * passed the schema check can still be inconsistent).
 */
export function tableRows(columns: RunColumns): RunTableRow[] {
  const n = columns.count;
  const numbers = {} as Record<RunColumnNumber, Float64Array>;
  for (const key of RUN_COLUMN_NUMBERS) {
    numbers[key] = base64ToFloat64(columns.numbers[key]);
    if (numbers[key].length !== n) throw new Error(`runs.table: numbers.${key} has ${numbers[key].length} values for ${n} runs`);
  }
  for (const key of ['id', 'name', 'notes'] as const) {
    if (columns[key].length !== n) throw new Error(`runs.table: ${key} has ${columns[key].length} values for ${n} runs`);
  }
  const { values, codes } = columns.shared;
  if (codes.length !== n) throw new Error(`runs.table: shared.codes has ${codes.length} values for ${n} runs`);
  const tags: string[][] = new Array(n);
  for (let j = 0; j < columns.tags.rows.length; j++) {
    const row = columns.tags.rows[j];
    if (row >= n) throw new Error(`runs.table: tags.rows[${j}] is ${row}, past the ${n} runs`);
    (tags[row] ??= []).push(columns.tags.tags[j]);
  }
  const { createdAt, startedAt, durationMs, learning_rate, steps, train_cost, test_cost, train_accuracy, test_accuracy, step } = numbers;
  const rows: RunTableRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const shared = values[codes[i]];
    if (shared === undefined) throw new Error(`runs.table: shared.codes[${i}] is ${codes[i]}, past the ${values.length} shared entries`);
    rows[i] = {
      id: columns.id[i],
      name: columns.name[i],
      status: shared.status,
      sweepId: shared.sweepId,
      sweepName: shared.sweepName,
      createdAt: createdAt[i],
      startedAt: orNull(startedAt[i]),
      durationMs: orNull(durationMs[i]),
      tags: tags[i] ?? [],
      notes: columns.notes[i],
      hp: {
        data: shared.data,
        hidden: shared.hidden,
        activation: shared.activation,
        optimizer: shared.optimizer,
        unit: shared.unit,
        learning_rate: orNull(learning_rate[i]),
        steps: orNull(steps[i]),
      },
      metrics: {
        train_cost: orNull(train_cost[i]),
        test_cost: orNull(test_cost[i]),
        train_accuracy: orNull(train_accuracy[i]),
        test_accuracy: orNull(test_accuracy[i]),
        step: orNull(step[i]),
      },
      deleted: shared.deleted,
    };
  }
  return rows;
}
