/**
 * runs.list and runs.table: the runs table's listing, straight from the store. runs.list
 * sends rows, as the JSON text SQLite makes of the run rows (listRunTableJson), spliced
 * into the response by the transports (see raw-json.ts); runs.table sends the same
 * listing as columns (listRunColumns), a fifth of the bytes, which the runs view reads.
 * Neither parses a config, reads a metric table or builds an object per run
 * (docs/store.md, "Speed"). The table's columns map to the store's sort keys here.
 */
import type { ParsedParams, Result } from '../../src-api/methods';
import { RUN_COLUMN_NUMBERS, type RunColumnNumber, type RunColumns, type RunListSort, type RunStatus } from '../../src-api/schemas';
import type { ListRunsOptions, RunColumns as StoreColumns, RunStore } from '../store';
import { RawJson } from './raw-json';

/** The store's sort key of each column of the runs table. */
export const TABLE_SORT: Record<RunListSort, string> = {
  created: 'created',
  name: 'name',
  status: 'status',
  sweep: 'sweep',
  data: 'hp.data',
  hidden: 'hp.hidden',
  activation: 'hp.activation',
  optimizer: 'hp.optimizer',
  learning_rate: 'hp.learning_rate',
  steps: 'hp.steps',
  train_cost: 'train_cost',
  test_cost: 'test_cost',
  train_accuracy: 'train_accuracy',
  test_accuracy: 'test_accuracy',
  duration: 'duration',
  tags: 'tags',
};

/**
 * Answers runs.list. `touched` holds when this process last edited each run (tags, notes,
 * name, deletion), which does not move a run's updatedAt: a refresh `since` a time includes
 * those runs too.
 */
export function listRuns(
  store: RunStore,
  params: ParsedParams<'runs.list'>,
  touched: ReadonlyMap<string, number>,
): Result<'runs.list'> | RawJson<Result<'runs.list'>> {
  const now = Date.now();
  const { since } = params;
  if (since !== undefined) {
    // Training moves a run's updatedAt; a deleted run comes back with deleted: true.
    const runs = store.listRunTable({ deleted: 'include', updatedSince: since, sortBy: 'updated', order: 'desc' });
    const seen = new Set(runs.map((r) => r.id));
    const edited = [...touched].filter(([id, at]) => at >= since && !seen.has(id)).map(([id]) => id);
    if (edited.length > 0) runs.push(...store.listRunTable({ deleted: 'include', ids: edited }));
    return { now, runs };
  }
  const options = listOptions(params);
  const offset = params.offset ?? 0;
  const limit = params.limit ?? -1;
  const page = store.listRunTableJson({ ...options, offset, limit });
  // Counted only when the page does not say it: a full page may have more after it.
  const total = page.rows === limit || (page.rows === 0 && offset > 0) ? store.countRuns(options) : offset + page.rows;
  return new RawJson(`{"now":${now},"total":${total},"runs":${page.json}}`);
}

/** The store's listing options for runs.list's and runs.table's parameters (without `since`). */
function listOptions(params: ParsedParams<'runs.list'>): ListRunsOptions {
  return {
    deleted: params.deleted ? 'include' : 'hide',
    sortBy: TABLE_SORT[params.sortBy ?? 'created'],
    order: params.order ?? (params.sortBy === undefined ? 'desc' : 'asc'),
    status: params.status,
    sweepId: params.sweepId,
    tag: params.tag,
    search: params.search || undefined,
  };
}

/**
 * Answers runs.table: runs.list's listing as the store's columns (listRunColumns), the
 * numbers base64 (Buffer's encoder, native). With `since`, the runs changed since then and
 * those this process edited, as runs.list gives them.
 */
export function listRunColumns(
  store: RunStore,
  params: ParsedParams<'runs.table'>,
  touched: ReadonlyMap<string, number>,
  ended: (id: string) => { status: RunStatus } | undefined = () => undefined,
): Result<'runs.table'> {
  const now = Date.now();
  const { since } = params;
  if (since !== undefined) {
    const changed = store.listRunColumns({ deleted: 'include', updatedSince: since, sortBy: 'updated', order: 'desc' });
    const seen = new Set(changed.id);
    const edited = [...touched].filter(([id, at]) => at >= since && !seen.has(id)).map(([id]) => id);
    const columns = edited.length > 0 ? concatColumns(changed, store.listRunColumns({ deleted: 'include', ids: edited })) : changed;
    return { now, columns: encodeColumns(withEnds(columns, ended)) };
  }
  const options = listOptions(params);
  const offset = params.offset ?? 0;
  const limit = params.limit ?? -1;
  const columns = store.listRunColumns({ ...options, offset, limit });
  const rows = columns.count;
  const total = rows === limit || (rows === 0 && offset > 0) ? store.countRuns(options) : offset + rows;
  return { now, total, columns: encodeColumns(withEnds(columns, ended)) };
}

/**
 * The columns with the status of each run that ended without the store recording it (see
 * Trainer.unrecorded), which the store still lists as queued or running.
 */
function withEnds(columns: StoreColumns, ended: (id: string) => { status: RunStatus } | undefined): StoreColumns {
  const { values, codes } = columns.shared;
  for (let i = 0; i < columns.count; i++) {
    const shared = values[codes[i]];
    if (shared.status !== 'queued' && shared.status !== 'running') continue;
    const end = ended(columns.id[i]);
    if (!end) continue;
    codes[i] = values.push({ ...shared, status: end.status }) - 1;
  }
  return columns;
}

/** The store's columns as runs.table sends them: the numbers as base64 float64. */
export function encodeColumns(columns: StoreColumns): RunColumns {
  const numbers = {} as Record<RunColumnNumber, string>;
  for (const key of RUN_COLUMN_NUMBERS) {
    const values = columns.numbers[key];
    numbers[key] = Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
  }
  return { count: columns.count, id: columns.id, name: columns.name, notes: columns.notes, shared: columns.shared, numbers, tags: columns.tags };
}

/** Two listings' columns one after the other (a live refresh's changed runs, then the edited ones). */
function concatColumns(a: StoreColumns, b: StoreColumns): StoreColumns {
  const values = [...a.shared.values, ...b.shared.values];
  const numbers = {} as StoreColumns['numbers'];
  for (const key of RUN_COLUMN_NUMBERS) {
    numbers[key] = new Float64Array(a.count + b.count);
    numbers[key].set(a.numbers[key]);
    numbers[key].set(b.numbers[key], a.count);
  }
  return {
    count: a.count + b.count,
    id: [...a.id, ...b.id],
    name: [...a.name, ...b.name],
    notes: [...a.notes, ...b.notes],
    shared: { values, codes: [...a.shared.codes, ...b.shared.codes.map((c) => c + a.shared.values.length)] },
    numbers,
    tags: { rows: [...a.tags.rows, ...b.tags.rows.map((r) => r + a.count)], tags: [...a.tags.tags, ...b.tags.tags] },
  };
}
