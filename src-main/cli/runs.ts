/**
 * `layerlab runs list|show|rm|restore|tag|note|rename`: look at and tidy the run store.
 *
 * `list` and `show` open the store read-only, so they work while another Layerlab process
 * (a sweep) is writing it; the other subcommands take the store's lock. `--json` output is
 * documented in docs/cli-runs.md. Exit codes: 0 done, 1 failed (no such run, store in
 * use or damaged), 2 bad usage.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  RUN_SORT_FIELDS,
  RUN_STATUSES,
  RunStore,
  StoreError,
  isRunStatus,
  resolveStoreDir,
  type LatestMetric,
  type ListRunsOptions,
  type RunDetail,
  type RunStatus,
  type RunSummary,
} from '../store';
import { CliError, type Command } from './command';

const USAGE = `usage: layerlab runs <subcommand> [--store DIR] [--json]

  list [--status S[,S…]] [--tag T] [--sweep ID] [--search TEXT]
       [--sort KEY [--desc]] [--limit N] [--deleted]
                          runs, newest first; --sort by created, name, status,
                          started, finished, updated, duration, sweep, tags,
                          hp.data, hp.hidden, hp.activation, hp.optimizer,
                          hp.learning_rate, hp.steps or any metric key
  show ID [--history]     one run: status, times, latest metrics, tags, notes, config
  rm ID… [--purge]        hide runs from listings (--purge: delete them for good)
  restore ID…             bring back runs hidden by rm
  tag ID TAG [--remove]   add (or remove) a tag
  note ID TEXT            replace a run's notes ('' clears them)
  rename ID NAME          rename a run

ID is a run id or a unique prefix of one. The store is --store DIR, else $LAYERLAB_HOME,
else the user data folder (see docs/store.md). --json prints JSON (docs/cli-runs.md).
Statuses: ${RUN_STATUSES.join(', ')}.`;

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  store: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

interface Subcommand {
  options: Options;
  /** How many positional arguments: exactly [min, max] (max Infinity for a list). */
  positionals: [number, number];
  /** Whether it changes the store (and so takes its lock). */
  writes: boolean;
  run(store: RunStore, positionals: string[], values: Values): void;
}

type Values = Record<string, string | boolean | string[] | undefined>;

const SUBCOMMANDS: Record<string, Subcommand> = {
  list: {
    options: {
      status: { type: 'string', multiple: true },
      tag: { type: 'string' },
      sweep: { type: 'string' },
      search: { type: 'string' },
      sort: { type: 'string' },
      desc: { type: 'boolean' },
      limit: { type: 'string' },
      deleted: { type: 'boolean' },
    },
    positionals: [0, 0],
    writes: false,
    run: (store, _, values) => list(store, values),
  },
  show: {
    options: { history: { type: 'boolean' } },
    positionals: [1, 1],
    writes: false,
    run: (store, [ref], values) => show(store, store.resolveRunId(ref), values),
  },
  rm: {
    options: { purge: { type: 'boolean' } },
    positionals: [1, Infinity],
    writes: true,
    run(store, refs, values) {
      const ids = refs.map((ref) => store.resolveRunId(ref));
      for (const id of ids) (values.purge ? store.purge(id) : store.softDelete(id));
      const verb = values.purge ? 'purged' : 'deleted';
      if (values.json) print({ store: store.dir, [verb]: ids });
      else {
        for (const id of ids) console.log(`${verb} ${id}`);
        if (!values.purge) console.log(`('layerlab runs restore ID' brings a run back; 'rm --purge' removes it for good)`);
      }
    },
  },
  restore: {
    options: {},
    positionals: [1, Infinity],
    writes: true,
    run(store, refs, values) {
      const ids = refs.map((ref) => store.resolveRunId(ref));
      for (const id of ids) store.restore(id);
      if (values.json) print({ store: store.dir, restored: ids });
      else for (const id of ids) console.log(`restored ${id}`);
    },
  },
  tag: {
    options: { remove: { type: 'boolean' } },
    positionals: [2, 2],
    writes: true,
    run(store, [ref, tag], values) {
      const id = store.resolveRunId(ref);
      if (values.remove) store.untag(id, tag);
      else store.tag(id, tag);
      edited(store, id, values, (run) => `${run.id} tags: ${run.tags.join(', ') || '(none)'}`);
    },
  },
  note: {
    options: {},
    positionals: [2, 2],
    writes: true,
    run(store, [ref, text], values) {
      const id = store.resolveRunId(ref);
      store.setNote(id, text);
      edited(store, id, values, (run) => (run.notes ? `${run.id} notes:\n${indent(run.notes)}` : `${run.id} notes cleared`));
    },
  },
  rename: {
    options: {},
    positionals: [2, 2],
    writes: true,
    run(store, [ref, name], values) {
      const id = store.resolveRunId(ref);
      store.rename(id, name);
      edited(store, id, values, (run) => `${run.id} is now '${run.name}'`);
    },
  },
};

export const command: Command = {
  summary: 'list, show, tag, annotate, rename and delete stored runs',
  async run(args) {
    const [name, ...rest] = args;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      console.log(USAGE);
      return name === undefined ? 2 : 0;
    }
    const sub = SUBCOMMANDS[name];
    if (!sub) throw new CliError(`unknown subcommand '${name}'\n${USAGE}`, 2);
    const { values, positionals } = parse(name, sub, rest);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const dir = resolveStoreDir({ flag: values.store as string | undefined });
    let store: RunStore;
    try {
      store = RunStore.open(dir, { readonly: !sub.writes });
    } catch (error) {
      if (error instanceof StoreError && error.code === 'missing') {
        // Nothing has been run yet: an empty listing, not an error.
        if (name === 'list') return emptyStore(dir, values), 0;
        throw new CliError(`there are no runs in ${dir} yet`);
      }
      throw asCliError(error);
    }
    try {
      sub.run(store, positionals, values);
      return 0;
    } catch (error) {
      throw asCliError(error);
    } finally {
      store.close();
    }
  },
};

function parse(name: string, sub: Subcommand, args: string[]): { values: Values; positionals: string[] } {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { ...COMMON, ...sub.options }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
  const [min, max] = sub.positionals;
  const count = parsed.positionals.length;
  if (!parsed.values.help && (count < min || count > max)) {
    const expected = max === 0 ? 'no arguments' : min === max ? `${min} argument${min === 1 ? '' : 's'}` : `at least ${min} argument${min === 1 ? '' : 's'}`;
    throw new CliError(`runs ${name} takes ${expected}, not ${count}\n${USAGE}`, 2);
  }
  return parsed;
}

function asCliError(error: unknown): unknown {
  return error instanceof StoreError ? new CliError(error.message, 1) : error;
}

// ---- list ----------------------------------------------------------------------------

function listOptions(store: RunStore, values: Values): ListRunsOptions {
  const options: ListRunsOptions = {};
  const statuses = ((values.status as string[] | undefined) ?? []).flatMap((s) => s.split(',')).map((s) => s.trim());
  for (const s of statuses) {
    if (!isRunStatus(s)) throw new CliError(`--status: '${s}' is not a status (${RUN_STATUSES.join(', ')})`, 2);
  }
  if (statuses.length) options.status = statuses as RunStatus[];
  if (values.tag !== undefined) options.tag = values.tag as string;
  if (values.sweep !== undefined) options.sweepId = values.sweep as string;
  if (values.search !== undefined) options.search = values.search as string;
  if (values.deleted) options.deleted = 'only';
  if (values.sort !== undefined) {
    const key = values.sort as string;
    if (!(RUN_SORT_FIELDS as readonly string[]).includes(key)) {
      const known = store.metricKeys();
      if (!known.includes(key)) {
        throw new CliError(
          `--sort: '${key}' is neither a field (${RUN_SORT_FIELDS.join(', ')}) nor a metric any run has logged` +
            (known.length ? ` (${known.join(', ')})` : ''),
          2,
        );
      }
    }
    options.sortBy = key;
    options.order = values.desc ? 'desc' : 'asc';
  } else if (values.desc) {
    throw new CliError('--desc goes with --sort KEY (without --sort, runs are listed newest first)', 2);
  }
  if (values.limit !== undefined) {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new CliError(`--limit: '${values.limit}' is not a whole number ≥ 0`, 2);
    if (limit > 0) options.limit = limit;
  }
  return options;
}

function list(store: RunStore, values: Values): void {
  const options = listOptions(store, values);
  const runs = store.listRuns(options);
  if (values.json) {
    print({ store: store.dir, runs: runs.map(runJson) });
    return;
  }
  if (runs.length === 0) {
    const filtered = Object.keys(options).some((k) => k !== 'sortBy' && k !== 'order' && k !== 'limit');
    console.log(filtered ? `no runs match in ${store.dir}` : `no runs in ${store.dir}`);
    return;
  }
  console.log(runsTable(runs, options.sortBy));
}

function emptyStore(dir: string, values: Values): void {
  if (values.json) print({ store: dir, runs: [] });
  else console.log(`no runs in ${dir}`);
}

/** The metric columns a listing shows: the standard ones any run has, and the sort key. */
const STANDARD_METRICS = ['train_cost', 'train_accuracy', 'test_cost', 'test_accuracy'];

export function runsTable(runs: RunSummary[], sortBy?: string): string {
  const present = new Set(runs.flatMap((r) => Object.keys(r.metrics)));
  const metrics = STANDARD_METRICS.filter((k) => present.has(k));
  if (sortBy && !(RUN_SORT_FIELDS as readonly string[]).includes(sortBy) && !metrics.includes(sortBy)) metrics.push(sortBy);
  const now = Date.now();
  const header = ['ID', 'NAME', 'STATUS', 'CREATED', 'TOOK', ...metrics.map((k) => k.toUpperCase()), 'TAGS'];
  const rows = runs.map((r) => [
    r.id,
    truncate(r.name, 40),
    r.status,
    formatTime(r.createdAt),
    r.startedAt === null ? '-' : formatDuration((r.finishedAt ?? now) - r.startedAt) + (r.finishedAt === null ? '…' : ''),
    ...metrics.map((k) => formatMetric(k, r.metrics[k])),
    r.tags.join(', '),
  ]);
  const rightAligned = new Set([4, ...metrics.map((_, i) => 5 + i)]);
  return table(header, rows, rightAligned);
}

// ---- show ----------------------------------------------------------------------------

function show(store: RunStore, id: string, values: Values): void {
  const run = store.getRun(id);
  const history = values.history ? historyJson(store, id) : undefined;
  if (values.json) {
    print({ store: store.dir, run: { ...detailJson(run), ...(history ? { history } : {}) } });
    return;
  }
  const lines: string[] = [];
  const field = (label: string, value: string) => lines.push(`${label.padEnd(9)} ${value}`);
  field('run', run.id);
  field('name', run.name);
  field('status', run.status + (run.deletedAt !== null ? `  (deleted ${formatTime(run.deletedAt)})` : ''));
  if (run.sweepId) field('sweep', run.sweepId);
  field('tags', run.tags.join(', ') || '-');
  field('created', formatTime(run.createdAt));
  if (run.startedAt !== null) field('started', formatTime(run.startedAt));
  if (run.finishedAt !== null) {
    const took = run.startedAt === null ? '' : `  (took ${formatDuration(run.finishedAt - run.startedAt)})`;
    field('finished', formatTime(run.finishedAt) + took);
  } else if (run.status === 'running' && run.startedAt !== null) {
    field('running', `for ${formatDuration(Date.now() - run.startedAt)}${run.owner ? ` in process ${run.owner.pid}` : ''}`);
  }
  if (run.error) field('error', run.error);
  if (run.weights) {
    field('weights', `${run.weights.format}, ${formatBytes(run.weights.bytes)}, saved ${formatTime(run.weights.savedAt)}`);
    field('', run.weights.file);
  }
  if (run.notes) lines.push('', 'notes', indent(run.notes));

  const keys = Object.keys(run.metrics).sort();
  if (keys.length) {
    lines.push('', 'latest metrics');
    const rows = keys.map((k) => [k, String(run.metrics[k].step), formatNumber(run.metrics[k].value)]);
    lines.push(indent(table(['KEY', 'STEP', 'VALUE'], rows, new Set([1, 2]))));
  }
  if (history) {
    lines.push('', 'history');
    for (const [key, points] of Object.entries(history)) {
      lines.push(`  ${key}: ${points.map(([step, value]) => `${step}=${formatNumber(jsonToNumber(value))}`).join(' ')}`);
    }
  }
  if (run.summary) lines.push('', 'summary', indent(JSON.stringify(JSON.parse(run.summary), null, 2)));
  lines.push('', 'config', indent(JSON.stringify(JSON.parse(run.config), null, 2)));
  console.log(lines.join('\n'));
}

function edited(store: RunStore, id: string, values: Values, line: (run: RunDetail) => string): void {
  const run = store.getRun(id);
  if (values.json) print({ store: store.dir, run: runJson(run) });
  else console.log(line(run));
}

// ---- JSON ----------------------------------------------------------------------------

/** A number for JSON: non-finite values, which JSON cannot hold, become strings. */
function numberJson(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

function jsonToNumber(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}

function timeJson(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A run in `--json` output (docs/cli-runs.md, "Run"). */
export function runJson(run: RunSummary) {
  const metrics: Record<string, { value: number | string; step: number }> = {};
  for (const [key, m] of Object.entries(run.metrics)) metrics[key] = { value: numberJson(m.value), step: m.step };
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    sweepId: run.sweepId,
    createdAt: timeJson(run.createdAt),
    startedAt: timeJson(run.startedAt),
    finishedAt: timeJson(run.finishedAt),
    updatedAt: timeJson(run.updatedAt),
    durationMs: run.startedAt !== null && run.finishedAt !== null ? run.finishedAt - run.startedAt : null,
    error: run.error,
    notes: run.notes,
    tags: run.tags,
    deletedAt: timeJson(run.deletedAt),
    metrics,
  };
}

/** A run with everything `show` knows (docs/cli-runs.md, "Run detail"). */
function detailJson(run: RunDetail) {
  return {
    ...runJson(run),
    config: JSON.parse(run.config) as unknown,
    summary: run.summary === null ? null : (JSON.parse(run.summary) as unknown),
    owner: run.owner,
    weights: run.weights && { ...run.weights, savedAt: timeJson(run.weights.savedAt) },
  };
}

/** Every logged point, by key: `{ key: [[step, value], …] }`. */
function historyJson(store: RunStore, id: string): Record<string, [number, number | string][]> {
  const history: Record<string, [number, number | string][]> = {};
  for (const p of store.history(id)) (history[p.key] ??= []).push([p.step, numberJson(p.value)]);
  return history;
}

function print(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

// ---- text ----------------------------------------------------------------------------

/** Columns padded to their widest cell; those in `right` aligned right. */
export function table(header: string[], rows: string[][], right = new Set<number>()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]) : i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local time, to the second: 2026-11-27 05:20:03. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** 0.42 s, 12.3 s, 4m05s, 2h03m. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${pad2(Math.floor(s % 60))}s`;
  return `${Math.floor(m / 60)}h${pad2(m % 60)}m`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Six significant digits, as the course prints costs; NaN and ±Infinity as such. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-4 || Math.abs(value) >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(6)));
}

/** Accuracies as percentages; everything else as a number; '-' when missing. */
export function formatMetric(key: string, metric: LatestMetric | undefined): string {
  if (!metric) return '-';
  if (key.endsWith('accuracy') && Number.isFinite(metric.value)) return `${(100 * metric.value).toFixed(2)}%`;
  return formatNumber(metric.value);
}
