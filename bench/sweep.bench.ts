/**
 * The sweep engine, measured side by side in the same run:
 *
 * 1. Parallel efficiency: 16 equal trials (planar m = 400, [4] tanh, 30,000 iterations,
 *    differing only in init.seed) trained one after another in this process with no store
 *    and no processes (the baseline), then as a sweep with 1 and with 2 trial processes,
 *    each sweep timed from start to end: process start-up, messages and store writes
 *    included. Efficiency = sequential time ÷ (parallel time × workers); the target is ≥ 0.9
 *    on 2 cores. Other processes on the machine take cores away from the sweep, so the load
 *    average is printed with it, and each measurement's CPU ÷ wall time (the cores it really
 *    had); so is the fixed cost of starting one trial process.
 * 2. The cost of progress streaming to one trial: the same trial in the same process, with
 *    streaming (progress every 10 steps, batched to one message per 50 ms) and without (the
 *    history sent once at the end), alternated; the target is under 5 % slower. Once for a
 *    typical trial (a history entry every 100 steps) and once for a worst case (every step).
 *    Measured as the trial process's CPU time, fastest of each side: wall time, and even CPU
 *    time, grow by tens of percent when other work shares the cores.
 *
 * Environment: LAYERLAB_BENCH_REPEATS (default 1) repeats of part 1 (the best is kept);
 * LAYERLAB_BENCH_PAIRS (default 7) alternated pairs of part 2.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseRunConfig, type RunConfig } from '../src-core/config';
import { filesRelativeTo } from '../src-main/data/files';
import { type RunRecorder, trainRun } from '../src-main/runner/train-run';
import { RunStore } from '../src-main/store';
import { SweepRun, createSweep } from '../src-main/sweep/driver';
import { forkHosts } from '../src-main/sweep/fork-host';
import type { RunRequest } from '../src-main/sweep/messages';
import { TrialPool } from '../src-main/sweep/pool';
import { loadSweepSpec } from '../src-main/sweep/spec-file';

const REPEATS = Number(process.env.LAYERLAB_BENCH_REPEATS ?? 1);
const PAIRS = Number(process.env.LAYERLAB_BENCH_PAIRS ?? 7);
const TRIALS = 16;
const WORKERS = 2;

function base(iterations: number, logEvery: number) {
  return {
    data: { train: { generator: 'planar', m: 400, seed: 1, rng: 'numpy' } },
    model: { hidden: [4], activation: 'tanh', output: 'sigmoid' },
    init: { method: 'normal', scale: 0.01, seed: 0, rng: 'numpy' },
    train: { optimizer: 'gd', learning_rate: 1.2, iterations, log_every: logEvery },
  };
}

const ITERATIONS = 30_000;
const spec = { name: 'bench', base: base(ITERATIONS, 100), parameters: { 'init.seed': Array.from({ length: TRIALS }, (_, i) => i) } };

const nothing: RunRecorder = { startRun() {}, appendMetrics() {}, finishRun() {}, saveWeights() {} };

/** The 16 trials one after another in this process: no store, no processes. */
async function sequentialInProcess(configs: RunConfig[]): Promise<{ wall: number; cpu: number }> {
  const start = performance.now();
  const cpu = cpuSeconds('self');
  for (const config of configs) await trainRun({ store: nothing, runId: 'bench', config, files: filesRelativeTo('.') });
  return { wall: performance.now() - start, cpu: cpuSeconds('self') - cpu };
}

/** The sweep, from creating it to its end (pool started and closed inside): wall and CPU time, trial processes included. */
async function sweep(concurrency: number): Promise<{ wall: number; cpu: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-bench-sweep-'));
  const store = RunStore.open(path.join(dir, 'store'));
  try {
    const start = performance.now();
    const cpu = cpuSeconds('self') + cpuSeconds('self', true);
    const loaded = loadSweepSpec(spec, dir);
    const sweepId = createSweep(store, loaded.stored, loaded.plan);
    const outcome = await new SweepRun({ store, sweepId, hosts: forkHosts(), concurrency }).run();
    const elapsed = { wall: performance.now() - start, cpu: cpuSeconds('self') + cpuSeconds('self', true) - cpu };
    if (outcome.trials.some((t) => t.status !== 'completed')) throw new Error(`a bench trial did not complete: ${outcome.trials.map((t) => t.reason).join('; ')}`);
    return elapsed;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const load = () => loadavg()[0].toFixed(2);

async function parallelEfficiency(): Promise<void> {
  const loaded = loadSweepSpec(spec, process.cwd());
  const configs = loaded.plan.trials.map((t) => t.config);
  type Times = { wall: number; cpu: number };
  const best: { sequential: Times; one: Times; two: Times } = {
    sequential: { wall: Infinity, cpu: Infinity },
    one: { wall: Infinity, cpu: Infinity },
    two: { wall: Infinity, cpu: Infinity },
  };
  const keep = (a: Times, b: Times) => (b.wall < a.wall ? b : a);
  const loads: string[] = [load()];
  for (let r = 0; r < REPEATS; r++) {
    best.sequential = keep(best.sequential, await sequentialInProcess(configs));
    best.one = keep(best.one, await sweep(1));
    best.two = keep(best.two, await sweep(WORKERS));
    loads.push(load());
  }
  const { sequential, one, two } = best;
  // CPU ÷ wall: the cores a measurement actually had (other work on the machine takes the rest).
  const row = (label: string, t: Times) =>
    `  ${label.padEnd(54)}${seconds(t.wall).padStart(8)}   CPU ${t.cpu.toFixed(2)} s, ${(t.cpu / (t.wall / 1000)).toFixed(2)} cores`;
  console.log(`sweep throughput: ${TRIALS} equal trials (planar m = 400, [4] tanh, ${ITERATIONS.toLocaleString('en-US')} iterations); load average ${loads.join(' → ')} on 2 cores`);
  console.log(row('sequential, in this process (no store, no processes):', sequential));
  console.log(row('sweep, 1 trial process:', one));
  console.log(row(`sweep, ${WORKERS} trial processes:`, two));
  console.log(`  parallel efficiency = sequential ÷ (parallel × ${WORKERS}) = ${(sequential.wall / (two.wall * WORKERS)).toFixed(3)}   (target ≥ 0.9)`);
  console.log(`  scaling of the sweep itself = 1 process ÷ (${WORKERS} processes × ${WORKERS}) = ${(one.wall / (two.wall * WORKERS)).toFixed(3)}`);
  console.log(`  CPU the sweep spends beyond the training itself (process start-up, messages, store): ${((two.cpu / sequential.cpu - 1) * 100).toFixed(1)} %`);
}

/** CPU seconds (user + system) process `pid` has used, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | 'self', children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name; utime is field 14, stime 15, cutime 16, cstime 17.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const ticks = children ? f[16 - 3] + f[17 - 3] : f[14 - 3] + f[15 - 3];
    return ticks / 100;
  } catch {
    return NaN;
  }
}

/** One trial on `pool`: wall time from its start message to its end message, and the CPU time of its process. */
function timeTrial(pool: TrialPool, request: RunRequest): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    let started = 0;
    let cpu = NaN;
    let pid = 0;
    pool.start(request, {
      started: () => {
        started = performance.now();
        pid = pool.pids()[0];
        cpu = cpuSeconds(pid);
      },
      progress: () => {},
      weights: () => {},
      finished: (m) => {
        if (m.status !== 'completed') return reject(new Error(m.error));
        resolve({ wall: performance.now() - started, cpu: cpuSeconds(pid) - cpu });
      },
      crashed: (reason) => reject(new Error(reason)),
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function streamingSlowdown(): Promise<void> {
  const pool = new TrialPool({ hosts: forkHosts(), size: 1 });
  try {
    for (const [label, logEvery] of [['a history entry every 100 steps', 100], ['a history entry every step (worst case)', 1]] as const) {
      const parsed = parseRunConfig(base(40_000, logEvery));
      if (!parsed.ok) throw new Error('bad bench config');
      const request = (batchMs: number | null, runId: string): RunRequest => ({ type: 'run', runId, config: parsed.config, batchMs, progressEvery: 10 });
      await timeTrial(pool, request(50, 'warm-up'));
      const withStreaming: { wall: number; cpu: number }[] = [];
      const without: { wall: number; cpu: number }[] = [];
      for (let i = 0; i < PAIRS; i++) {
        // Alternate which goes first, so that drift in the machine's load cancels out.
        if (i % 2 === 0) {
          withStreaming.push(await timeTrial(pool, request(50, `s${i}`)));
          without.push(await timeTrial(pool, request(null, `n${i}`)));
        } else {
          without.push(await timeTrial(pool, request(null, `n${i}`)));
          withStreaming.push(await timeTrial(pool, request(50, `s${i}`)));
        }
      }
      // Interference from other work only ever adds time, so the fastest of each side is the
      // cleanest estimate of its cost; the medians are shown too.
      const best = (xs: { cpu: number }[]) => Math.min(...xs.map((t) => t.cpu));
      const cpu = best(withStreaming) / best(without);
      const cpuMedian = median(withStreaming.map((t) => t.cpu)) / median(without.map((t) => t.cpu));
      const wall = median(withStreaming.map((t) => t.wall)) / median(without.map((t) => t.wall));
      console.log(`progress streaming, one trial (planar m = 400, 40,000 iterations, ${label}), ${PAIRS} alternated pairs:`);
      console.log(
        `  CPU time of the trial process, fastest of each: ${best(without).toFixed(2)} s without streaming, ` +
          `${best(withStreaming).toFixed(2)} s with: slowdown ${((cpu - 1) * 100).toFixed(1)} %   (target < 5 %)`,
      );
      console.log(`  medians: CPU ${((cpuMedian - 1) * 100).toFixed(1)} %, wall ${((wall - 1) * 100).toFixed(1)} % (noisy on a shared machine)`);
    }
  } finally {
    await pool.close();
  }
}

/** What starting one trial process costs: fork to its 'ready' message, wall and CPU time. */
async function startupCost(): Promise<void> {
  const times: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    times.push(
      await new Promise((resolve) => {
        const host = forkHosts()({
          message: () => {
            const wall = performance.now() - start;
            const cpu = cpuSeconds(host.pid!);
            host.send({ type: 'shutdown' });
            resolve({ wall, cpu });
          },
          exit: () => {},
        });
      }),
    );
  }
  console.log(`  starting one trial process (node --import tsx, to its first message): ${seconds(median(times.map((t) => t.wall)))}, CPU ${median(times.map((t) => t.cpu)).toFixed(2)} s (median of 3)`);
}

export async function run(): Promise<void> {
  await parallelEfficiency();
  await startupCost();
  await streamingSlowdown();
}
