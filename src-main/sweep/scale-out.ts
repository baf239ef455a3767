/**
 * Handing a sweep to a cluster's own scheduler instead of running it here
 * (docs/scale-out.md):
 *
 * - `writePlan` (`layerlab sweep SPEC --plan DIR`) writes one run config per trial,
 *   DIR/trial-$INDEX.json, a plan.json that names the sweep, and three ways to run them,
 *   each running `layerlab trial DIR/trial-$INDEX.json --out RESULTS/$INDEX`: a Slurm job
 *   array, a Kubernetes Indexed Job, and plain parallel processes on this machine.
 * - `runTrialToDir` (`layerlab trial`) trains one config without a store and writes
 *   result.json, history.json and model.json into a folder (result.json last, so a folder
 *   with a result.json is complete).
 * - `importResults` (`layerlab import RESULTS`) merges finished trials into the store, into
 *   the sweep with the same spec (made if missing), skipping trials it already has: importing
 *   twice adds nothing.
 */
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { RunConfig } from '../../src-core/config';
import { stableStringify } from '../../src-core/sweep-spec';
import type { ExperimentResult } from '../../src-core/experiment';
import { filesRelativeTo } from '../data/files';
import { type RunOutcome, type RunRecorder, trainRun } from '../runner/train-run';
import { type FinalStatus, type MetricPoint, type RunStore, newId } from '../store';
import { type TrialState, createSweep, isTrialDone, storedConfigKey, storedTrialStates, summaryFinal } from './driver';
import { type LoadedSweep, loadSweepSpec } from './spec-file';

export const PLAN_FORMAT = 'layerlab-sweep-plan';
export const RESULT_FORMAT = 'layerlab-trial-result';

// ---------------------------------------------------------------------------------------------
// The plan

export interface WrittenPlan {
  dir: string;
  results: string;
  trials: number;
  files: string[];
  localScript: string;
}

const PlanSchema = z.object({
  format: z.literal(PLAN_FORMAT),
  version: z.literal(1),
  name: z.string(),
  spec: z.record(z.string(), z.unknown()),
  results: z.string(),
  trials: z.array(z.object({ index: z.number().int().min(0), file: z.string(), params: z.record(z.string(), z.unknown()), repeat: z.number() })),
});
type Plan = z.output<typeof PlanSchema>;

/** Writes a sweep's trials and the scripts that run them into `dir`. */
export async function writePlan(dir: string, loaded: LoadedSweep, options: { concurrency?: number; results?: string } = {}): Promise<WrittenPlan> {
  const root = path.resolve(dir);
  const results = path.resolve(options.results ?? path.join(root, 'results'));
  await mkdir(results, { recursive: true });
  const { plan } = loaded;
  const n = plan.trials.length;
  const name = plan.spec.name ?? (typeof plan.spec.base.name === 'string' ? plan.spec.base.name : 'sweep');
  const parallel = options.concurrency ?? plan.spec.concurrency ?? Math.min(n, 100);
  for (const t of plan.trials) {
    await writeFile(path.join(root, `trial-${t.index}.json`), `${JSON.stringify(t.config, null, 2)}\n`);
  }
  const manifest: Plan = {
    format: PLAN_FORMAT,
    version: 1,
    name,
    spec: loaded.stored,
    results,
    trials: plan.trials.map((t) => ({ index: t.index, file: `trial-${t.index}.json`, params: t.params, repeat: t.repeat })),
  };
  await writeFile(path.join(root, 'plan.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const trialCommand = (index: string) => `"$LAYERLAB" trial ${sh(path.join(root, 'trial-'))}${index}.json --out ${sh(results + path.sep)}${index}`;

  const slurm = [
    '#!/bin/bash',
    `# Layerlab sweep ${JSON.stringify(name)}: ${n} trials as a Slurm job array.`,
    `# Submit: sbatch ${sh(path.join(root, 'slurm.sh'))}`,
    `# Then merge the results into a store: layerlab import ${sh(results)}`,
    '#SBATCH --job-name=layerlab-sweep',
    `#SBATCH --array=0-${n - 1}%${parallel}`,
    '#SBATCH --cpus-per-task=1',
    '#SBATCH --ntasks=1',
    `#SBATCH --output=${results}/slurm-%A_%a.out`,
    'set -euo pipefail',
    'LAYERLAB="${LAYERLAB:-layerlab}"',
    // The exit code says how the trial ended (1 failed, 3 diverged); the result is recorded either way.
    `${trialCommand('"${SLURM_ARRAY_TASK_ID}"')}`.replace('"$LAYERLAB"', '$LAYERLAB'),
    '',
  ].join('\n');

  const jobName = `layerlab-sweep-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'trials'}`;
  const k8s = [
    `# Layerlab sweep ${JSON.stringify(name)}: ${n} trials as a Kubernetes Indexed Job.`,
    '# Apply: kubectl apply -f k8s-job.yaml; then merge the results: layerlab import RESULTS',
    '# The image needs layerlab on its PATH. The plan folder (with its results) must be mounted',
    '# at the same path as here: below from the PersistentVolumeClaim "layerlab-sweeps"; change to suit.',
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    `  name: ${jobName}`,
    'spec:',
    '  completionMode: Indexed',
    `  completions: ${n}`,
    `  parallelism: ${parallel}`,
    `  backoffLimit: ${n}`,
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    '      containers:',
    '        - name: trial',
    '          image: layerlab:latest',
    `          command: ${JSON.stringify(['sh', '-c', `layerlab trial ${sh(path.join(root, 'trial-'))}"$JOB_COMPLETION_INDEX".json --out ${sh(results + path.sep)}"$JOB_COMPLETION_INDEX"`])}`,
    '          resources:',
    '            requests: { cpu: "1", memory: "1Gi" }',
    '          volumeMounts:',
    `            - { name: sweeps, mountPath: ${JSON.stringify(root)} }`,
    '      volumes:',
    '        - name: sweeps',
    '          persistentVolumeClaim: { claimName: layerlab-sweeps }',
    '',
  ].join('\n');

  const local = [
    '#!/bin/bash',
    `# Runs the ${n} planned trials with plain parallel processes, as an array job would.`,
    '#   JOBS=4 bash run-local.sh        (default: the number of cores)',
    '#   LAYERLAB="npx layerlab" bash run-local.sh   (how to call layerlab; default: layerlab)',
    'set -uo pipefail',
    'export LAYERLAB="${LAYERLAB:-layerlab}"',
    'JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"',
    'status=0',
    // xargs runs sh -c '<command>' per index; the paths are double-quoted inside it.
    `seq 0 ${n - 1} | xargs -P "$JOBS" -I{} sh -c ${singleQuoted(`$LAYERLAB trial ${sh(path.join(root, 'trial-'))}{}.json --out ${sh(results + path.sep)}{} --quiet`)} || status=$?`,
    `echo "trials done; merge them into a store with: layerlab import ${sh(results)}"`,
    'exit $status',
    '',
  ].join('\n');

  await writeFile(path.join(root, 'slurm.sh'), slurm, { mode: 0o755 });
  await writeFile(path.join(root, 'k8s-job.yaml'), k8s);
  await writeFile(path.join(root, 'run-local.sh'), local, { mode: 0o755 });
  return { dir: root, results, trials: n, files: ['plan.json', 'slurm.sh', 'k8s-job.yaml', 'run-local.sh'], localScript: path.join(root, 'run-local.sh') };
}

/** Text in double quotes for sh, with $, `, " and \\ escaped. */
function sh(text: string): string {
  return `"${text.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** Text in single quotes for sh (a ' inside becomes '\\''). */
function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** The plan a trial config belongs to: plan.json in its folder, if it lists the file. */
async function findPlan(configFile: string): Promise<{ spec: Record<string, unknown>; index: number } | null> {
  const dir = path.dirname(path.resolve(configFile));
  let text: string;
  try {
    text = await readFile(path.join(dir, 'plan.json'), 'utf8');
  } catch {
    return null;
  }
  const parsed = PlanSchema.safeParse(JSON.parse(text));
  if (!parsed.success) return null;
  const entry = parsed.data.trials.find((t) => t.file === path.basename(configFile));
  return entry ? { spec: parsed.data.spec, index: entry.index } : null;
}

// ---------------------------------------------------------------------------------------------
// One trial into a folder

const ResultSchema = z.object({
  format: z.literal(RESULT_FORMAT),
  version: z.literal(1),
  id: z.string(),
  name: z.string(),
  config: z.record(z.string(), z.unknown()),
  status: z.enum(['completed', 'stopped', 'diverged', 'cancelled', 'failed']),
  error: z.string().nullable(),
  summary: z.string().nullable(),
  started_at: z.number(),
  finished_at: z.number(),
  history: z.string(),
  weights: z.object({ file: z.string(), format: z.string() }).nullable(),
  sweep: z.object({ spec: z.record(z.string(), z.unknown()), index: z.number().int().min(0) }).nullable(),
});
export type TrialResult = z.output<typeof ResultSchema>;

/** Records a run into memory, for writing into a folder at the end. */
class MemoryRecorder implements RunRecorder {
  points: MetricPoint[] = [];
  weights: { bytes: Uint8Array; format: string } | null = null;
  end: { status: FinalStatus; error?: string; summary?: string } | null = null;
  startedAt = Date.now();
  startRun(): void {
    this.startedAt = Date.now();
  }
  appendMetrics(_id: string, points: readonly MetricPoint[]): void {
    this.points.push(...points);
  }
  saveWeights(_id: string, bytes: Uint8Array, format: string): void {
    this.weights = { bytes, format };
  }
  finishRun(_id: string, status: FinalStatus, details: { error?: string; summary?: string } = {}): void {
    this.end = { status, ...details };
  }
}

/**
 * Trains `config` (paths absolute) and writes the outcome into `outDir`; result.json goes
 * last, written whole under another name and renamed, so its presence means complete.
 */
export async function runTrialToDir(
  configFile: string,
  config: RunConfig,
  outDir: string,
  options: { signal?: AbortSignal; onEntry?: Parameters<typeof trainRun>[0]['onEntry'] } = {},
): Promise<{ outcome: RunOutcome; result: TrialResult }> {
  const sweep = await findPlan(configFile);
  await mkdir(outDir, { recursive: true });
  const recorder = new MemoryRecorder();
  const id = newId();
  const outcome = await trainRun({
    store: recorder,
    runId: id,
    config,
    files: filesRelativeTo(path.dirname(path.resolve(configFile)), { regression: config.model.output === 'linear' }),
    signal: options.signal,
    onEntry: options.onEntry,
  });
  const end = recorder.end ?? { status: outcome.status, error: outcome.reason };
  await writeFile(path.join(outDir, 'history.json'), `${JSON.stringify(recorder.points.map((p) => [p.key, p.step, numberOrText(p.value)]))}\n`);
  if (recorder.weights) await writeFile(path.join(outDir, 'model.json'), recorder.weights.bytes);
  const result: TrialResult = {
    format: RESULT_FORMAT,
    version: 1,
    id,
    name: outcome.name,
    config: config as unknown as Record<string, unknown>,
    status: end.status as TrialResult['status'],
    error: end.error ?? null,
    summary: end.summary ?? null,
    started_at: recorder.startedAt,
    finished_at: Date.now(),
    history: 'history.json',
    weights: recorder.weights ? { file: 'model.json', format: recorder.weights.format } : null,
    sweep,
  };
  const file = path.join(outDir, 'result.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return { outcome, result };
}

/** JSON has no NaN or Infinity: they are written as strings. */
function numberOrText(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function textToNumber(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}

// ---------------------------------------------------------------------------------------------
// Import

export interface ImportReport {
  sweeps: { id: string; name: string; created: boolean; imported: number; skipped: number; missing: number[]; status: string }[];
  /** Results that could not be used, with why. */
  problems: string[];
}

/** Every result.json under `root` (the root itself, its children, their children). */
async function findResults(root: string, depth = 3): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, left: number) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.isFile() && e.name === 'result.json')) found.push(path.join(dir, 'result.json'));
    if (left === 0) return;
    for (const e of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
      await walk(path.join(dir, e.name), left - 1);
    }
  };
  await walk(root, depth);
  return found;
}

/** Merges the trial results under `root` into the store. */
export async function importResults(store: RunStore, root: string): Promise<ImportReport> {
  const report: ImportReport = { sweeps: [], problems: [] };
  if (!(await stat(root).catch(() => null))?.isDirectory()) throw new Error(`no such folder: ${root}`);
  const groups = new Map<string, { spec: Record<string, unknown>; results: { file: string; result: TrialResult }[] }>();
  for (const file of await findResults(path.resolve(root))) {
    let result: TrialResult;
    try {
      const parsed = ResultSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (!parsed.success) throw new Error(`not a Layerlab trial result: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
      result = parsed.data;
    } catch (error) {
      report.problems.push(`${file}: ${(error as Error).message}`);
      continue;
    }
    if (!result.sweep) {
      report.problems.push(`${file}: not from a sweep plan (its config had no plan.json beside it); skipped`);
      continue;
    }
    const key = stableStringify(result.sweep.spec);
    if (!groups.has(key)) groups.set(key, { spec: result.sweep.spec, results: [] });
    groups.get(key)!.results.push({ file, result });
  }
  for (const group of groups.values()) {
    report.sweeps.push(await importSweep(store, group.spec, group.results, report.problems));
  }
  return report;
}

async function importSweep(
  store: RunStore,
  spec: Record<string, unknown>,
  results: { file: string; result: TrialResult }[],
  problems: string[],
): Promise<ImportReport['sweeps'][number]> {
  const baseDir = typeof spec.base_dir === 'string' ? spec.base_dir : process.cwd();
  const loaded = loadSweepSpec(spec, baseDir, 'the plan\'s sweep spec');
  const specKey = stableStringify(spec);
  let sweepId = store.listSweeps().find((s) => {
    try {
      return stableStringify(JSON.parse(s.spec)) === specKey;
    } catch {
      return false;
    }
  })?.id;
  const created = sweepId === undefined;
  sweepId ??= createSweep(store, loaded.stored, loaded.plan);

  // What the store already has: the driver's view of the sweep's trials.
  const trials = storedTrialStates(store, sweepId, loaded.plan);
  const byKey = new Map<string, TrialState>(trials.map((t) => [t.key, t]));
  let imported = 0;
  let skipped = 0;
  const info = store.getSweep(sweepId);
  if (info.status === 'queued') store.setSweepStatus(sweepId, 'running');
  else if (info.status !== 'running' && info.status !== 'completed') store.reopenSweep(sweepId);
  for (const { file, result } of results) {
    const trial = byKey.get(storedConfigKey(result.config));
    if (!trial) {
      problems.push(`${file}: its config is none of the sweep's trials; skipped`);
      continue;
    }
    if (isTrialDone(trial.status)) {
      skipped++;
      continue;
    }
    try {
      await importRun(store, sweepId, path.dirname(file), result);
      trial.status = result.status;
      trial.final = summaryFinal(result.summary);
      imported++;
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  const missing = trials.filter((t) => !isTrialDone(t.status)).map((t) => t.index);
  let status = store.getSweep(sweepId).status as string;
  if (status === 'running') {
    if (missing.length === 0) store.setSweepStatus(sweepId, 'completed');
    else {
      store.setSweepStatus(sweepId, 'interrupted', {
        error: `${trials.length - missing.length} of ${trials.length} trials have results; import the rest, or run them with layerlab sweep --resume ${sweepId}`,
      });
    }
    status = store.getSweep(sweepId).status;
  }
  return { id: sweepId, name: info.name, created, imported, skipped, missing, status };
}

async function importRun(store: RunStore, sweepId: string, dir: string, result: TrialResult): Promise<void> {
  const history = JSON.parse(await readFile(path.join(dir, result.history), 'utf8')) as [string, number, number | string][];
  const weights = result.weights ? new Uint8Array(await readFile(path.join(dir, result.weights.file))) : null;
  const runId = store.createRun({ name: result.name, config: JSON.stringify(result.config), sweepId });
  store.startRun(runId);
  const points = history.map(([key, step, value]) => ({ key, step, value: textToNumber(value) }));
  for (let i = 0; i < points.length; i += 5000) store.appendMetrics(runId, points.slice(i, i + 5000));
  if (weights) store.saveWeights(runId, weights, result.weights!.format);
  const summary = withImportNote(result);
  store.finishRun(runId, result.status, { error: result.error ?? undefined, summary });
}

/** The trial's summary, plus where and when it really ran. */
function withImportNote(result: TrialResult): string {
  let summary: Record<string, unknown> = {};
  try {
    summary = result.summary ? (JSON.parse(result.summary) as Record<string, unknown>) : {};
  } catch {
    // Keep the import note at least.
  }
  return JSON.stringify({
    ...summary,
    imported: { result_id: result.id, started_at: result.started_at, finished_at: result.finished_at },
  });
}

export type { ExperimentResult };
