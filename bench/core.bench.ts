/**
 * The training core against the course's NumPy code, in the same run:
 *   planar: [2, 4, 1] tanh/sigmoid, m = 400, lr 1.2 (reference mode a);
 *   deep:   [12288, 20, 7, 5, 1] relu/sigmoid, m = 209, lr 0.0075 (reference mode b).
 * Both sides train the same data from the same initial weights (NumPy-mode
 * generators reproduce the reference's seeds) and time only the training loop.
 * NumPy runs single-threaded with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, so
 * that OpenBLAS picks its best kernel for this processor.
 *
 * Environment: LAYERLAB_BENCH_REPEATS (default 3) timed repeats per side.
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
const REPEATS = Number(process.env.LAYERLAB_BENCH_REPEATS ?? 3);

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

interface Timing {
  perIterationMs: number[];
  finalCost: number;
}

async function timeCore(w: Workload, precision: Precision): Promise<Timing> {
  const perIterationMs: number[] = [];
  let finalCost = NaN;
  for (let r = 0; r <= REPEATS; r++) {
    const { net, X, Y, lr } = w.build(precision);
    const t0 = performance.now();
    const result = await train(net, { X, Y }, {
      ...DEFAULT_TRAIN_SETTINGS,
      learningRate: lr,
      schedule: { iterations: w.iterations },
      logEvery: w.iterations,
    });
    const ms = (performance.now() - t0) / w.iterations;
    if (r > 0) perIterationMs.push(ms); // the first run warms up the JIT
    finalCost = result.history.at(-1)!.cost;
  }
  return { perIterationMs, finalCost };
}

function timeNumpy(w: Workload, dtype: Precision): Timing | null {
  if (!existsSync(REFERENCE)) return null;
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  try {
    // The core never computes dA0 (nothing needs it), so neither does NumPy here.
    const args = [REFERENCE, w.mode, '--repeats', String(REPEATS), '--dtype', dtype, ...(w.mode === 'b' ? ['--skip-dA0'] : [])];
    const out = execFileSync('python3', args, {
      env,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    const res = JSON.parse(line!.slice(7)) as { times_s: number[]; iters: number; costs: [number, number][] };
    return { perIterationMs: res.times_s.map((t) => (t * 1000) / res.iters), finalCost: res.costs.at(-1)![1] };
  } catch (error) {
    console.log(`  (NumPy reference failed: ${(error as Error).message.split('\n')[0]})`);
    return null;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);

export async function run(): Promise<void> {
  console.log(`training loop time per iteration, median of ${REPEATS} (NumPy: single thread; dA0 skipped on both sides for the deep net)`);
  for (const w of [planar, deep]) {
    for (const precision of w.mode === 'b' ? (['float64', 'float32'] as const) : (['float64'] as const)) {
      const numpy = timeNumpy(w, 'float64');
      const core = await timeCore(w, precision);
      const ours = median(core.perIterationMs);
      const line = [`${w.name}, Layerlab ${precision}: ${fmt(ours)}`];
      if (numpy) {
        const ref = median(numpy.perIterationMs);
        line.push(`NumPy float64: ${fmt(ref)}`, `ratio ${(ours / ref).toFixed(2)}× NumPy's time`);
        line.push(`final cost ${core.finalCost.toFixed(8)} vs ${numpy.finalCost.toFixed(8)}`);
      } else {
        line.push('(no ../shared/bench/reference_numpy.py: no NumPy baseline)');
      }
      console.log(`  ${line.join('  |  ')}`);
    }
  }
}
