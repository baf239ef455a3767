/**
 * The queries behind every run listing. Each run row carries its latest metrics (the
 * `latest` JSON column, `table_metrics` and `tm_*` for the standard ones, kept up to date by
 * every append), the hyperparameters of its config (hp, hp_*), and what listings read as
 * blobs of float64s (`list_numbers`, `latest_numbers`, kept by triggers), so a listing is one
 * pass over `runs` that never reads metric_history nor parses a config, plus one small query
 * for the tags. listQuery is the one place listings are built; listAggregate makes a
 * listing's rows into one row for the columnar readers (RunStore.listRunColumns, listRuns).
 * Sorting by a metric walks the (key, value) index of latest_metrics.
 */
import { isRunStatus, RUN_STATUSES, type RunStatus } from './status';
import {
  RUN_SORT_FIELDS,
  type LatestMetric,
  type ListRunsOptions,
  type RunSortField,
  type RunSummary,
} from './types';
import { TABLE_METRICS } from './latest-sql';
import { LIST_NUMBERS } from './schema';
import { invalid } from './validate';

export const SUMMARY_COLUMNS = `r.id, r.name, r.status, r.sweep_id, r.created_at, r.started_at, r.finished_at,
  r.updated_at, r.error, r.notes, r.deleted_at, r.latest, r.seq`;

/** A row of SUMMARY_COLUMNS, read in raw (array) mode. */
export type SummaryRow = [
  id: string,
  name: string,
  status: RunStatus,
  sweepId: string | null,
  createdAt: number,
  startedAt: number | null,
  finishedAt: number | null,
  updatedAt: number,
  error: string | null,
  notes: string,
  deletedAt: number | null,
  latest: string,
  seq: number,
];

/**
 * The metrics of a `latest` column, `{"key": {"value": v, "step": s}, …}`, already in the
 * shape callers get; only a NaN (null in SQLite and JSON) needs turning back.
 */
export function parseLatest(json: string): Record<string, LatestMetric> {
  const metrics = JSON.parse(json) as Record<string, { value: number | null; step: number }>;
  if (json.includes('null')) {
    for (const key in metrics) if (metrics[key].value === null) metrics[key].value = NaN;
  }
  return metrics as Record<string, LatestMetric>;
}

/**
 * The latest metrics of runs from their `latest_numbers` blobs one after the other
 * (schema 6: latestNumbers in schema.ts), as parseLatest gives them from `latest`: NaN for a NaN
 * value, infinities kept. `keyOf` names the metric_keys ids. Throws if the bytes are not
 * `count` runs' worth.
 */
export function latestMetricsOf(blob: Uint8Array, count: number, keyOf: ReadonlyMap<number, string>): Record<string, LatestMetric>[] {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const wrong = () => new Error(`a listing's latest metrics (${blob.byteLength} bytes) are not those of its ${count} runs`);
  const out = new Array<Record<string, LatestMetric>>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 8 > blob.byteLength) throw wrong();
    const n = view.getFloat64(at);
    at += 8;
    if (!Number.isInteger(n) || at + 24 * n > blob.byteLength) throw wrong();
    const metrics: Record<string, LatestMetric> = {};
    for (let j = 0; j < n; j++, at += 24) {
      const key = keyOf.get(view.getFloat64(at));
      if (key === undefined) throw new Error(`a run's latest metrics name metric key ${view.getFloat64(at)}, which metric_keys does not hold`);
      metrics[key] = { value: view.getFloat64(at + 16), step: view.getFloat64(at + 8) };
    }
    out[i] = metrics;
  }
  if (at !== blob.byteLength) throw wrong();
  return out;
}

/**
 * A run's RunTableRow as JSON text, made by SQLite from the run's row: strings quoted by
 * json_quote, the hyperparameters (`hp`) and standard metrics (`table_metrics`) spliced in
 * as the JSON they are stored as, the tags (in tag order, the key order of run_tags) by
 * json_group_array. No number is formatted here, which is what makes a listing of 10,000
 * runs cheap.
 */
export const TABLE_ROW_JSON = `'{"id":' || json_quote(r.id) || ',"name":' || json_quote(r.name) ||
  ',"status":"' || r.status || '","sweepId":' || json_quote(r.sweep_id) ||
  ',"sweepName":' || json_quote((SELECT s.name FROM sweeps s WHERE s.id = r.sweep_id)) ||
  ',"createdAt":' || r.created_at || ',"startedAt":' || json_quote(r.started_at) ||
  ',"finishedAt":' || json_quote(r.finished_at) || ',"updatedAt":' || r.updated_at ||
  ',"durationMs":' || json_quote(coalesce(r.finished_at, r.updated_at) - r.started_at) ||
  ',"tags":' || (SELECT json_group_array(t.tag) FROM run_tags t WHERE t.run = r.seq) ||
  ',"notes":' || json_quote(r.notes) || ',"error":' || json_quote(r.error) ||
  ',"hp":' || r.hp || ',"metrics":' || r.table_metrics ||
  ',"deleted":' || iif(r.deleted_at IS NULL, 'false', 'true') || '}'`;

/**
 * The columns of a columnar listing (RunStore.listRunColumns), per run: the id, name and
 * notes, and all its numbers as one blob (`list_numbers`, kept by triggers: LIST_NUMBERS in
 * schema.ts), among them the id of the row of `list_shared` that holds the fields many runs
 * share (status, sweep, data, hidden sizes, activation, optimizer, unit, deleted). A
 * listing's rows of these are then made into one row by tableAggregate.
 */
export const TABLE_COLUMNS = 'r.id AS id, r.name AS name, r.notes AS notes, r.list_numbers AS numbers';

/** TABLE_COLUMNS and what a RunSummary needs besides: the error and the latest metrics (`latest_numbers`). */
export const SUMMARY_LIST_COLUMNS = `${TABLE_COLUMNS}, r.error AS error, r.latest_numbers AS latest`;

/**
 * A query of TABLE_COLUMNS rows (or SUMMARY_LIST_COLUMNS, with `summary`) made into one
 * row, so that JavaScript gets a few values for the whole listing instead of a few per run
 * (each value handed over costs about the same, whatever its size): the ids, names and
 * notes (and errors) each as a JSON array text, and the runs' number blobs (and latest
 * metrics' blobs) one after the other (group_concat copies their bytes as they are; CAST
 * gives them back as a blob). An aggregate reads its rows in the order the query gives
 * them: a query ordered, limited and offset, as every listing part is, is never flattened
 * into an aggregate query (rules 14 and 16 of SQLite's query flattener), so the rows come
 * as its ORDER BY puts them. The tests compare every sort, filter and page with the rows of
 * the same listing.
 */
export function listAggregate(sql: string, summary = false): string {
  const more = summary ? `, json_group_array(error), CAST(group_concat(latest, '') AS BLOB)` : '';
  return `SELECT json_group_array(id), json_group_array(name), json_group_array(notes), CAST(group_concat(numbers, '') AS BLOB)${more}
    FROM (${sql})`;
}

/** The row of a listAggregate query, read in raw (array) mode (the blobs NULL when it has no runs). */
export type ListAggregate = [id: string, name: string, notes: string, numbers: Buffer | null, error?: string, latest?: Buffer | null];

/** `id, key` of the rows of list_shared whose ids are given as a JSON array. */
export const SHARED_KEYS = 'SELECT id, key FROM list_shared WHERE id IN (SELECT value FROM json_each(?))';

const WIDTH = LIST_NUMBERS.length;

/** The bytes of one run's `list_numbers`. */
export const LIST_NUMBERS_BYTES = 8 * WIDTH;

/**
 * The numbers of runs from their `list_numbers` blobs one after the other: one Float64Array
 * per column of LIST_NUMBERS (NaN for NULL). Throws if the bytes are not whole runs (a run
 * row without its blob would shift every run after it).
 */
export function listNumberColumns(blob: Uint8Array): Record<(typeof LIST_NUMBERS)[number], Float64Array> {
  if (blob.byteLength % LIST_NUMBERS_BYTES !== 0) {
    throw new Error(`a listing's numbers are ${blob.byteLength} bytes, not a whole number of runs of ${LIST_NUMBERS_BYTES} bytes`);
  }
  const n = blob.byteLength / LIST_NUMBERS_BYTES;
  // One allocation for all the columns; the bytes are big-endian (SQLite's printf writes
  // the bits high byte first), which DataView reads by default.
  const memory = new Float64Array(n * WIDTH);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const columns = {} as Record<(typeof LIST_NUMBERS)[number], Float64Array>;
  for (let k = 0; k < WIDTH; k++) {
    const column = memory.subarray(k * n, (k + 1) * n);
    for (let i = 0, at = 8 * k; i < n; i++, at += LIST_NUMBERS_BYTES) column[i] = view.getFloat64(at);
    columns[LIST_NUMBERS[k]] = column;
  }
  return columns;
}

/** A run from its row; its tags are added by the caller. */
export function toSummary(row: SummaryRow): RunSummary {
  return {
    id: row[0],
    name: row[1],
    status: row[2],
    sweepId: row[3],
    createdAt: row[4],
    startedAt: row[5],
    finishedAt: row[6],
    updatedAt: row[7],
    error: row[8],
    notes: row[9],
    tags: [],
    deletedAt: row[10],
    metrics: parseLatest(row[11]),
  };
}

const STATUS_RANK = `CASE r.status ${RUN_STATUSES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} END`;

const SWEEP_NAME = '(SELECT s.name FROM sweeps s WHERE s.id = r.sweep_id)';

/** The SQL each field sorts by, and whether it can be NULL (such runs come last). */
const SORT_COLUMNS: Record<RunSortField, { sql: string; nullable: boolean }> = {
  created: { sql: 'r.created_at', nullable: false },
  name: { sql: 'r.name COLLATE NOCASE', nullable: false },
  status: { sql: STATUS_RANK, nullable: false },
  started: { sql: 'r.started_at', nullable: true },
  finished: { sql: 'r.finished_at', nullable: true },
  updated: { sql: 'r.updated_at', nullable: false },
  duration: { sql: 'coalesce(r.finished_at, r.updated_at) - r.started_at', nullable: true },
  sweep: { sql: `${SWEEP_NAME} COLLATE NOCASE`, nullable: true },
  tags: { sql: '(SELECT group_concat(t.tag, \' \' ORDER BY t.tag) FROM run_tags t WHERE t.run = r.seq)', nullable: true },
  'hp.data': { sql: 'r.hp_data', nullable: true },
  'hp.hidden': { sql: 'r.hp_hidden_rank', nullable: true },
  'hp.activation': { sql: 'r.hp_activation', nullable: true },
  'hp.optimizer': { sql: 'r.hp_optimizer', nullable: true },
  'hp.learning_rate': { sql: 'r.hp_learning_rate', nullable: true },
  'hp.steps': { sql: 'r.hp_steps', nullable: true },
};

/** A metric value that sorts: not NULL (NaN), not infinite. */
const SORTABLE_VALUE = 'm.value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308';

/** A LIKE pattern (with ESCAPE '\') that matches `text` literally anywhere. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Where a listing query takes its page: `LIMIT ? OFFSET ?`, or nothing to count its rows. */
export const PAGE = '/*page*/';

/** One query of a listing, with PAGE where its LIMIT and OFFSET go. */
export interface ListPart {
  sql: string;
  params: unknown[];
}

export interface ListQuery {
  /**
   * The listing is these queries' rows one after the other (rows of `columns`, in order). A
   * listing sorted by a metric has two: the runs with a value, walked in order along the
   * (key, value) index, then those without one.
   */
  parts: ListPart[];
  /** -1 for no limit. */
  limit: number;
  offset: number;
  /** The number of runs the listing matches (before paging). */
  count: string;
  /** The parameters of `count`. */
  filterParams: unknown[];
}

/** `run, tag` of the runs whose seqs are given as a JSON array, by tag. */
export const TAGS_OF_RUNS = 'SELECT run, tag FROM run_tags WHERE run IN (SELECT value FROM json_each(?)) ORDER BY tag';

/**
 * The SQL and parameters of a listing of `columns` (TABLE_COLUMNS, SUMMARY_LIST_COLUMNS,
 * TABLE_ROW_JSON, or SUMMARY_COLUMNS).
 * `metricKeyId` maps a metric key to its id in metric_keys (undefined if no run ever
 * logged it).
 */
export function listQuery(
  options: ListRunsOptions,
  metricKeyId: (key: string) => number | undefined,
  columns: string = SUMMARY_COLUMNS,
): ListQuery {
  const where: string[] = [];
  const params: unknown[] = [];
  const deleted = options.deleted ?? 'hide';
  if (deleted === 'hide') where.push('r.deleted_at IS NULL');
  else if (deleted === 'only') where.push('r.deleted_at IS NOT NULL');
  else if (deleted !== 'include') throw invalid(`deleted must be 'hide', 'include' or 'only', not '${String(deleted)}'`);
  if (options.sweepId !== undefined) {
    where.push('r.sweep_id = ?');
    params.push(options.sweepId);
  }
  if (options.status !== undefined) {
    const statuses: readonly string[] = typeof options.status === 'string' ? [options.status] : options.status;
    for (const s of statuses) if (!isRunStatus(s)) throw invalid(`'${s}' is not a run status (${RUN_STATUSES.join(', ')})`);
    where.push(statuses.length ? `r.status IN (${statuses.map(() => '?').join(', ')})` : '0');
    params.push(...statuses);
  }
  if (options.tag !== undefined) {
    where.push('r.seq IN (SELECT run FROM run_tags WHERE tag = ?)');
    params.push(options.tag.trim());
  }
  if (options.ids !== undefined) {
    where.push('r.id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(options.ids));
  }
  if (options.updatedSince !== undefined) {
    if (!Number.isFinite(options.updatedSince)) throw invalid('updatedSince must be a time in ms');
    where.push('r.updated_at >= ?');
    params.push(options.updatedSince);
  }
  if (options.search) {
    const like = "LIKE ? ESCAPE '\\'";
    const fields = ['r.name', 'r.id', 'r.notes', 'r.hp_data', 'r.hp_hidden', 'r.hp_activation', 'r.hp_optimizer', SWEEP_NAME];
    where.push(`(${fields.map((f) => `${f} ${like}`).join(' OR ')} OR r.seq IN (SELECT run FROM run_tags WHERE tag ${like}))`);
    params.push(...Array<string>(fields.length + 1).fill(containsPattern(options.search)));
  }

  const sortBy = options.sortBy ?? 'created';
  const order = options.order ?? (sortBy === 'created' ? 'desc' : 'asc');
  if (order !== 'asc' && order !== 'desc') throw invalid(`order must be 'asc' or 'desc', not '${String(order)}'`);
  const direction = order.toUpperCase();
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const andFilter = where.map((w) => ` AND ${w}`).join('');

  let limit = -1;
  let offset = 0;
  if (options.limit !== undefined || options.offset !== undefined) {
    limit = options.limit ?? -1;
    offset = options.offset ?? 0;
    if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || offset < 0) {
      throw invalid('limit and offset must be whole numbers');
    }
  }

  let parts: ListPart[];
  const field = (RUN_SORT_FIELDS as readonly string[]).includes(sortBy);
  if (field || (TABLE_METRICS as readonly string[]).includes(sortBy)) {
    // A field, or one of the runs table's four metrics, whose latest value the run's row
    // holds (tm_*: the value if finite, else NULL, which is what a metric sort orders by):
    // one pass in the order of its index (schema 7 and 8).
    const column = field ? SORT_COLUMNS[sortBy as RunSortField] : { sql: `r.tm_${sortBy}`, nullable: true };
    // Missing values last in either direction; among equals, by creation. A NULL sorts
    // before anything and a blob after any number or text, so ascending with NULLs last is
    // coalesce(key, X''), and descending is the key itself. Written so, the indexes of
    // schema 7 give the default listing's order without a sort.
    const key = column.nullable && order === 'asc' ? `coalesce(${column.sql}, X'')` : column.sql;
    // The runs' keys are sorted first and their columns made after, in that order (the
    // subquery is the outer loop of a CROSS JOIN): a sort that carried every listed column
    // (a listing's JSON text) would move ten times the bytes.
    parts = [
      {
        sql: `SELECT ${columns} FROM (
                SELECT r.seq FROM runs r ${filter} ORDER BY ${key} ${direction}, r.seq ${direction} ${PAGE}
              ) o CROSS JOIN runs r ON r.seq = o.seq`,
        params,
      },
    ];
  } else {
    // By another metric's latest value: runs that have one in index order, so a page of the
    // top runs reads only that page; then the runs without a value (or whose latest is NaN
    // or infinite).
    const key = metricKeyId(sortBy) ?? -1;
    parts = [
      {
        sql: `SELECT ${columns} FROM latest_metrics m JOIN runs r ON r.seq = m.run
              WHERE m.key = ? AND ${SORTABLE_VALUE}${andFilter}
              ORDER BY m.value ${direction}, m.run ${direction} ${PAGE}`,
        params: [key, ...params],
      },
      {
        sql: `SELECT ${columns} FROM runs r
              WHERE NOT EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run = r.seq AND m.key = ? AND ${SORTABLE_VALUE})${andFilter}
              ORDER BY r.seq ${direction} ${PAGE}`,
        params: [key, ...params],
      },
    ];
  }
  return {
    parts,
    limit,
    offset,
    count: `SELECT count(*) FROM runs r ${filter}`,
    filterParams: params,
  };
}
