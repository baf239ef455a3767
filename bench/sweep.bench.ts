/**
 * The sweep engine, measured side by side in the same run:
 *
 * 1. Parallel efficiency: 16 equal trials (planar m = 400, [4] tanh, 30,000 iterations,
 *    differing only in init.seed) trained one after another in this process with no store
 *    and no processes, then as a sweep with 1 and with 2 trial processes, each sweep timed
 *    from start to end: process start-up, messages and store writes included. Efficiency =
 *    sequential time ÷ (parallel time × workers), against both baselines: the in-process
 *    loop, and the honest one, the same sweep machinery with 1 process. Target ≥ 0.9 on 2
 *    cores.
 *
 *    Wall time needs the 2 cores to itself, which a shared machine does not give, so the
 *    CPU time of every part is measured as well: the driver (this process,
 *    process.cpuUsage), each trial's training (its process's CPU from /proc between the
 *    trial's 'started' and 'finished' messages) and the trial processes in all (start-up
 *    included). From those follows what the efficiency would be on 2 free cores: the
 *    1-process sweep takes one start-up plus the training (the driver works on the other
 *    core meanwhile), the 2-process sweep all of its CPU spread over 2 cores.
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
import { TSX_PROGRAM, trialProgram } from '../src-main/sweep/trial-bundle';
import type { TrialHostFactory } from '../src-main/sweep/trial-host';
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

// Longer trials (LAYERLAB_BENCH_SWEEP_ITERATIONS) show how much of the loss is fixed cost per process and trial.
const ITERATIONS = Number(process.env.LAYERLAB_BENCH_SWEEP_ITERATIONS ?? 30_000);
const spec = { name: 'bench', base: base(ITERATIONS, 100), parameters: { 'init.seed': Array.from({ length: TRIALS }, (_, i) => i) } };

const nothing: RunRecorder = { startRun() {}, appendMetrics() {}, finishRun() {}, saveWeights() {} };

interface Times {
  /** Wall time, ms. */
  wall: number;
  /** CPU seconds of this process (the driver, or the in-process loop). */
  cpu: number;
  /** CPU seconds of the trial processes, start-up included (0 in process). */
  trialProcesses: number;
  /** CPU seconds of the training itself: each trial's, from its start to its end. */
  training: number;
  /** Messages the driver received from trial processes. */
  messages: number;
}

const none: Times = { wall: Infinity, cpu: NaN, trialProcesses: NaN, training: NaN, messages: 0 };

/** CPU seconds this process has used (all its threads). */
function ownCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The 16 trials one after another in this process: no store, no processes. */
async function sequentialInProcess(configs: RunConfig[]): Promise<Times> {
  const start = performance.now();
  const cpu = ownCpu();
  for (const config of configs) await trainRun({ store: nothing, runId: 'bench', config, files: filesRelativeTo('.') });
  const used = ownCpu() - cpu;
  return { wall: performance.now() - start, cpu: used, trialProcesses: 0, training: used, messages: 0 };
}

/** Trial hosts that also measure each trial's CPU time between its 'started' and 'finished' messages. */
function measuredHosts(counts: { training: number; messages: number }): TrialHostFactory {
  const hosts = forkHosts();
  return (events) => {
    let startedAt = 0;
    const host = hosts({
      message: (value) => {
        counts.messages++;
        const type = (value as { type?: unknown }).type;
        if (type === 'started') startedAt = cpuSeconds(host.pid!);
        else if (type === 'finished') counts.training += cpuSeconds(host.pid!) - startedAt;
        events.message(value);
      },
      exit: (exit) => events.exit(exit),
    });
    return host;
  };
}

/** The sweep, from creating it to its end (pool started and closed inside). */
async function sweep(concurrency: number): Promise<Times> {
  const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-bench-sweep-'));
  const store = RunStore.open(path.join(dir, 'store'));
  try {
    const counts = { training: 0, messages: 0 };
    const start = performance.now();
    const cpu = ownCpu();
    const children = cpuSeconds('self', true);
    const loaded = loadSweepSpec(spec, dir);
    const sweepId = createSweep(store, loaded.stored, loaded.plan);
    const outcome = await new SweepRun({ store, sweepId, hosts: measuredHosts(counts), concurrency }).run();
    const times = {
      wall: performance.now() - start,
      cpu: ownCpu() - cpu,
      // Counted once the processes have ended and been waited for, which run() waits for.
      trialProcesses: cpuSeconds('self', true) - children,
      ...counts,
    };
    if (outcome.trials.some((t) => t.status !== 'completed')) throw new Error(`a bench trial did not complete: ${outcome.trials.map((t) => t.reason).join('; ')}`);
    return times;
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
  const best = { sequential: none, one: none, two: none };
  const keep = (a: Times, b: Times) => (b.wall < a.wall ? b : a);
  const loads: string[] = [load()];
  for (let r = 0; r < REPEATS; r++) {
    best.sequential = keep(best.sequential, await sequentialInProcess(configs));
    best.one = keep(best.one, await sweep(1));
    best.two = keep(best.two, await sweep(WORKERS));
    loads.push(load());
  }
  const { sequential, one, two } = best;
  const total = (t: Times) => t.cpu + t.trialProcesses;
  const row = (label: string, t: Times) =>
    `  ${label.padEnd(44)}${seconds(t.wall).padStart(8)}  ${(total(t) / (t.wall / 1000)).toFixed(2).padStart(5)} cores  ` +
    `CPU: driver ${t.cpu.toFixed(2).padStart(5)} s, trial processes ${t.trialProcesses.toFixed(2).padStart(6)} s ` +
    `(training ${t.training.toFixed(2)} s, the rest ${(t.trialProcesses - t.training).toFixed(2)} s)`;
  console.log(`sweep throughput: ${TRIALS} equal trials (planar m = 400, [4] tanh, ${ITERATIONS.toLocaleString('en-US')} iterations); load average ${loads.join(' → ')} on 2 cores`);
  console.log(`  ${''.padEnd(44)}${'wall'.padStart(8)}  ${'used'.padStart(11)}`);
  console.log(
    `  ${'sequential, in this process (no store):'.padEnd(44)}${seconds(sequential.wall).padStart(8)}  ` +
      `${(sequential.cpu / (sequential.wall / 1000)).toFixed(2).padStart(5)} cores  CPU ${sequential.cpu.toFixed(2)} s`,
  );
  console.log(row('sweep, 1 trial process:', one));
  console.log(row(`sweep, ${WORKERS} trial processes:`, two));
  console.log(`  wall-clock parallel efficiency (needs the cores to itself; this machine's load was ${loads.join(' → ')}):`);
  console.log(`    vs in-process sequential: ${sequential.wall.toFixed(0)} ms ÷ (${two.wall.toFixed(0)} ms × ${WORKERS}) = ${(sequential.wall / (two.wall * WORKERS)).toFixed(3)}   (target ≥ 0.9)`);
  console.log(`    vs the 1-process sweep:   ${one.wall.toFixed(0)} ms ÷ (${two.wall.toFixed(0)} ms × ${WORKERS}) = ${(one.wall / (two.wall * WORKERS)).toFixed(3)}   (target ≥ 0.9)`);
  console.log(
    `  driver CPU: ${(1000 * two.cpu / TRIALS).toFixed(0)} ms a trial, ${(1000 * two.cpu / Math.max(1, two.messages)).toFixed(2)} ms a message ` +
      `(${two.messages} messages); ${((100 * two.cpu) / total(two)).toFixed(1)} % of the 2-process sweep's CPU`,
  );
  const startup = (t: Times, processes: number) => (t.trialProcesses - t.training) / processes;
  console.log(
    `  trial processes: start-up and idle ${startup(one, 1).toFixed(2)} s a process (1-process sweep), ${startup(two, WORKERS).toFixed(2)} s (2-process); ` +
      `training ${(one.training / TRIALS).toFixed(3)} s a trial alone, ${(two.training / TRIALS).toFixed(3)} s two at a time ` +
      `(${((two.training / one.training - 1) * 100).toFixed(1)} %: the two cores slowing each other)`,
  );
  // On 2 free cores: the 1-process sweep's wall time is its process's start-up plus the
  // training (the driver runs beside it on the other core); the 2-process sweep's is all of
  // its CPU (both processes' and the driver's) shared by the 2 cores.
  const oneFree = one.trialProcesses;
  const twoFree = total(two) / WORKERS;
  console.log(
    `  from CPU time, on 2 free cores: vs in-process sequential ${(sequential.cpu / (twoFree * WORKERS)).toFixed(3)}, ` +
      `vs the 1-process sweep ${(oneFree / (twoFree * WORKERS)).toFixed(3)}; ` +
      `without the cores slowing each other (training as alone) ${(oneFree / ((total(two) - two.training + one.training))).toFixed(3)}`,
  );
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

/** What starting one trial process costs: fork to its 'ready' message, wall and CPU time, bundled and through tsx, alternated. */
async function startupCost(): Promise<void> {
  const bundled = trialProgram();
  const programs = { bundled, tsx: TSX_PROGRAM };
  const times: Record<keyof typeof programs, { wall: number; cpu: number }[]> = { bundled: [], tsx: [] };
  for (let i = 0; i < 5; i++) {
    for (const kind of ['bundled', 'tsx'] as const) {
      const start = performance.now();
      times[kind].push(
        await new Promise((resolve) => {
          const host = forkHosts({ entry: programs[kind].entry, execArgv: programs[kind].execArgv })({
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
  }
  const describe = (kind: keyof typeof programs) =>
    `${seconds(median(times[kind].map((t) => t.wall)))}, CPU ${median(times[kind].map((t) => t.cpu)).toFixed(2)} s`;
  console.log(
    `  starting one trial process, to its first message (median of 5): bundled ${describe('bundled')}` +
      `${bundled.execArgv.length ? ' (no bundle here: tsx)' : ''}; through tsx ${describe('tsx')}`,
  );
}

export async function run(): Promise<void> {
  await parallelEfficiency();
  await startupCost();
  await streamingSlowdown();
}
