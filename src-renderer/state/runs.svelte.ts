/**
 * The runs table's data: every run, kept current from live events. Rows are immutable
 * objects in a raw state array (no deep proxies over 10,000 rows); a change replaces a row.
 * Sorting and filtering happen here, so every column can be sorted and searched.
 */
import type { Result } from '../../src-api';
import { RUNS_FIRST_PAGE, type RunTableRow as RunRow, tableRows } from '../../src-api/run-columns';
import { api } from '../lib/api';
import { preloaded } from '../lib/preload';
import { measure } from '../lib/perf';
import { RowIndex, mergeRows } from '../lib/run-rows';
import { onEvent } from './events.svelte';

export type SortKey =
  | 'status' | 'name' | 'sweep' | 'data' | 'hidden' | 'activation' | 'optimizer' | 'learning_rate' | 'steps'
  | 'train_cost' | 'test_cost' | 'train_accuracy' | 'test_accuracy' | 'duration' | 'created' | 'tags';

const KEY: Record<SortKey, (r: RunRow) => string | number | null> = {
  status: (r) => r.status,
  name: (r) => r.name.toLowerCase(),
  sweep: (r) => r.sweepName?.toLowerCase() ?? null,
  data: (r) => r.hp.data,
  hidden: (r) => r.hp.hidden.reduce((s, n) => s * 1000 + n, r.hp.hidden.length),
  activation: (r) => r.hp.activation,
  optimizer: (r) => r.hp.optimizer,
  learning_rate: (r) => r.hp.learning_rate,
  steps: (r) => r.hp.steps,
  train_cost: (r) => r.metrics.train_cost,
  test_cost: (r) => r.metrics.test_cost,
  train_accuracy: (r) => r.metrics.train_accuracy,
  test_accuracy: (r) => r.metrics.test_accuracy,
  duration: (r) => r.durationMs,
  created: (r) => r.createdAt,
  tags: (r) => r.tags.join(' ') || null,
};

function isNewestFirst(rows: RunRow[]): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i].createdAt > rows[i - 1].createdAt) return false;
  return true;
}

class RunsState {
  rows = $state.raw<RunRow[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  sortKey = $state<SortKey>('created');
  sortDesc = $state(true);
  search = $state('');
  status = $state<string>('all');
  selected = $state.raw<Set<string>>(new Set());
  private since = 0;
  private refreshing: Promise<void> | null = null;
  private again = false;

  constructor() {
    // `layerlab ui` sends the first page inside the HTML, with the rows already rendered
    // from it (src-renderer/first-view.ts): taken now, before the app is hydrated, so that
    // its first render has the rows the server rendered.
    const inPage = preloaded('runs.table', RUNS_FIRST_PAGE);
    if (inPage) this.showFirstPage(inPage, 0);
    onEvent((event) => {
      if (event.type === 'runs.changed') this.refresh();
      else if (event.type === 'run.status') this.patch(event.runId, (r) => ({ ...r, status: event.status }));
      else if (event.type === 'run.progress' && event.entries.length > 0) {
        const e = event.entries[event.entries.length - 1];
        this.patch(event.runId, (r) => ({
          ...r,
          metrics: {
            train_cost: e.cost,
            test_cost: e.test_cost ?? r.metrics.test_cost,
            train_accuracy: e.train_accuracy ?? r.metrics.train_accuracy,
            test_accuracy: e.test_accuracy ?? r.metrics.test_accuracy,
            step: e.iteration,
          },
          durationMs: r.startedAt ? Date.now() - r.startedAt : r.durationMs,
        }));
      }
    });
  }

  /** Whether older runs are still being fetched behind the first page. */
  loadingMore = $state(false);

  /**
   * Fetches the newest runs first, shows them, then the rest behind them, so the table
   * appears at once even with 10,000 runs. Both come as the table's columns (runs.table:
   * a fifth of the bytes of rows, checked and made into rows in one pass each); the rest
   * in pages of 2,500 (about 400 kB each, a few milliseconds, never a long task), joining
   * the table at once at the end. Sorting and search apply to what has arrived; the count
   * says when more is coming.
   */
  async load(): Promise<void> {
    const FIRST = RUNS_FIRST_PAGE.limit;
    const PAGE = 2500;
    try {
      // Unless the page brought it (see the constructor), the first page is asked for.
      if (!this.loaded) {
        const started = performance.now();
        this.showFirstPage(await api.call('runs.table', RUNS_FIRST_PAGE), started);
      }
      if (this.rows.length < FIRST) return;
      this.loadingMore = true;
      // Let the first page paint before the rest arrives.
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      let offset = FIRST;
      const more: RunRow[] = [];
      for (;;) {
        const page = tableRows((await api.call('runs.table', { offset, limit: PAGE })).columns);
        for (const r of page) more.push(r);
        offset += page.length;
        if (page.length < PAGE) break;
      }
      const known = new Set(this.rows.map((r) => r.id));
      this.rows = [...this.rows, ...more.filter((r) => !known.has(r.id))];
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.loadingMore = false;
    }
  }

  /**
   * Shows the newest runs, the answer to runs.table with RUNS_FIRST_PAGE: from the page's
   * HTML, from the API, or on the server that renders the page's first view.
   */
  showFirstPage(answer: Result<'runs.table'>, started: number): void {
    const first = tableRows(answer.columns);
    measure('runs-list', started, { runs: first.length });
    this.rows = first;
    this.since = answer.now;
    this.loaded = true;
    this.error = null;
  }

  /** Fetches runs changed since the last sync and merges them in. */
  refresh(): void {
    if (!this.loaded) return void this.load();
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = (async () => {
      try {
        const { columns, now } = await api.call('runs.table', { since: this.since - 1000 });
        this.since = now;
        if (columns.count > 0) this.merge(tableRows(columns));
      } catch (error) {
        this.error = (error as Error).message;
      } finally {
        this.refreshing = null;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      }
    })();
  }

  /** Positions of runs in `rows`, for merges and live patches without a scan. */
  private readonly index = new RowIndex();

  private indexOf(id: string): number {
    return this.index.indexOf(this.rows, id);
  }

  /** Merges changed runs in (lib/run-rows.ts): work in the changes, not in the 10,000 rows. */
  private merge(runs: RunRow[]): void {
    const { rows, samePlaces } = mergeRows(this.rows, runs, this.index);
    this.setRows(rows, samePlaces);
  }

  /** Sets the rows; `samePlaces` when every run kept its position (the index stays valid). */
  private setRows(rows: RunRow[], samePlaces: boolean): void {
    const before = this.rows;
    this.rows = rows;
    if (samePlaces) this.index.carry(before, rows);
  }

  private patch(id: string, fn: (r: RunRow) => RunRow): void {
    const i = this.indexOf(id);
    if (i < 0) return;
    const rows = this.rows.slice();
    rows[i] = fn(rows[i]);
    this.setRows(rows, true);
  }

  get(id: string): RunRow | undefined {
    const i = this.indexOf(id);
    return i < 0 ? undefined : this.rows[i];
  }

  /** The rows shown: filtered by status and search, sorted by the chosen column. */
  view = $derived.by(() => {
    const q = this.search.trim().toLowerCase();
    const status = this.status;
    let rows = this.rows;
    if (status !== 'all') rows = rows.filter((r) => r.status === status);
    if (q) {
      rows = rows.filter((r) =>
        [r.id, r.name, r.sweepName ?? '', r.notes, r.hp.data, r.hp.activation, r.hp.optimizer, `[${r.hp.hidden.join(', ')}]`, ...r.tags]
          .some((s) => s.toLowerCase().includes(q)),
      );
    }
    const key = KEY[this.sortKey];
    const dir = this.sortDesc ? -1 : 1;
    // The rows arrive newest first, the default order: one pass checks it, and spares
    // sorting 10,000 rows whenever one of them changes.
    if (this.sortKey === 'created' && this.sortDesc && isNewestFirst(rows)) return rows;
    return rows
      .map((r) => [key(r), r] as const)
      .sort(([a], [b]) => (a === null ? (b === null ? 0 : 1) : b === null ? -1 : a < b ? -dir : a > b ? dir : 0))
      .map(([, r]) => r);
  });

  sortBy(key: SortKey): void {
    if (this.sortKey === key) this.sortDesc = !this.sortDesc;
    else {
      this.sortKey = key;
      this.sortDesc = key === 'created' || key.endsWith('accuracy');
    }
  }

  toggle(id: string, on?: boolean): void {
    const next = new Set(this.selected);
    if (on ?? !next.has(id)) next.add(id);
    else next.delete(id);
    this.selected = next;
  }

  selectOnly(ids: string[]): void {
    this.selected = new Set(ids);
  }

  async remove(ids: string[]): Promise<void> {
    await api.call('runs.delete', { ids });
    const gone = new Set(ids);
    this.rows = this.rows.filter((r) => !gone.has(r.id));
    this.selected = new Set([...this.selected].filter((id) => !gone.has(id)));
  }

  async restore(ids: string[]): Promise<void> {
    await api.call('runs.restore', { ids });
    this.refresh();
  }

  async update(id: string, change: { name?: string; notes?: string; addTags?: string[]; removeTags?: string[] }): Promise<void> {
    await api.call('runs.update', { id, ...change });
    this.patch(id, (r) => ({
      ...r,
      name: change.name ?? r.name,
      notes: change.notes ?? r.notes,
      tags: [...new Set([...r.tags, ...(change.addTags ?? [])])].filter((t) => !(change.removeTags ?? []).includes(t)).sort(),
    }));
  }
}

export const runs = new RunsState();
