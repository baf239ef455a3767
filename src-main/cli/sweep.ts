/**
 * `layerlab sweep SPEC.json [--store DIR] [--concurrency N] [--memory MB] [--json OUT] [--dry-run] [--plan DIR] [--quiet]`
 * `layerlab sweep --resume ID [--store DIR] [--concurrency N] [--memory MB] [--json OUT] [--quiet]`
 *
 * Runs a sweep (docs/sweep.md): every trial of the spec on a pool of trial processes,
 * recorded in the store, with live progress and a ranked table at the end. --dry-run only
 * prints the trials; --plan writes them out for a cluster's array job (docs/scale-out.md).
 * Ctrl-C interrupts the sweep (running trials are recorded as interrupted) and --resume
 * runs what is left. Exit codes: 0 the sweep completed (whatever its trials' statuses),
 * 1 it failed (max_failures, a store error), 2 bad usage or spec, 130 interrupted.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type RunStore, RunStore as Store, resolveStoreDir } from '../store';
import { type SweepOutcome, SweepRun, createSweep, metricValue, rankTrials } from '../sweep/driver';
import { ProgressDisplay, planSummary, rankedTable, trialTable } from '../sweep/display';
import { forkHosts } from '../sweep/fork-host';
import { writePlan } from '../sweep/scale-out';
import { SweepSpecError, readSweepFile } from '../sweep/spec-file';
import { CliError, type Command } from './command';

const USAGE = [
  'usage: layerlab sweep SPEC.json [--store DIR] [--concurrency N] [--memory MB] [--json OUT] [--dry-run] [--plan DIR] [--quiet]',
  '       layerlab sweep --resume ID [--store DIR] [--concurrency N] [--memory MB] [--json OUT] [--quiet]',
].join('\n');

export const EXIT_CODES: Record<SweepOutcome['status'], number> = {
  queued: 1,
  running: 1,
  completed: 0,
  stopped: 0,
  failed: 1,
  cancelled: 130,
  interrupted: 130,
};

export const command: Command = {
  summary: 'run a hyperparameter sweep (or --resume one, --dry-run it, --plan it for a cluster)',
  async run(args) {
    const { values, positionals } = parseCli(args);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const concurrency = values.concurrency === undefined ? undefined : positiveInt(values.concurrency, '--concurrency');
    const memory = values.memory === undefined ? undefined : positiveInt(values.memory, '--memory');
    if (values.resume !== undefined) {
      if (positionals.length > 0 || values['dry-run'] || values.plan) throw new CliError(`--resume takes a sweep id, not a spec\n${USAGE}`, 2);
      const store = openStore(values.store);
      try {
        return await runSweep(store, findSweep(store, values.resume), { concurrency, memory, json: values.json, quiet: values.quiet, resumed: true });
      } finally {
        store.close();
      }
    }
    if (positionals.length !== 1) throw new CliError(USAGE, 2);
    const loaded = await readSweepFile(positionals[0]).catch((error) => {
      throw error instanceof SweepSpecError ? new CliError(error.message, 2) : error;
    });
    if (values['dry-run']) {
      console.log(planSummary(loaded.plan));
      console.log(trialTable(loaded.plan));
      return 0;
    }
    if (values.plan) {
      const written = await writePlan(values.plan, loaded, { concurrency });
      console.log(`${planSummary(loaded.plan)}\nwrote ${written.trials} trial configs, ${written.files.join(', ')} into ${written.dir}`);
      console.log(`run them with the array job, or locally: bash ${written.localScript}\nthen: layerlab import ${written.results}`);
      return 0;
    }
    const store = openStore(values.store);
    try {
      const id = createSweep(store, loaded.stored, loaded.plan);
      return await runSweep(store, id, { concurrency, memory, json: values.json, quiet: values.quiet, resumed: false });
    } finally {
      store.close();
    }
  },
};

function openStore(flag: string | undefined): RunStore {
  return Store.open(resolveStoreDir({ flag }));
}

/** A sweep id, or a unique prefix of one. */
function findSweep(store: RunStore, ref: string): string {
  const ids = store.listSweeps().map((s) => s.id);
  if (ids.includes(ref)) return ref;
  const matches = ids.filter((id) => id.startsWith(ref));
  if (matches.length === 1 && ref.length >= 4) return matches[0];
  if (matches.length > 1) throw new CliError(`'${ref}' matches several sweeps (${matches.slice(0, 5).join(', ')})`, 2);
  throw new CliError(`there is no sweep '${ref}' in ${store.dir}`, 2);
}

async function runSweep(
  store: RunStore,
  sweepId: string,
  options: { concurrency?: number; memory?: number; json?: string; quiet?: boolean; resumed: boolean },
): Promise<number> {
  let display: ProgressDisplay | null = null;
  const run = new SweepRun({
    store,
    sweepId,
    hosts: forkHosts({ memoryLimitMb: options.memory }),
    concurrency: options.concurrency,
    onEvent: (event) => display?.onEvent(event),
  });
  display = new ProgressDisplay(run, process.stdout, { quiet: options.quiet, warn: (m) => console.error(m) });
  const done = run.trials.length - run.remaining;
  console.log(`${options.resumed ? 'resuming' : 'running'} sweep ${run.id} (${run.name}): ${planSummary(run.plan)}`);
  if (options.resumed) console.log(`${done} trial${done === 1 ? '' : 's'} already done, ${run.remaining} to run`);
  console.log(`${run.concurrency} at a time; Ctrl-C stops it, and 'layerlab sweep --resume ${run.id}' goes on later`);

  const onSigint = () => {
    if (run.isStopping) process.exit(130);
    console.error('\ninterrupting: running trials are recorded as interrupted (Ctrl-C again to quit at once)…');
    run.interrupt('the sweep was interrupted (Ctrl-C); layerlab sweep --resume runs it again');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  display.start();
  let outcome: SweepOutcome;
  try {
    outcome = await run.run();
  } finally {
    display.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  console.log(rankedTable(outcome, run.plan));
  const status = `sweep ${outcome.id}: ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`;
  (outcome.status === 'completed' ? console.log : console.error)(status);
  if (outcome.status === 'interrupted' || outcome.status === 'failed') console.error(`resume it with: layerlab sweep --resume ${outcome.id}`);
  console.log(`stored in ${store.dir}`);
  if (options.json) await writeFile(options.json, `${JSON.stringify(sweepJson(outcome), null, 2)}\n`);
  return EXIT_CODES[outcome.status];
}

/** What --json writes: the sweep and each trial, in trial order, with its rank. */
export function sweepJson(outcome: SweepOutcome) {
  const ranks = new Map<number, number>();
  for (const t of rankTrials(outcome.trials, outcome.metric)) {
    if (metricValue(t, outcome.metric.name) !== null) ranks.set(t.index, ranks.size + 1);
  }
  return {
    id: outcome.id,
    name: outcome.name,
    status: outcome.status,
    error: outcome.error,
    metric: outcome.metric,
    trials: outcome.trials.map((t) => ({
      id: t.runId,
      index: t.index,
      name: t.config.name ?? null,
      params: t.params,
      repeat: t.repeat,
      status: t.status,
      rank: ranks.get(t.index) ?? null,
      final: t.final,
      reason: t.reason,
      earlier_runs: t.earlierRuns,
    })),
  };
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a whole number ≥ 1; got '${text}'`, 2);
  return n;
}

function parseCli(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        store: { type: 'string' },
        concurrency: { type: 'string' },
        memory: { type: 'string' },
        json: { type: 'string' },
        'dry-run': { type: 'boolean' },
        plan: { type: 'string' },
        resume: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
}
