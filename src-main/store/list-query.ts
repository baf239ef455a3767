/**
 * The queries behind every run listing. Each run row carries its latest metrics (the
 * `latest` JSON column, kept up to date by every append), so a listing is one pass over
 * `runs` that never reads metric_history, plus one small query for the tags. Sorting by a
 * metric joins latest_metrics on its primary key (run, key).
 */
import { isRunStatus, RUN_STATUSES, type RunStatus } from './status';
import { RUN_SORT_FIELDS, type LatestMetric, type ListRunsOptions, type RunSortField, type RunSummary } from './types';
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

const SORT_COLUMNS: Record<RunSortField, string> = {
  created: 'r.created_at',
  name: 'r.name COLLATE NOCASE',
  status: STATUS_RANK,
  started: 'r.started_at',
  finished: 'r.finished_at',
  updated: 'r.updated_at',
};

/** A LIKE pattern (with ESCAPE '\') that matches `text` literally anywhere. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface ListQuery {
  /** The runs, as SummaryRows, in order. */
  runs: string;
  runParams: unknown[];
  /** `run, tag` of every tag of every run the listing matches (before paging), by tag. */
  tags: string;
  tagParams: unknown[];
}

/** `run, tag` of the runs whose seqs are given as a JSON array, by tag. */
export const TAGS_OF_RUNS = 'SELECT run, tag FROM run_tags WHERE run IN (SELECT value FROM json_each(?)) ORDER BY tag';

/**
 * The SQL and parameters of a listing. `metricKeyId` maps a metric key to its id in
 * metric_keys (undefined if no run ever logged it).
 */
export function listQuery(options: ListRunsOptions, metricKeyId: (key: string) => number | undefined): ListQuery {
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
  if (options.search) {
    const like = "LIKE ? ESCAPE '\\'";
    where.push(
      `(r.name ${like} OR r.id ${like} OR r.notes ${like} OR r.seq IN (SELECT run FROM run_tags WHERE tag ${like}))`,
    );
    params.push(...Array<string>(4).fill(containsPattern(options.search)));
  }

  const sortBy = options.sortBy ?? 'created';
  const order = options.order ?? (sortBy === 'created' ? 'desc' : 'asc');
  if (order !== 'asc' && order !== 'desc') throw invalid(`order must be 'asc' or 'desc', not '${String(order)}'`);
  const direction = order.toUpperCase();
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const filterParams = [...params];
  let join = '';
  let sortColumn: string;
  if ((RUN_SORT_FIELDS as readonly string[]).includes(sortBy)) {
    sortColumn = SORT_COLUMNS[sortBy as RunSortField];
  } else {
    join = 'LEFT JOIN latest_metrics m ON m.run = r.seq AND m.key = ?';
    params.unshift(metricKeyId(sortBy) ?? -1);
    sortColumn = 'm.value';
  }
  // Missing values last in either direction; among equals, by creation.
  const nullsLast = sortColumn === 'm.value' || sortBy === 'started' || sortBy === 'finished';
  const orderBy = `${nullsLast ? `${sortColumn} IS NULL, ` : ''}${sortColumn} ${direction}, r.seq ${direction}`;

  let page = '';
  if (options.limit !== undefined || options.offset !== undefined) {
    const limit = options.limit ?? -1;
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || offset < 0) {
      throw invalid('limit and offset must be whole numbers');
    }
    page = `LIMIT ${limit} OFFSET ${offset}`;
  }
  return {
    runs: `SELECT ${SUMMARY_COLUMNS} FROM runs r ${join} ${filter} ORDER BY ${orderBy} ${page}`,
    runParams: params,
    // Tags are few: fetching those of all matching runs costs less than one lookup per run.
    tags: `SELECT run, tag FROM run_tags WHERE run IN (SELECT r.seq FROM runs r ${filter}) ORDER BY tag`,
    tagParams: filterParams,
  };
}
