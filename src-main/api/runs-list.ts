/**
 * runs.list: the runs table's rows, straight from the store: as the JSON text SQLite makes
 * of the run rows (listRunTableJson), spliced into the response by the transports (see
 * raw-json.ts), so that no config is parsed, no metric table read and no object built
 * (docs/store.md, "Speed"). The table's columns map to the store's sort keys here.
 */
import type { ParsedParams, Result } from '../../src-api/methods';
import type { RunListSort } from '../../src-api/schemas';
import type { ListRunsOptions, RunStore } from '../store';
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
  const options: ListRunsOptions = {
    deleted: params.deleted ? 'include' : 'hide',
    sortBy: TABLE_SORT[params.sortBy ?? 'created'],
    order: params.order ?? (params.sortBy === undefined ? 'desc' : 'asc'),
    status: params.status,
    sweepId: params.sweepId,
    tag: params.tag,
    search: params.search || undefined,
  };
  const offset = params.offset ?? 0;
  const limit = params.limit ?? -1;
  const page = store.listRunTableJson({ ...options, offset, limit });
  // Counted only when the page does not say it: a full page may have more after it.
  const total = page.rows === limit || (page.rows === 0 && offset > 0) ? store.countRuns(options) : offset + page.rows;
  return new RawJson(`{"now":${now},"total":${total},"runs":${page.json}}`);
}
