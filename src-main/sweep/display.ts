/**
 * What `layerlab sweep` shows: the table of trials before a run (--dry-run), live progress
 * while it runs, and the trials ranked by the sweep's metric at the end.
 *
 * Live progress on a terminal is a compact block redrawn in place a few times a second: an
 * overall bar, then one line per running trial (step / total and cost). Anywhere else (a
 * pipe, a log file, CI) it is one line per finished trial, so logs stay readable.
 */
import { formatValue, paramLabels, type SweepPlan } from '../../src-core/sweep-spec';
import type { SweepEvent, SweepOutcome, TrialState } from './driver';
import { metricValue, rankTrials } from './driver';

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(rows: string[][], rightAligned: (column: number) => boolean = () => false): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, i) => (rightAligned(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

/** The table of trials a spec expands into (what --dry-run prints). */
export function trialTable(plan: SweepPlan): string {
  const paths = Object.keys(plan.spec.parameters);
  const labels = paramLabels(paths);
  const repeats = plan.spec.repeats > 1;
  const header = ['trial', ...paths.map((p) => labels[p]), ...(repeats ? ['repeat', 'init.seed', 'shuffle_seed'] : [])];
  const rows = plan.trials.map((t) => [
    String(t.index),
    ...paths.map((p) => formatValue(t.params[p])),
    ...(repeats ? [String(t.repeat), String(t.config.init.seed), String(t.config.train.shuffle_seed)] : []),
  ]);
  return table([header, ...rows], (i) => i === 0);
}

/** "7 trials (grid of 7 points × 1 repeat; 2 duplicates dropped); ranked by train_cost (minimize)". */
export function planSummary(plan: SweepPlan): string {
  const { spec } = plan;
  const points = spec.method === 'grid' ? `grid of ${gridSize(plan)} points` : `${spec.count} random draws (seed ${spec.seed})`;
  const repeats = `${spec.repeats} repeat${spec.repeats === 1 ? '' : 's'}`;
  const dups = plan.duplicates.length > 0 ? `; ${plan.duplicates.length} duplicate${plan.duplicates.length === 1 ? '' : 's'} dropped` : '';
  const stop = spec.early_stopping ? `; early stopping: ${spec.early_stopping.rule}` : '';
  return `${plan.trials.length} trial${plan.trials.length === 1 ? '' : 's'} (${points} × ${repeats}${dups}); ranked by ${plan.metric.name} (${plan.metric.goal})${stop}`;
}

function gridSize(plan: SweepPlan): number {
  return (plan.trials.length + plan.duplicates.length) / plan.spec.repeats;
}

const FINAL_COLUMNS = ['train_cost', 'train_accuracy', 'test_cost', 'test_accuracy'] as const;

function metricCell(v: number | null | undefined, key: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return key.endsWith('accuracy') ? `${(100 * v).toFixed(2)}%` : v.toFixed(6);
}

/** The trials best first, with their parameters, status, final metrics and run ids. */
export function rankedTable(outcome: Pick<SweepOutcome, 'trials' | 'metric'>, plan: SweepPlan): string {
  const paths = Object.keys(plan.spec.parameters);
  const labels = paramLabels(paths);
  const repeats = plan.spec.repeats > 1;
  const present = FINAL_COLUMNS.filter((k) => outcome.trials.some((t) => t.final && t.final[k] !== null && t.final[k] !== undefined));
  const metrics = [outcome.metric.name, ...present.filter((k) => k !== outcome.metric.name)];
  const header = ['rank', 'trial', ...paths.map((p) => labels[p]), ...(repeats ? ['repeat'] : []), 'status', ...metrics, 'run'];
  let rank = 0;
  const rows = rankTrials(outcome.trials, outcome.metric).map((t) => [
    metricValue(t, outcome.metric.name) === null ? '-' : String(++rank),
    String(t.index),
    ...paths.map((p) => formatValue(t.params[p])),
    ...(repeats ? [String(t.repeat)] : []),
    t.status,
    ...metrics.map((k) => metricCell(t.final?.[k], k)),
    t.runId ?? '-',
  ]);
  const firstMetric = header.indexOf(outcome.metric.name);
  const lines = [table([header, ...rows], (i) => i <= 1 || (i >= firstMetric && i < firstMetric + metrics.length))];
  const notes = outcome.trials.filter((t) => t.reason && t.status !== 'completed');
  for (const t of notes) lines.push(`  trial ${t.index} ${t.status}: ${t.reason}`);
  return lines.join('\n');
}

/** One line for a finished trial (the display on a pipe or log). */
export function finishedLine(trial: TrialState, plan: SweepPlan, done: number): string {
  const labels = paramLabels(Object.keys(trial.params));
  const params = Object.entries(trial.params).map(([k, v]) => `${labels[k]}=${formatValue(v)}`);
  const value = metricValue(trial, plan.metric.name);
  const seconds = trial.startedAt && trial.finishedAt ? ` in ${((trial.finishedAt - trial.startedAt) / 1000).toFixed(1)} s` : '';
  const parts = [
    `[${done}/${plan.trials.length}] trial ${trial.index} ${trial.status}${seconds}`,
    ...params,
    ...(plan.spec.repeats > 1 ? [`repeat=${trial.repeat}`] : []),
    ...(value !== null ? [`${plan.metric.name} ${metricCell(value, plan.metric.name)}`] : []),
  ];
  const reason = trial.reason && trial.status !== 'completed' ? `: ${trial.reason}` : '';
  return `${parts.join('  ')}${reason}`;
}

interface Source {
  readonly id: string;
  readonly plan: SweepPlan;
  readonly trials: TrialState[];
  readonly isPaused: boolean;
}

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Live progress: call onEvent with the driver's events, start() and stop(). */
export class ProgressDisplay {
  private timer: ReturnType<typeof setInterval> | null = null;
  private drawnLines = 0;
  private readonly started = Date.now();
  private done = 0;

  constructor(
    private readonly source: Source,
    private readonly out: Output,
    private readonly options: { tty?: boolean; quiet?: boolean; warn?: (message: string) => void } = {},
  ) {
    this.done = source.trials.filter((t) => t.status !== 'pending' && t.status !== 'queued' && t.status !== 'running').length;
  }

  private get tty(): boolean {
    return this.options.tty ?? Boolean(this.out.isTTY);
  }

  start(): void {
    if (this.tty && !this.options.quiet) {
      this.redraw();
      this.timer = setInterval(() => this.redraw(), 200);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty && !this.options.quiet) this.clear();
  }

  readonly onEvent = (event: SweepEvent): void => {
    if (event.type === 'warning') {
      this.above(`warning: ${event.message}`, true);
    } else if (event.type === 'paused') {
      this.above(event.paused ? 'paused: no new trial starts; running trials go on' : 'resumed');
    } else if (event.type === 'trial' && isFinished(event.trial)) {
      this.done++;
      if (!this.tty && !this.options.quiet) this.out.write(`${finishedLine(event.trial, this.source.plan, this.done)}\n`);
    }
  };

  /** Prints a line above the live block (or on its own line without a terminal). */
  private above(line: string, warning = false): void {
    if (warning && this.options.warn) {
      this.clear();
      this.options.warn(line);
      if (this.timer) this.redraw();
      return;
    }
    if (this.options.quiet) return;
    this.clear();
    this.out.write(`${line}\n`);
    if (this.timer) this.redraw();
  }

  private clear(): void {
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }

  /** The block: an overall bar, then one line per running trial. */
  render(): string[] {
    const trials = this.source.trials;
    const total = trials.length;
    const counts = new Map<string, number>();
    for (const t of trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
    const finished = trials.filter(isFinished).length;
    const width = 24;
    const filled = total === 0 ? width : Math.round((width * finished) / total);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
    const tally = ['completed', 'stopped', 'diverged', 'failed', 'cancelled']
      .filter((s) => counts.get(s))
      .map((s) => `${counts.get(s)} ${s}`)
      .join(', ');
    const running = trials.filter((t) => t.status === 'running' || t.status === 'queued');
    const elapsed = ((Date.now() - this.started) / 1000).toFixed(0);
    const head = `sweep ${this.source.id} ${bar} ${finished}/${total} trials${tally ? ` (${tally})` : ''}, ${running.length} running, ${elapsed} s${this.source.isPaused ? '  PAUSED' : ''}`;
    const labels = paramLabels(Object.keys(this.source.plan.spec.parameters));
    const rows = running.map((t) => {
      const p = t.progress;
      const params = Object.entries(t.params).map(([k, v]) => `${labels[k]}=${formatValue(v)}`).join(' ');
      const step = p ? `${p.step}/${p.totalSteps}` : 'starting';
      const cost = p && Number.isFinite(p.cost) ? `cost ${p.cost.toFixed(6)}` : '';
      return [`  trial ${t.index}`, params, step, cost];
    });
    const columns = Math.max(40, this.out.columns || 100);
    const lines = [head, ...(rows.length ? table(rows).split('\n') : [])];
    return lines.map((l) => (l.length > columns - 1 ? `${l.slice(0, columns - 2)}…` : l));
  }

  private redraw(): void {
    const lines = this.render();
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\x1b[0J` : '';
    this.out.write(`${up}${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }
}

function isFinished(t: TrialState): boolean {
  return !['pending', 'queued', 'running'].includes(t.status);
}
