/**
 * The sweep engine, measured side by side in the same run:
 *
 * 1. Parallel efficiency, for two trial lengths: 16 equal trials (planar m = 400, [4] tanh,
 *    30,000 iterations, and a longer run of 90,000; differing only in init.seed) trained
 *    one after another in this process with no store and no processes, then as a sweep
 *    with 1 and with 2 trial processes, each sweep timed from start to end: process
 *    start-up, messages and store writes included. The 2-process sweep runs twice: cold,
 *    as `layerlab sweep` does (a pool of its own, started with the sweep and closed with
 *    it), and warm, as the app and `layerlab ui` do (a shared pool whose processes stay
 *    between sweeps; warmed by a short sweep first, which is not timed). Efficiency =
 *    sequential time ÷ (parallel time × workers), against both baselines: the in-process
 *    loop, and the same sweep machinery with 1 process. Target ≥ 0.9 on 2 cores.
 *
 *    Wall time needs the 2 cores to itself, which a shared machine does not give, so the
 *    CPU time of every part is measured as well: the driver (this process,
 *    process.cpuUsage), each trial's training (its process's CPU from /proc between the
 *    trial's 'started' and 'finished' messages, split into the main thread's and the other
 *    threads': V8 compiles optimized code and collects garbage on threads of its own, which
 *    run on the other core when a trial has the machine to itself) and the trial processes
 *    in all (start-up included). From those follows what the efficiency would be on 2 free
 *    cores: the sequential loop takes its main thread's CPU (its other threads run beside
 *    it), a 2-process sweep all of its CPU spread over the 2 cores. What a cold process
 *    costs besides its trials is shown apart: its CPU to its first message, and its first
 *    trial's CPU (main thread, and V8's compiler and GC threads) beside its later trials'.
 * 2. What starting one trial process costs, to its first message: bundled, through tsx,
 *    and a bare node process that only sends that message.
 * 3. The cost of progress streaming to one trial: the same trial in the same process, with
 *    streaming (progress batched to one message per DEFAULT_BATCH_MS, 100 ms, as sweeps
 *    run) and without (the history sent once at the end), alternated; the target is under
 *    5 % slower. For a typical trial (a history entry every 100 steps) with progress as
 *    often as the driver asks for it (about every 5 ms of training), the same with progress
 *    every 10 steps (what the driver asked before), and a worst case (a history entry every
 *    step).
 *    Measured as the trial process's CPU time (its threads' run time from /proc schedstat, to
 *    the nanosecond), fastest of each side: wall time, and even CPU time, grow by tens of
 *    percent when other work shares the cores.
 *
 * The in-process loop and the trial processes use the same kernels: when this process has
 * WebAssembly relaxed SIMD (`npm run bench` runs core.bench.ts first, which turns it on),
 * the trial processes get the flag too.
 *
 * Environment: LAYERLAB_BENCH_SWEEP_ITERATIONS (default 30000) and
 * LAYERLAB_BENCH_SWEEP_LONG_ITERATIONS (default 90000; 0 leaves the longer trials out), the
 * trial lengths; LAYERLAB_BENCH_REPEATS (default 3) alternated rounds of part 1 (the fastest of each case is kept);
 * LAYERLAB_BENCH_PAIRS (default 7) alternated pairs of part 3.
 *
 * LAYERLAB_BENCH_SWEEP_TIMELINE=1 prints, instead of all that, the timeline of one cold
 * sweep with 1 and with 2 trial processes (16 trials of LAYERLAB_BENCH_SWEEP_ITERATIONS),
 * after the same trials in process, and accounts for the time each takes beyond the in-process
 * loop's (÷ 2 for 2 processes): see sweepTimeline().
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { performance as perfHooks } from 'node:perf_hooks';
import path from 'node:path';
import { parseRunConfig, type RunConfig } from '../src-core/config';
import { activeKernels } from '../src-core/wasm/engine';
import { filesRelativeTo } from '../src-main/data/files';
import { type RunRecorder, trainRun } from '../src-main/runner/train-run';
import { RunStore } from '../src-main/store';
import { DEFAULT_HISTORY_FLUSH_MS, SweepRun, createSweep, progressEveryAt } from '../src-main/sweep/driver';
import { forkHosts } from '../src-main/sweep/fork-host';
import type { RunRequest } from '../src-main/sweep/messages';
import { TSX_PROGRAM, trialProgram } from '../src-main/sweep/trial-bundle';
import { DEFAULT_BATCH_MS } from '../src-main/sweep/trial-recorder';
import type { TrialHostFactory } from '../src-main/sweep/trial-host';
import { TrialPool } from '../src-main/sweep/pool';
import { loadSweepSpec } from '../src-main/sweep/spec-file';

// Each trial length's four cases run this many rounds, alternated, and the fastest of each is kept.
const REPEATS = Number(process.env.LAYERLAB_BENCH_REPEATS ?? 3);
const PAIRS = Number(process.env.LAYERLAB_BENCH_PAIRS ?? 7);
const TRIALS = 16;
const WORKERS = 2;
const LENGTHS = [Number(process.env.LAYERLAB_BENCH_SWEEP_ITERATIONS ?? 30_000), Number(process.env.LAYERLAB_BENCH_SWEEP_LONG_ITERATIONS ?? 90_000)].filter(
  (n) => n > 0,
);

function base(iterations: number, logEvery: number) {
  return {
    data: { train: { generator: 'planar', m: 400, seed: 1, rng: 'numpy' } },
    model: { hidden: [4], activation: 'tanh', output: 'sigmoid' },
    init: { method: 'normal', scale: 0.01, seed: 0, rng: 'numpy' },
    train: { optimizer: 'gd', learning_rate: 1.2, iterations, log_every: logEvery },
  };
}

const specOf = (iterations: number, trials = TRIALS) => ({
  name: 'bench',
  base: base(iterations, 100),
  parameters: { 'init.seed': Array.from({ length: trials }, (_, i) => i) },
});

/** Flags that give the trial processes the kernels this process uses. */
function kernelFlags(): string[] {
  return activeKernels() === 'relaxed' ? ['--experimental-wasm-relaxed-simd'] : [];
}

const nothing: RunRecorder = { startRun() {}, appendMetrics() {}, finishRun() {}, saveWeights() {} };

interface Times {
  /** Wall time, ms. */
  wall: number;
  /** CPU seconds of this process (the driver, or the in-process loop). */
  cpu: number;
  /** CPU seconds of this process's main thread (the in-process loop's critical path). */
  cpuMain: number;
  /** CPU seconds of the trial processes, start-up included (0 in process). */
  trialProcesses: number;
  /** CPU seconds of the training itself: each trial's, from its start to its end. */
  training: number;
  /** The part of `training` on the trial processes' main threads. */
  trainingMain: number;
  /** Messages the driver received from trial processes. */
  messages: number;
  /** Trial processes started for this sweep. */
  started: number;
  /** When the first trial started (its 'started' message; performance.now()), or NaN. */
  firstStartedAt: number;
  /** From the sweep's start to its first trial's 'started' message, ms. */
  toFirstTrial: number;
  /** CPU seconds of the processes started for this sweep, from fork to their first message (all threads). */
  readyCpu: number;
  /** Training CPU seconds of each process's first trial ever (cold processes only), and how many. */
  firstTraining: number;
  firstTrainingMain: number;
  firstTrials: number;
}

const none: Times = { ...noCounts(), wall: Infinity, cpu: NaN, cpuMain: NaN, trialProcesses: NaN, training: NaN, trainingMain: NaN, toFirstTrial: NaN };

/** CPU seconds this process has used (all its threads). */
function ownCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The 16 trials one after another in this process: no store, no processes. */
async function sequentialInProcess(configs: RunConfig[]): Promise<Times> {
  const start = performance.now();
  const cpu = ownCpu();
  const main = threadCpu(process.pid);
  for (const config of configs) await trainRun({ store: nothing, runId: 'bench', config, files: filesRelativeTo('.') });
  const used = ownCpu() - cpu;
  const usedMain = threadCpu(process.pid) - main;
  return { ...noCounts(), wall: performance.now() - start, cpu: used, cpuMain: usedMain, trialProcesses: 0, training: used, trainingMain: usedMain, toFirstTrial: NaN };
}

type Counts = Pick<Times, 'training' | 'trainingMain' | 'messages' | 'started' | 'firstStartedAt' | 'readyCpu' | 'firstTraining' | 'firstTrainingMain' | 'firstTrials'>;
function noCounts(): Counts {
  return { training: 0, trainingMain: 0, messages: 0, started: 0, firstStartedAt: NaN, readyCpu: 0, firstTraining: 0, firstTrainingMain: 0, firstTrials: 0 };
}

/**
 * Trial hosts that also measure each trial's CPU time between its 'started' and 'finished'
 * messages, into `meter.counts` (which a warm pool's next sweep replaces).
 */
function measuredHosts(meter: { counts: Counts }): TrialHostFactory {
  const hosts = forkHosts({ nodeFlags: kernelFlags() });
  return (events) => {
    let startedAt = { all: 0, main: 0 };
    let trialsDone = 0;
    meter.counts.started++;
    const host = hosts({
      message: (value) => {
        const counts = meter.counts;
        counts.messages++;
        const type = (value as { type?: unknown }).type;
        const pid = host.pid!;
        if (type === 'ready') counts.readyCpu += runSeconds(pid);
        else if (type === 'started') {
          startedAt = { all: cpuSeconds(pid), main: threadCpu(pid) };
          if (Number.isNaN(counts.firstStartedAt)) counts.firstStartedAt = performance.now();
        }
        else if (type === 'finished') {
          const all = cpuSeconds(pid) - startedAt.all;
          const main = threadCpu(pid) - startedAt.main;
          counts.training += all;
          counts.trainingMain += main;
          if (trialsDone++ === 0) {
            counts.firstTraining += all;
            counts.firstTrainingMain += main;
            counts.firstTrials++;
          }
        }
        events.message(value);
      },
      exit: (exit) => events.exit(exit),
    });
    return host;
  };
}

/**
 * The sweep, from creating it to its end. Without `warm`, on a pool of its own, started and
 * closed inside (as `layerlab sweep`); with it, on that pool, whose processes stay.
 */
async function sweep(iterations: number, concurrency: number, warm?: { pool: TrialPool; meter: { counts: Counts } }): Promise<Times> {
  const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-bench-sweep-'));
  const store = RunStore.open(path.join(dir, 'store'));
  try {
    const meter = warm?.meter ?? { counts: noCounts() };
    meter.counts = noCounts();
    const before = new Map((warm?.pool.pids() ?? []).map((pid) => [pid, cpuSeconds(pid)]));
    const start = performance.now();
    const cpu = ownCpu();
    const children = cpuSeconds('self', true);
    const loaded = loadSweepSpec(specOf(iterations), dir);
    const sweepId = createSweep(store, loaded.stored, loaded.plan);
    const run = warm ? new SweepRun({ store, sweepId, pool: warm.pool, concurrency }) : new SweepRun({ store, sweepId, hosts: measuredHosts(meter), concurrency });
    const outcome = await run.run();
    const wall = performance.now() - start;
    const driver = ownCpu() - cpu;
    // Cold: counted once the processes have ended and been waited for, which run() waits
    // for. Warm: the pool's processes, which are still there.
    let trialProcesses = cpuSeconds('self', true) - children;
    if (warm) {
      trialProcesses = 0;
      for (const pid of warm.pool.pids()) trialProcesses += cpuSeconds(pid) - (before.get(pid) ?? 0);
    }
    if (outcome.trials.some((t) => t.status !== 'completed')) throw new Error(`a bench trial did not complete: ${outcome.trials.map((t) => t.reason).join('; ')}`);
    return { wall, cpu: driver, cpuMain: NaN, trialProcesses, ...meter.counts, toFirstTrial: meter.counts.firstStartedAt - start };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const load = () => loadavg()[0].toFixed(2);
const ratio = (x: number) => x.toFixed(3);

// The same scalar loop of multiply-adds, about a second of one core's time.
const CORE_LOOP =
  '(()=>{const t=process.hrtime.bigint();let x=0;const a=new Float64Array(4096).fill(1.0001);' +
  'for(let r=0;r<300000;r++)for(let i=0;i<4096;i++)x+=a[i]*a[(i*7)&4095];' +
  'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6)+(x>0?"":" "))})()';

/**
 * How fast each core is now: the loop pinned to each (taskset, Linux), best of 2. A
 * virtual machine's cores need not be equal (on ours, one ran the loop up to 1.5 times
 * slower than the other at times: the host's other work), and the slower core caps what
 * 2 processes can do against one on the faster core. Null where taskset is missing.
 */
function coreSpeeds(): number[] | null {
  try {
    return [0, 1].map((cpu) =>
      Math.min(...[0, 1].map(() => Number(execFileSync('taskset', ['-c', String(cpu), process.execPath, '-e', CORE_LOOP], { encoding: 'utf8' })))),
    );
  } catch {
    return null;
  }
}

function printCoreSpeeds(when: string): void {
  const ms = coreSpeeds();
  if (!ms) return console.log(`  core speeds ${when}: not measured (no taskset)`);
  const fastest = Math.min(...ms);
  // Work done by both cores in the time the fastest takes alone, over twice the fastest's.
  const ceiling = (fastest * ms.reduce((sum, t) => sum + 1 / t, 0)) / ms.length;
  console.log(
    `  core speeds ${when}: the same loop pinned to each core ${ms.map((t, i) => `cpu${i} ${t.toFixed(0)} ms`).join(', ')}; ` +
      `unequal cores cap the efficiency of 2 processes against one on the faster at ${ratio(ceiling)}`,
  );
}

async function parallelEfficiency(): Promise<void> {
  const flags = kernelFlags();
  console.log(
    `kernels: ${activeKernels()} in this process and in the trial processes${flags.length ? ` (given ${flags.join(' ')})` : ''}; ` +
      `cold: a pool per sweep, as layerlab sweep; warm: a pool kept between sweeps, as the app and layerlab ui`,
  );
  // The warm pool: started and warmed once by a short sweep, then used by every warm sweep.
  const meter = { counts: noCounts() };
  const pool = new TrialPool({ hosts: measuredHosts(meter), size: WORKERS });
  try {
    await sweep(LENGTHS[0], WORKERS, { pool, meter });
    for (const iterations of LENGTHS) {
      printCoreSpeeds(`before ${iterations.toLocaleString('en-US')}-iteration trials`);
      await efficiencyAt(iterations, { pool, meter });
      printCoreSpeeds('after them');
    }
  } finally {
    await pool.close();
  }
}

async function efficiencyAt(iterations: number, warm: { pool: TrialPool; meter: { counts: Counts } }): Promise<void> {
  const loaded = loadSweepSpec(specOf(iterations), process.cwd());
  const configs = loaded.plan.trials.map((t) => t.config);
  const best = { sequential: none, one: none, cold: none, warm: none };
  const keep = (a: Times, b: Times) => (b.wall < a.wall ? b : a);
  const loads: string[] = [load()];
  for (let r = 0; r < REPEATS; r++) {
    best.sequential = keep(best.sequential, await sequentialInProcess(configs));
    best.one = keep(best.one, await sweep(iterations, 1));
    best.cold = keep(best.cold, await sweep(iterations, WORKERS));
    best.warm = keep(best.warm, await sweep(iterations, WORKERS, warm));
    loads.push(load());
  }
  const { sequential, one, cold } = best;
  const total = (t: Times) => t.cpu + t.trialProcesses;
  const other = (t: Times) => t.training - t.trainingMain;
  const row = (label: string, t: Times) =>
    `  ${label.padEnd(40)}${seconds(t.wall).padStart(8)} ${(total(t) / (t.wall / 1000)).toFixed(2).padStart(5)} cores  ` +
    `CPU: driver ${t.cpu.toFixed(2)} s, trial processes ${t.trialProcesses.toFixed(2)} s = training ${t.training.toFixed(2)} s ` +
    `(other threads ${other(t).toFixed(2)}) + the rest ${(t.trialProcesses - t.training).toFixed(2)} s (${t.started} started)`;
  console.log(`\nsweep throughput: ${TRIALS} equal trials (planar m = 400, [4] tanh, ${iterations.toLocaleString('en-US')} iterations); load average ${loads.join(' → ')} on 2 cores`);
  console.log(
    `  ${'sequential, in this process (no store):'.padEnd(40)}${seconds(sequential.wall).padStart(8)} ${(sequential.cpu / (sequential.wall / 1000)).toFixed(2).padStart(5)} cores  ` +
      `CPU ${sequential.cpu.toFixed(2)} s (main thread ${sequential.cpuMain.toFixed(2)} s, other threads ${(sequential.cpu - sequential.cpuMain).toFixed(2)} s)`,
  );
  console.log(row('sweep, 1 trial process (cold):', one));
  console.log(row(`sweep, ${WORKERS} trial processes (cold):`, cold));
  console.log(row(`sweep, ${WORKERS} trial processes (warm):`, best.warm));
  console.log(`  wall-clock parallel efficiency (needs the cores to itself; this machine's load was ${loads.join(' → ')}):   (target ≥ 0.9)`);
  for (const [label, two] of [['cold', cold], ['warm', best.warm]] as const) {
    console.log(
      `    ${label}: vs in-process sequential ${sequential.wall.toFixed(0)} ms ÷ (${two.wall.toFixed(0)} ms × ${WORKERS}) = ${ratio(sequential.wall / (two.wall * WORKERS))}; ` +
        `vs the 1-process sweep ${one.wall.toFixed(0)} ms ÷ (${two.wall.toFixed(0)} ms × ${WORKERS}) = ${ratio(one.wall / (two.wall * WORKERS))}`,
    );
  }
  // On 2 free cores: the in-process loop's wall time is its main thread's CPU (its other
  // threads run beside it on the other core); the 1-process sweep's is its process's CPU
  // (the driver runs beside it); a 2-process sweep's is all of its CPU (both processes' and
  // the driver's) shared by the 2 cores.
  const free = (two: Times) => total(two) / WORKERS;
  console.log(
    `  from CPU time, on 2 free cores: cold ${ratio(sequential.cpuMain / (free(cold) * WORKERS))} vs in-process, ${ratio(one.trialProcesses / (free(cold) * WORKERS))} vs 1 process; ` +
      `warm ${ratio(sequential.cpuMain / (free(best.warm) * WORKERS))} vs in-process, ${ratio(one.trialProcesses / (free(best.warm) * WORKERS))} vs 1 process`,
  );
  const perTrial = (x: number) => `${(x / TRIALS).toFixed(3)} s`;
  console.log(
    `  a trial's training: ${perTrial(sequential.cpuMain)} main thread in process; in 1 process ${perTrial(one.trainingMain)} main + ${perTrial(other(one))} other threads; ` +
      `2 at once (cold) ${perTrial(cold.trainingMain)} + ${perTrial(other(cold))}; warm ${perTrial(best.warm.trainingMain)} + ${perTrial(other(best.warm))}`,
  );
  const startup = (t: Times) => (t.started ? (t.trialProcesses - t.training) / t.started : NaN);
  console.log(
    `  trial processes besides training: ${startup(one).toFixed(2)} s a process (1-process sweep), ${startup(cold).toFixed(2)} s (2-process, cold); ` +
      `${(best.warm.trialProcesses - best.warm.training).toFixed(2)} s in all when warm; the first trial started ${cold.toFirstTrial.toFixed(0)} ms ` +
      `after the sweep did, cold, ${best.warm.toFirstTrial.toFixed(0)} ms warm`,
  );
  // What a cold process costs besides its trials: its start-up, and its first trial's
  // warm-up (V8 compiling the training code while it runs slower) over its later trials.
  const later = (t: Times, x: number, first: number) => (x - first) / Math.max(1, TRIALS - t.firstTrials);
  console.log(
    `  cold processes: start-up to the first message ${(cold.readyCpu / Math.max(1, cold.started)).toFixed(3)} s of CPU each; ` +
      `a process's first trial ${(cold.firstTrainingMain / Math.max(1, cold.firstTrials)).toFixed(3)} s main + ${((cold.firstTraining - cold.firstTrainingMain) / Math.max(1, cold.firstTrials)).toFixed(3)} s other threads, ` +
      `its later ones ${later(cold, cold.trainingMain, cold.firstTrainingMain).toFixed(3)} + ${later(cold, cold.training - cold.trainingMain, cold.firstTraining - cold.firstTrainingMain).toFixed(3)} s on average`,
  );
  // What those costs allow at best: the sweep's trials at the CPU its warmed processes' trials
  // took, plus per cold process its start-up and its first trial's extra CPU over a later
  // one, plus the driver, spread over the 2 cores with nothing else lost (no gaps, no tail).
  const laterMain = later(cold, cold.trainingMain, cold.firstTrainingMain);
  const laterOther = later(cold, cold.training - cold.trainingMain, cold.firstTraining - cold.firstTrainingMain);
  const firstMain = cold.firstTrainingMain / Math.max(1, cold.firstTrials);
  const firstOther = (cold.firstTraining - cold.firstTrainingMain) / Math.max(1, cold.firstTrials);
  const fixed = cold.readyCpu / Math.max(1, cold.started) + Math.max(0, firstMain - laterMain) + Math.max(0, firstOther - laterOther);
  const needed = TRIALS * (laterMain + laterOther) + cold.started * fixed + cold.cpu;
  console.log(
    `  at best, a cold ${WORKERS}-process sweep: ${TRIALS} trials at a warmed process's ${(laterMain + laterOther).toFixed(3)} s, ` +
      `${cold.started} × ${fixed.toFixed(3)} s (each process's start-up and first trial's warm-up) and the driver's ${cold.cpu.toFixed(2)} s ` +
      `= ${needed.toFixed(2)} s of CPU on ${WORKERS} free cores: ${ratio(sequential.cpuMain / needed)} of the in-process loop, whatever the scheduling`,
  );
  const drivers = [['cold', cold], ['warm', best.warm]] as const;
  console.log(
    `  driver CPU: ` +
      drivers
        .map(
          ([label, t]) =>
            `${label} ${((1000 * t.cpu) / TRIALS).toFixed(0)} ms a trial, ${((1000 * t.cpu) / Math.max(1, t.messages)).toFixed(2)} ms a message (${t.messages}), ` +
            `${((100 * t.cpu) / (t.wall / 1000)).toFixed(1)} % of a core while it ran, ${((100 * t.cpu) / total(t)).toFixed(1)} % of the sweep's CPU`,
        )
        .join('; '),
  );
}

/** CPU seconds of thread `tid` of process `pid` (its main thread when tid = pid), from /proc; NaN elsewhere. */
function threadCpu(pid: number, tid = pid): number {
  return procCpu(`/proc/${pid}/task/${tid}/stat`, false);
}

/** CPU seconds (user + system) process `pid` has used, from /proc (Linux); NaN elsewhere. With `children`, its waited-for children's. */
function cpuSeconds(pid: number | 'self', children = false): number {
  return procCpu(`/proc/${pid}/stat`, children);
}

function procCpu(file: string, children: boolean): number {
  try {
    const stat = readFileSync(file, 'utf8');
    // Fields after the command name; utime is field 14, stime 15, cutime 16, cstime 17.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const ticks = children ? f[16 - 3] + f[17 - 3] : f[14 - 3] + f[15 - 3];
    return ticks / 100;
  } catch {
    return NaN;
  }
}

/**
 * Seconds process `pid`'s threads have run on a CPU, to the nanosecond (/proc/PID/task/TID/schedstat),
 * where /proc/PID/stat counts in ticks of 10 ms: 2 % of a 0.5 s trial. Falls back to those.
 */
function runSeconds(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended meanwhile.
      }
    }
    return ns / 1e9;
  } catch {
    return cpuSeconds(pid);
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
        cpu = runSeconds(pid);
      },
      progress: () => {},
      weights: () => {},
      finished: (m) => {
        if (m.status !== 'completed') return reject(new Error(m.error));
        resolve({ wall: performance.now() - started, cpu: runSeconds(pid) - cpu });
      },
      crashed: (reason) => reject(new Error(reason)),
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function streamingSlowdown(): Promise<void> {
  const pool = new TrialPool({ hosts: forkHosts({ nodeFlags: kernelFlags() }), size: 1 });
  try {
    const cases = [
      ['a history entry every 100 steps, progress as the driver asks (every STEPS steps)', 100, null],
      ['a history entry every 100 steps, progress every 10 steps', 100, 10],
      ['a history entry every step (worst case), progress every 10 steps', 1, 10],
    ] as const;
    for (const [title, logEvery, every] of cases) {
      const parsed = parseRunConfig(base(40_000, logEvery));
      if (!parsed.ok) throw new Error('bad bench config');
      // As the driver does: progress about every PROGRESS_TARGET_MS, at the pace of a trial before.
      const warmUp = await timeTrial(pool, { type: 'run', runId: 'warm-up', config: parsed.config, batchMs: DEFAULT_BATCH_MS, progressEvery: 10 });
      const progressEvery = every ?? progressEveryAt(40_000 / warmUp.wall);
      const label = title.replace('STEPS', progressEvery.toLocaleString('en-US'));
      const request = (batchMs: number | null, runId: string): RunRequest => ({ type: 'run', runId, config: parsed.config, batchMs, progressEvery });
      const withStreaming: { wall: number; cpu: number }[] = [];
      const without: { wall: number; cpu: number }[] = [];
      for (let i = 0; i < PAIRS; i++) {
        // Alternate which goes first, so that drift in the machine's load cancels out.
        if (i % 2 === 0) {
          withStreaming.push(await timeTrial(pool, request(DEFAULT_BATCH_MS, `s${i}`)));
          without.push(await timeTrial(pool, request(null, `n${i}`)));
        } else {
          without.push(await timeTrial(pool, request(null, `n${i}`)));
          withStreaming.push(await timeTrial(pool, request(DEFAULT_BATCH_MS, `s${i}`)));
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
        `  CPU time of the trial process, fastest of each: ${best(without).toFixed(3)} s without streaming, ` +
          `${best(withStreaming).toFixed(3)} s with: slowdown ${((cpu - 1) * 100).toFixed(1)} %   (target < 5 %)`,
      );
      console.log(`  medians: CPU ${((cpuMedian - 1) * 100).toFixed(1)} %, wall ${((wall - 1) * 100).toFixed(1)} % (noisy on a shared machine)`);
    }
  } finally {
    await pool.close();
  }
}

/**
 * What starting one trial process costs: fork to its first message, wall and CPU time,
 * bundled, through tsx, and a bare node process that sends that message at once, alternated.
 */
async function startupCost(): Promise<void> {
  const bundled = trialProgram();
  const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-bench-bare-'));
  const bare = path.join(dir, 'bare.cjs');
  writeFileSync(bare, "process.send({ type: 'ready', pid: process.pid }); process.on('message', () => process.exit(0));\n");
  const programs = { bundled, tsx: TSX_PROGRAM, bare: { entry: bare, execArgv: [] } };
  const kinds = ['bundled', 'tsx', 'bare'] as const;
  const times: Record<(typeof kinds)[number], { wall: number; cpu: number }[]> = { bundled: [], tsx: [], bare: [] };
  try {
    for (let i = 0; i < 5; i++) {
      for (const kind of kinds) {
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const describe = (kind: (typeof kinds)[number]) =>
    `${seconds(median(times[kind].map((t) => t.wall)))}, CPU ${median(times[kind].map((t) => t.cpu)).toFixed(2)} s`;
  console.log(
    `\nstarting one trial process, to its first message (median of 5): bundled ${describe('bundled')}` +
      `${bundled.execArgv.length ? ' (no bundle here: tsx)' : ''}; through tsx ${describe('tsx')}; a bare node process ${describe('bare')}`,
  );
}

export async function run(): Promise<void> {
  if (process.env.LAYERLAB_BENCH_SWEEP_TIMELINE === '1') return sweepTimeline(LENGTHS[0]);
  await parallelEfficiency();
  await startupCost();
  await streamingSlowdown();
}

/**
 * The trial process of a timeline: the trial process itself (LAYERLAB_TIMELINE_ENTRY),
 * with every message it sends and every trial it is given noted with the time
 * (performance.timeOrigin + now: the same clock as the driver's, to the ms) and its main
 * thread's and other threads' CPU (/proc schedstat), written to LAYERLAB_TIMELINE_DIR/PID.json
 * when it exits. Progress messages are left out (up to 10 a second, nothing to place).
 */
const TIMELINE_WRAPPER = `
const fs = require('node:fs');
const now = () => performance.timeOrigin + performance.now();
function cpu() {
  let main = 0, other = 0;
  for (const tid of fs.readdirSync('/proc/self/task')) {
    let ns = 0;
    try { ns = Number(fs.readFileSync('/proc/self/task/' + tid + '/schedstat', 'utf8').split(' ')[0]); } catch {}
    if (Number(tid) === process.pid) main += ns; else other += ns;
  }
  return [main / 1e6, other / 1e6];
}
const log = [['start', performance.timeOrigin, 0, 0], ['code', now(), ...cpu()]];
const send = process.send.bind(process);
process.send = (m, ...rest) => {
  if (m.type !== 'progress') log.push([m.type, now(), ...cpu()]);
  return send(m, ...rest);
};
process.on('message', (m) => { if (m && m.type === 'run') log.push(['run', now(), ...cpu()]); });
process.on('exit', () => {
  log.push(['exit', now(), ...cpu()]);
  fs.writeFileSync(process.env.LAYERLAB_TIMELINE_DIR + '/' + process.pid + '.json', JSON.stringify(log));
});
require(process.env.LAYERLAB_TIMELINE_ENTRY);
`;

/** One entry of a trial process's log: what, when (epoch ms), its main thread's and other threads' CPU (ms). */
type ProcessEvent = [kind: string, at: number, main: number, other: number];

interface ProcessTimeline {
  pid: number;
  /** When the driver called fork, and how long that call held the driver (ms). */
  forkedAt: number;
  forkMs: number;
  /** When the driver heard the process had ended. */
  endSeenAt: number;
  log: ProcessEvent[];
}

/** One sweep on processes that log their timeline; the driver's CPU and message handling measured too. */
async function timedSweep(iterations: number, concurrency: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-bench-timeline-'));
  const wrapper = path.join(dir, 'trial-timeline.cjs');
  writeFileSync(wrapper, TIMELINE_WRAPPER);
  const program = trialProgram();
  const fork = forkHosts({
    entry: wrapper,
    execArgv: program.execArgv,
    nodeFlags: kernelFlags(),
    env: { ...process.env, LAYERLAB_TIMELINE_DIR: dir, LAYERLAB_TIMELINE_ENTRY: program.entry },
  });
  // The clock the trial processes log with (TIMELINE_WRAPPER).
  const epoch = () => perfHooks.timeOrigin + perfHooks.now();
  const processes: ProcessTimeline[] = [];
  let handlerCpu = 0;
  let messages = 0;
  const hosts: TrialHostFactory = (events) => {
    const entry: ProcessTimeline = { pid: 0, forkedAt: epoch(), forkMs: 0, endSeenAt: NaN, log: [] };
    const host = fork({
      message: (value) => {
        const cpu = ownCpu();
        events.message(value);
        handlerCpu += ownCpu() - cpu;
        messages++;
      },
      exit: (exit) => {
        entry.endSeenAt = epoch();
        events.exit(exit);
      },
    });
    entry.forkMs = epoch() - entry.forkedAt;
    entry.pid = host.pid ?? 0;
    processes.push(entry);
    return host;
  };
  const store = RunStore.open(path.join(dir, 'store'));
  // The driver's two largest store writes, timed: the buffered history (every
  // DEFAULT_HISTORY_FLUSH_MS), and each trial's weights (a file, fsynced).
  // Each holds the driver's event loop: `longest` is the longest of them (ms of wall).
  const writes = { history: { cpu: 0, wall: 0, n: 0, longest: 0 }, weights: { cpu: 0, wall: 0, n: 0, longest: 0 } };
  const timed = <A extends unknown[], R>(what: (typeof writes)['history'], f: (...args: A) => R) => (...args: A): R => {
    const cpu = ownCpu();
    const wall = performance.now();
    try {
      return f(...args);
    } finally {
      what.cpu += ownCpu() - cpu;
      what.wall += performance.now() - wall;
      what.n++;
      what.longest = Math.max(what.longest, performance.now() - wall);
    }
  };
  store.appendMetricsMany = timed(writes.history, store.appendMetricsMany.bind(store));
  store.saveWeights = timed(writes.weights, store.saveWeights.bind(store));
  try {
    const start = epoch();
    const cpu = ownCpu();
    const loaded = loadSweepSpec(specOf(iterations), dir);
    const outcome = await new SweepRun({ store, sweepId: createSweep(store, loaded.stored, loaded.plan), hosts, concurrency }).run();
    const end = epoch();
    const driverCpu = ownCpu() - cpu;
    if (outcome.trials.some((t) => t.status !== 'completed')) throw new Error(`a bench trial did not complete: ${outcome.trials.map((t) => t.reason).join('; ')}`);
    for (const p of processes) p.log = JSON.parse(readFileSync(path.join(dir, `${p.pid}.json`), 'utf8')) as ProcessEvent[];
    return { start, end, driverCpu, handlerCpu, messages, processes, writes };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Where one cold sweep's time goes, for 1 and 2 trial processes, against the same 16 trials
 * one after another in this process (its mean trial: the ideal per trial). For each
 * process: when it was forked (and how long fork held the driver), when our code began to
 * run, its first message, and each trial from 'started' to 'finished' as the process sent
 * them, with the CPU of its main thread and of its other threads (V8's compiler and GC);
 * the gaps between its trials (from one trial's 'finished' to the next's 'started':
 * the driver's round trip, and the process reading the next trial), and the tail (from its
 * last trial's end to the sweep's). For every process,
 *   sweep wall = its start + its trials + its gaps + its tail,
 * so, averaged over the processes, the sweep's wall time beyond the ideal (in-process time ÷
 * processes) splits exactly into: start-up, first trials over the in-process mean, later
 * trials over it, gaps and tail.
 */
async function sweepTimeline(iterations: number): Promise<void> {
  const loaded = loadSweepSpec(specOf(iterations), process.cwd());
  const configs = loaded.plan.trials.map((t) => t.config);
  await timedSweep(2_000, WORKERS); // warms this process's driver code, and builds the trial bundle if needed
  const loop = async () => {
    const times: number[] = [];
    for (const config of configs) {
      const start = performance.now();
      await trainRun({ store: nothing, runId: 'bench', config, files: filesRelativeTo('.') });
      times.push(performance.now() - start);
    }
    return times;
  };
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const inProcess = await loop();
  const sweeps = [await timedSweep(iterations, 1), await timedSweep(iterations, WORKERS)];
  // Run again after the sweeps, the faster kept: load from elsewhere only ever adds time.
  const again = await loop();
  if (sum(again) < sum(inProcess)) inProcess.splice(0, inProcess.length, ...again);
  const mean = sum(inProcess) / inProcess.length;
  const ms = (x: number) => x.toFixed(0);
  console.log(
    `\nsweep timeline: ${TRIALS} trials of ${iterations.toLocaleString('en-US')} iterations, cold (a pool per sweep); load average ${load()} on 2 cores; times in ms from the sweep's start`,
  );
  console.log(`  in this process, one after another (the faster of a run before the sweeps and one after): ${ms(sum(inProcess))} ms, a trial ${inProcess.map(ms).join(' ')} (mean ${ms(mean)})`);
  for (const t of sweeps) {
    const workers = t.processes.length;
    const wall = t.end - t.start;
    const ideal = (mean * TRIALS) / workers;
    console.log(`\n  sweep with ${workers} trial process${workers > 1 ? 'es' : ''}: ${ms(wall)} ms, the in-process loop ÷ ${workers} ${ms(ideal)} ms: ${ms(wall - ideal)} ms beyond it`);
    const parts = { start: 0, first: 0, later: 0, gaps: 0, tail: 0 };
    for (const p of t.processes) {
      const at = (e: ProcessEvent) => e[1] - t.start;
      const code = p.log.find((e) => e[0] === 'code')!;
      const ready = p.log.find((e) => e[0] === 'ready')!;
      const trials: { started: ProcessEvent; finished: ProcessEvent }[] = [];
      let started: ProcessEvent | null = null;
      for (const e of p.log) {
        if (e[0] === 'started') started = e;
        if (e[0] === 'finished' && started) trials.push({ started, finished: e });
      }
      const gaps = trials.slice(1).map((x, i) => x.started[1] - trials[i].finished[1]);
      const last = trials[trials.length - 1].finished;
      const exit = p.log.find((e) => e[0] === 'exit');
      console.log(
        `    process ${p.pid}: forked at ${ms(p.forkedAt - t.start)} (fork held the driver ${p.forkMs.toFixed(1)} ms), node ran our code at ${ms(at(code))} ` +
          `(CPU ${ms(code[2] + code[3])}), ready at ${ms(at(ready))} (CPU ${ms(ready[2] + ready[3])}), first trial started at ${ms(at(trials[0].started))}`,
      );
      console.log(
        `      trials (wall: main thread + other threads' CPU): ` +
          trials.map((x) => `${ms(x.finished[1] - x.started[1])}: ${ms(x.finished[2] - x.started[2])}+${ms(x.finished[3] - x.started[3])}`).join(', '),
      );
      console.log(
        `      waiting between trials ${ms(gaps.reduce((a, b) => a + b, 0))} ms in all (longest ${gaps.length ? gaps.reduce((a, b) => Math.max(a, b)).toFixed(1) : '-'}); ` +
          `last trial finished at ${ms(at(last))}, exited at ${exit ? ms(at(exit)) : '?'}, the driver saw it end at ${ms(p.endSeenAt - t.start)}`,
      );
      parts.start += trials[0].started[1] - t.start;
      parts.first += trials[0].finished[1] - trials[0].started[1] - mean;
      for (const x of trials.slice(1)) parts.later += x.finished[1] - x.started[1] - mean;
      parts.gaps += gaps.reduce((a, b) => a + b, 0);
      parts.tail += t.end - last[1];
    }
    const n = t.processes.length;
    console.log(
      `    beyond the ideal, per process on average: start-up to the first trial ${ms(parts.start / n)}, first trial over the in-process mean ${ms(parts.first / n)}, ` +
        `later trials over it ${ms(parts.later / n)}, gaps ${ms(parts.gaps / n)}, tail to the sweep's end ${ms(parts.tail / n)}: together ${ms((parts.start + parts.first + parts.later + parts.gaps + parts.tail) / n)} ms`,
    );
    const w = t.writes;
    console.log(
      `    driver: ${ms(t.driverCpu * 1000)} ms of CPU: the history, written every ${DEFAULT_HISTORY_FLUSH_MS} ms, ${ms(w.history.cpu * 1000)} ms ` +
        `(${w.history.n} writes, ${ms(w.history.wall)} ms wall, the longest ${w.history.longest.toFixed(1)}); ` +
        `handling ${t.messages} messages ${ms(t.handlerCpu * 1000)} ms, of which writing weights ${ms(w.weights.cpu * 1000)} ms (${ms(w.weights.wall)} ms wall with their fsyncs, the longest ${w.weights.longest.toFixed(1)}, ` +
        `while no message is handled); the rest (Node's IPC, the forks, setting up and closing) ${ms((t.driverCpu - w.history.cpu - t.handlerCpu) * 1000)} ms`,
    );
  }
}
