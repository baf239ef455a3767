/**
 * The training core against the course's NumPy code, in the same run:
 *   planar: [2, 4, 1] tanh/sigmoid, m = 400, lr 1.2 (reference mode a);
 *   deep:   [12288, 20, 7, 5, 1] relu/sigmoid, m = 209, lr 0.0075 (reference mode b).
 * Both sides train the same data from the same initial weights (NumPy-mode
 * generators reproduce the reference's seeds) and time only the training loop.
 * NumPy runs single-threaded with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, so
 * that OpenBLAS picks its best kernel for this processor.
 *
 * Environment: LAYERLAB_BENCH_REPEATS (default 5) timed runs per side.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateDataset } from '../src-core/datasets';
import { INITIALIZERS } from '../src-core/initializers';
import { Matrix, type Precision } from '../src-core/matrix';
import { Network } from '../src-core/network';
import { createRng } from '../src-core/random';
import { DEFAULT_TRAIN_SETTINGS, train } from '../src-core/train';

const REFERENCE = fileURLToPath(new URL('../../shared/bench/reference_numpy.py', import.meta.url));
const REPEATS = Number(process.env.LAYERLAB_BENCH_REPEATS ?? 5);

interface Workload {
  name: string;
  mode: 'a' | 'b';
  iterations: number;
  build(precision: Precision): { net: Network; X: Matrix; Y: Matrix; lr: number };
}

const planar: Workload = {
  name: 'planar [2, 4, 1] tanh, m = 400',
  mode: 'a',
  iterations: 10000,
  build(precision) {
    const { X, Y } = generateDataset('planar', { m: 400, noise: 0.2, seed: 1, rng: 'numpy' });
    const net = new Network({ sizes: [2, 4, 1], activations: ['tanh'], output: 'sigmoid', precision });
    const rng = createRng(2, 'numpy');
    net.W.forEach((W) => W.data.set(INITIALIZERS.normal.weights(rng, W.rows, W.cols, 0.01)));
    return { net, X: X.as(precision), Y: Y.as(precision), lr: 1.2 };
  },
};

const deep: Workload = {
  name: 'deep [12288, 20, 7, 5, 1] relu, m = 209',
  mode: 'b',
  iterations: 100,
  build(precision) {
    // The reference: rng = RandomState(0); X = rng.rand(12288, 209); Y = rng.rand(1, 209) > 0.5
    const data = createRng(0, 'numpy');
    const X = Matrix.from(12288, 209, data.rand(12288 * 209), precision);
    const Y = Matrix.from(1, 209, Array.from(data.rand(209), (v) => (v > 0.5 ? 1 : 0)), precision);
    const net = new Network({ sizes: [12288, 20, 7, 5, 1], activations: ['relu', 'relu', 'relu'], output: 'sigmoid', precision });
    const rng = createRng(1, 'numpy');
    net.W.forEach((W) => W.data.set(INITIALIZERS.xavier.weights(rng, W.rows, W.cols, 0)));
    return { net, X, Y, lr: 0.0075 };
  },
};

/** One timed training run of the core, after one untimed run to warm up the JIT. */
async function timeCore(w: Workload, precision: Precision, warm: boolean, costEveryStep = false): Promise<Timing> {
  // Reporting every step makes the trainer compute every step's cost, as the
  // course's loop does; otherwise it computes the costs it records.
  const hooks = costEveryStep ? { onProgress: () => {}, progressEvery: 1 } : {};
  const once = async () => {
    const { net, X, Y, lr } = w.build(precision);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await train(net, { X, Y }, {
      ...DEFAULT_TRAIN_SETTINGS,
      learningRate: lr,
      schedule: { iterations: w.iterations },
      logEvery: w.iterations,
    }, hooks);
    const ms = (performance.now() - t0) / w.iterations;
    const c = process.cpuUsage(c0);
    return { ms, cpuMs: (c.user + c.system) / 1000 / w.iterations, cost: result.history.at(-1)!.cost };
  };
  if (!warm) await once();
  return once();
}

/** Wall-clock and CPU time per iteration: on a shared machine CPU time is the steadier. */
interface Timing {
  ms: number;
  cpuMs: number;
  cost: number;
}

/** One timed run of the NumPy reference (it warms up inside its own process). */
function timeNumpy(w: Workload): Timing | null {
  if (!existsSync(REFERENCE)) return null;
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  // The core never computes dA0 (nothing needs it), so neither does NumPy here.
  const args = [REFERENCE, w.mode, '--repeats', '1', ...(w.mode === 'b' ? ['--skip-dA0'] : [])];
  try {
    const out = execFileSync('python3', args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    const res = JSON.parse(line!.slice(7)) as { times_s: number[]; cpu_s: number[]; iters: number; costs: [number, number][] };
    return { ms: (res.times_s[0] * 1000) / res.iters, cpuMs: (res.cpu_s[0] * 1000) / res.iters, cost: res.costs.at(-1)![1] };
  } catch (error) {
    console.log(`  (NumPy reference failed: ${(error as Error).message.split('\n')[0]})`);
    return null;
  }
}

const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);

/**
 * NumPy and the core take turns, run by run, so that a change in the machine's
 * load hits both alike, and the best run of each is compared (the least
 * disturbed). CPU time is the headline: other processes inflate wall time.
 */
async function compare(w: Workload, precision: Precision, costEveryStep = false): Promise<void> {
  const ours: Timing[] = [];
  const theirs: Timing[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const n = timeNumpy(w);
    if (n) theirs.push(n);
    ours.push(await timeCore(w, precision, r > 0, costEveryStep));
  }
  const best = (ts: Timing[], key: 'ms' | 'cpuMs') => Math.min(...ts.map((t) => t[key]));
  const how = costEveryStep ? ', cost every step as the course computes it' : '';
  const head = `${w.name}, Layerlab ${precision}${how}: ${fmt(best(ours, 'ms'))} wall, ${fmt(best(ours, 'cpuMs'))} CPU`;
  if (!theirs.length) {
    console.log(`  ${head}  |  (no ../shared/bench/reference_numpy.py: no NumPy baseline)`);
    return;
  }
  const ratio = (key: 'ms' | 'cpuMs') => (best(ours, key) / best(theirs, key)).toFixed(2);
  console.log(
    [
      `  ${head}`,
      `NumPy float64: ${fmt(best(theirs, 'ms'))} wall, ${fmt(best(theirs, 'cpuMs'))} CPU`,
      `ratio ${ratio('cpuMs')}× NumPy's CPU time (wall ${ratio('ms')}×)`,
      `final cost ${ours.at(-1)!.cost.toFixed(8)} vs ${theirs.at(-1)!.cost.toFixed(8)}`,
    ].join('  |  '),
  );
}

/**
 * Decision-boundary grid: the probabilities of a [2, 50, 50, 1] net on a 200×200
 * grid in one batched predict, against the per-point calls it replaces.
 */
function boundaryGrid(): void {
  const net = new Network({ sizes: [2, 50, 50, 1], activations: ['tanh', 'tanh'], output: 'sigmoid' });
  const rng = createRng(3, 'default');
  net.W.forEach((W) => W.data.set(INITIALIZERS.he.weights(rng, W.rows, W.cols, 0)));
  const side = 200;
  const grid = Matrix.zeros(2, side * side);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      grid.set(0, r * side + c, -4 + (8 * c) / (side - 1));
      grid.set(1, r * side + c, -4 + (8 * r) / (side - 1));
    }
  }
  const batched: number[] = [];
  const perPoint: number[] = [];
  const point = Matrix.zeros(2, 1);
  for (let rep = 0; rep < 8; rep++) {
    let t0 = performance.now();
    net.predict(grid);
    batched.push(performance.now() - t0);
    t0 = performance.now();
    for (let j = 0; j < side * side; j++) {
      point.data[0] = grid.data[j];
      point.data[1] = grid.data[side * side + j];
      net.predict(point);
    }
    perPoint.push(performance.now() - t0);
  }
  const best = Math.min(...batched.slice(2));
  const slow = Math.min(...perPoint.slice(2));
  console.log(`  decision boundary, [2, 50, 50, 1] on a 200×200 grid: batched predict best ${fmt(best)}  |  per-point predict ${fmt(slow)}  |  ratio ${(best / slow).toFixed(3)}×`);
}

export async function run(): Promise<void> {
  boundaryGrid();
  console.log(`training loop time per iteration, ${REPEATS} alternating runs each (NumPy: single thread; dA0 skipped on both sides for the deep net)`);
  console.log('  (Layerlab computes the cost at recorded steps and proves it finite in between; the course computes it every step)');
  await compare(planar, 'float64');
  await compare(planar, 'float64', true);
  await compare(deep, 'float64');
  await compare(deep, 'float32');
}
