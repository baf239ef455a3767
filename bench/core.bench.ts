/**
 * The training core against the course's NumPy code, in the same run:
 *   planar: [2, 4, 1] tanh/sigmoid, m = 400, lr 1.2 (reference mode a);
 *   deep:   [12288, 20, 7, 5, 1] relu/sigmoid, m = 209, lr 0.0075 (reference mode b).
 * Both sides train the same data from the same initial weights (NumPy-mode
 * generators reproduce the reference's seeds) and time only the training loop.
 * NumPy runs single-threaded with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, so
 * that OpenBLAS picks its best kernel for this processor.
 *
 * The core runs on each of its kernels in turn: the WebAssembly SIMD kernels with
 * relaxed-SIMD fused multiply-add (`relaxed`; Node 20 needs
 * --experimental-wasm-relaxed-simd, which this bench sets for itself, as Electron
 * and Chromium have it on), with 128-bit SIMD only (`baseline`, what a Node 20
 * without the flag runs), and the plain TypeScript reference kernels.
 *
 * Then the GEMM alone at the deep net's shapes against the peak of WebAssembly
 * SIMD on this machine (a register-only multiply-add loop in the same module),
 * and a profile of one iteration of each net, phase by phase, which says where
 * the time goes when a target is missed.
 *
 * Environment: LAYERLAB_BENCH_REPEATS (default 5) timed runs per side;
 * LAYERLAB_BENCH_KERNELS (default relaxed,baseline,reference) the core's kernels.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { generateDataset } from '../src-core/datasets';
import { INITIALIZERS } from '../src-core/initializers';
import { Matrix, type Precision } from '../src-core/matrix';
import { Network } from '../src-core/network';
import { createRng } from '../src-core/random';
import { DEFAULT_TRAIN_SETTINGS, train } from '../src-core/train';
import { type KernelChoice, arenaFor, kernelsFor, supports, type WasmVariant } from '../src-core/wasm/engine';

// Before any kernel module is compiled: a V8 flag, on in Electron 41 and Chromium.
setFlagsFromString('--experimental-wasm-relaxed-simd');

const REFERENCE = fileURLToPath(new URL('../../shared/bench/reference_numpy.py', import.meta.url));
const REPEATS = Number(process.env.LAYERLAB_BENCH_REPEATS ?? 5);
const WANTED = (process.env.LAYERLAB_BENCH_KERNELS ?? 'relaxed,baseline,reference').split(',') as KernelChoice[];
const KERNELS = WANTED.filter((k) => k === 'reference' || k === 'auto' || supports(k as WasmVariant));
const TARGETS = { planar: 0.2, deep: { float64: 1.0, float32: 0.5 } };

interface Workload {
  name: string;
  mode: 'a' | 'b';
  iterations: number;
  build(precision: Precision, kernels: KernelChoice): { net: Network; X: Matrix; Y: Matrix; lr: number };
}

const planar: Workload = {
  name: 'planar [2, 4, 1] tanh, m = 400',
  mode: 'a',
  iterations: 10000,
  build(precision, kernels) {
    const { X, Y } = generateDataset('planar', { m: 400, noise: 0.2, seed: 1, rng: 'numpy' });
    const net = new Network({ sizes: [2, 4, 1], activations: ['tanh'], output: 'sigmoid', precision }, { kernels });
    const rng = createRng(2, 'numpy');
    net.W.forEach((W) => W.data.set(INITIALIZERS.normal.weights(rng, W.rows, W.cols, 0.01)));
    return { net, X: X.as(precision), Y: Y.as(precision), lr: 1.2 };
  },
};

const deep: Workload = {
  name: 'deep [12288, 20, 7, 5, 1] relu, m = 209',
  mode: 'b',
  iterations: 100,
  build(precision, kernels) {
    // The reference: rng = RandomState(0); X = rng.rand(12288, 209); Y = rng.rand(1, 209) > 0.5
    const data = createRng(0, 'numpy');
    const X = Matrix.from(12288, 209, data.rand(12288 * 209), precision);
    const Y = Matrix.from(1, 209, Array.from(data.rand(209), (v) => (v > 0.5 ? 1 : 0)), precision);
    const net = new Network({ sizes: [12288, 20, 7, 5, 1], activations: ['relu', 'relu', 'relu'], output: 'sigmoid', precision }, { kernels });
    const rng = createRng(1, 'numpy');
    net.W.forEach((W) => W.data.set(INITIALIZERS.xavier.weights(rng, W.rows, W.cols, 0)));
    return { net, X, Y, lr: 0.0075 };
  },
};

/** Wall-clock and CPU time per iteration: on a shared machine CPU time is the steadier. */
interface Timing {
  ms: number;
  cpuMs: number;
  cost: number;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** One timed training run of the core, after one untimed run to warm up the JIT. */
async function timeCore(w: Workload, precision: Precision, kernels: KernelChoice, warm: boolean, costEveryStep = false): Promise<Timing> {
  // Reporting every step makes the trainer compute every step's cost, as the
  // course's loop does; otherwise it computes the costs it records.
  const hooks = costEveryStep ? { onProgress: () => {}, progressEvery: 1 } : {};
  const once = async () => {
    const { net, X, Y, lr } = w.build(precision, kernels);
    const c0 = cpuNow();
    const t0 = performance.now();
    const result = await train(net, { X, Y }, {
      ...DEFAULT_TRAIN_SETTINGS,
      learningRate: lr,
      schedule: { iterations: w.iterations },
      logEvery: w.iterations,
    }, hooks);
    const ms = (performance.now() - t0) / w.iterations;
    return { ms, cpuMs: (cpuNow() - c0) / w.iterations, cost: result.history.at(-1)!.cost };
  };
  if (!warm) await once();
  return once();
}

function numpyEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** One timed run of the NumPy reference (it warms up inside its own process). */
function timeNumpy(w: Workload): Timing | null {
  if (!existsSync(REFERENCE)) return null;
  // The core never computes dA0 (nothing needs it), so neither does NumPy here.
  const args = [REFERENCE, w.mode, '--repeats', '1', ...(w.mode === 'b' ? ['--skip-dA0'] : [])];
  try {
    const out = execFileSync('python3', args, { env: numpyEnv(), encoding: 'utf8', maxBuffer: 64 << 20 });
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    const res = JSON.parse(line!.slice(7)) as { times_s: number[]; cpu_s: number[]; iters: number; costs: [number, number][] };
    return { ms: (res.times_s[0] * 1000) / res.iters, cpuMs: (res.cpu_s[0] * 1000) / res.iters, cost: res.costs.at(-1)![1] };
  } catch (error) {
    console.log(`  (NumPy reference failed: ${(error as Error).message.split('\n')[0]})`);
    return null;
  }
}

const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);
const best = (ts: Timing[], key: 'ms' | 'cpuMs') => Math.min(...ts.map((t) => t[key]));
const label = (k: KernelChoice) => (k === 'reference' ? 'TypeScript' : `wasm ${k}`);

/**
 * NumPy and the core's kernels take turns, run by run, so that a change in the
 * machine's load hits all alike, and the best run of each is compared (the least
 * disturbed). CPU time is the headline: other processes inflate wall time.
 */
async function compare(w: Workload, precision: Precision, target: number | null, costEveryStep = false): Promise<void> {
  const ours = new Map<KernelChoice, Timing[]>(KERNELS.map((k) => [k, []]));
  const theirs: Timing[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const n = timeNumpy(w);
    if (n) theirs.push(n);
    for (const k of KERNELS) ours.get(k)!.push(await timeCore(w, precision, k, r > 0, costEveryStep));
  }
  const how = costEveryStep ? ', cost every step as the course computes it' : '';
  const goal = target === null ? '' : `, target ≤ ${target}× NumPy float64`;
  console.log(`  ${w.name}, Layerlab ${precision}${how}${goal}:`);
  const numpy = theirs.length ? best(theirs, 'cpuMs') : null;
  if (numpy !== null) console.log(`    NumPy float64         ${fmt(best(theirs, 'ms'))} wall, ${fmt(numpy)} CPU  |  final cost ${theirs.at(-1)!.cost.toFixed(8)}`);
  for (const [k, ts] of ours) {
    const cpu = best(ts, 'cpuMs');
    const ratio = numpy === null ? '' : `  |  ${(cpu / numpy).toFixed(2)}× NumPy's CPU time (wall ${(best(ts, 'ms') / best(theirs, 'ms')).toFixed(2)}×)`;
    const met = numpy === null || target === null || k === 'reference' ? '' : cpu / numpy <= target ? '  target met' : '  target missed';
    console.log(`    ${label(k).padEnd(21)} ${fmt(best(ts, 'ms'))} wall, ${fmt(cpu)} CPU${ratio}  |  final cost ${ts.at(-1)!.cost.toFixed(8)}${met}`);
  }
  if (numpy === null) console.log('    (no ../shared/bench/reference_numpy.py: no NumPy baseline)');
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
  const fast = Math.min(...batched.slice(2));
  const slow = Math.min(...perPoint.slice(2));
  console.log(`  decision boundary, [2, 50, 50, 1] on a 200×200 grid (${net.kernels.name}): batched predict best ${fmt(fast)}  |  per-point predict ${fmt(slow)}  |  ratio ${(fast / slow).toFixed(3)}×`);
}

/** Best CPU time (ms) of one call of f, over `runs` runs of `reps` calls. */
function timeCall(f: () => void, reps: number, runs = 7): number {
  f();
  let b = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = cpuNow();
    for (let i = 0; i < reps; i++) f();
    b = Math.min(b, (cpuNow() - t0) / reps);
  }
  return b;
}

/** GFLOP/s of the register-only multiply-add loop: the most a kernel could do. */
function peak(variant: WasmVariant, t: 'f64' | 'f32'): number {
  const x = arenaFor(variant)[t];
  const rounds = 4_000_000;
  const ms = timeCall(() => x.peak(rounds), 1, 9);
  return (rounds * 12 * (t === 'f64' ? 2 : 4) * 2) / (ms * 1e6);
}

/**
 * The deep net's two large products alone, per variant and precision, in GFLOP/s
 * and as a share of WebAssembly SIMD's peak on this machine; in cache too (one
 * block of k, 256 rows of X), which separates the kernel from the cost of
 * streaming X (19.6 MiB in float64) from memory.
 *
 * The peak is the fused multiply-add loop's (relaxed), which runs at the FP
 * units' throughput. The mul + add loop is printed too, but its chains are bound
 * by the two latencies, so it understates what the baseline kernels can reach.
 */
function gemmAlone(): void {
  const variants = KERNELS.filter((k): k is WasmVariant => k === 'relaxed' || k === 'baseline');
  if (variants.length === 0) return;
  const loops = (t: 'f64' | 'f32') => ({ madd: supports('relaxed') ? peak('relaxed', t) : null, mulAdd: peak('baseline', t) });
  console.log("WebAssembly SIMD GEMM at the deep net's shapes, one core (best CPU time of 7), against WebAssembly SIMD's peak:");
  for (const t of ['f32', 'f64'] as const) {
    const { madd, mulAdd } = loops(t);
    const top = madd ?? mulAdd;
    console.log(
      `  ${t} peak ${top.toFixed(1)} GFLOP/s: register-only loop of ${madd === null ? 'mul + add (relaxed SIMD unavailable: an understatement)' : `relaxed_madd (mul + add loop: ${mulAdd.toFixed(1)}, latency-bound)`}`,
    );
    for (const variant of variants) {
      const arena = arenaFor(variant);
      const precision = t === 'f32' ? 'float32' : 'float64';
      const x = arena[t];
      const fill = (m: Matrix) => m.data.forEach((_, i) => (m.data[i] = Math.random() - 0.5));
      const X = arena.matrix(12288, 209, precision)!;
      const W = arena.matrix(20, 12288, precision)!;
      const Z = arena.matrix(20, 209, precision)!;
      const dW = arena.matrix(20, 12288, precision)!;
      [X, W, Z].forEach(fill);
      const flops = 2 * 20 * 209 * 12288;
      const nn = timeCall(() => x.gemm_nn(W.byteOffset, X.byteOffset, Z.byteOffset, 20, 209, 12288, 1, 1), 3);
      // W1·X + b as the trainer runs it: X packed once per run.
      const b = arena.matrix(20, 1, precision)!;
      const PX = arena.matrix(1, Math.ceil(x.packed_b_size(209, 12288) / X.data.BYTES_PER_ELEMENT), precision)!;
      x.pack_b_all(X.byteOffset, PX.byteOffset, 209, 12288);
      const nnPacked = timeCall(() => x.gemm_nn_bias(W.byteOffset, X.byteOffset, Z.byteOffset, 20, 209, 12288, 1, b.byteOffset, PX.byteOffset), 3);
      arena.dispose(PX);
      const nt = timeCall(() => x.gemm_nt(Z.byteOffset, X.byteOffset, dW.byteOffset, 20, 12288, 209, 1 / 209, 0), 3);
      // dZ1·Xᵀ as the trainer runs it: the NN product on Xᵀ packed once per run.
      const P = arena.matrix(1, Math.ceil(x.packed_b_size(12288, 209) / X.data.BYTES_PER_ELEMENT), precision)!;
      x.pack_bt_all(X.byteOffset, P.byteOffset, 12288, 209);
      const ntPacked = timeCall(() => x.gemm_nt_packed(Z.byteOffset, X.byteOffset, dW.byteOffset, 20, 12288, 209, 1 / 209, 0, P.byteOffset), 3);
      arena.dispose(P);
      // The same kernel on data that stays in cache: 256 rows of X, 48 times.
      const cached = timeCall(() => x.gemm_nn(W.byteOffset, X.byteOffset, Z.byteOffset, 20, 209, 256, 1, 1), 200) * 48;
      const g = (ms: number) => `${fmt(ms)} ${(flops / (ms * 1e6)).toFixed(1)} GFLOP/s = ${((100 * flops) / (ms * 1e6) / top).toFixed(0)}%`;
      console.log(`    ${variant.padEnd(8)} W1·X (20×12288·12288×209) ${g(nn)}, from X packed ${g(nnPacked)}  |  dZ1·Xᵀ (20×209·209×12288) ${g(nt)}, from Xᵀ packed ${g(ntPacked)}  |  W1·X with X in cache ${g(cached)}`);
      [X, W, Z, dW].forEach((m) => m.data.fill(0));
    }
  }
}

/** Best CPU time (µs) of one call of f, for phases of a few microseconds. */
const micro = (f: () => void) => timeCall(f, 2000, 5) * 1000;

/**
 * One iteration of each net, phase by phase, on the best WebAssembly kernels:
 * what the iteration's time is made of. The planar net's activations are timed on
 * the fresh net's values and on the trained net's (after 10000 iterations, what
 * most of a run sees: tanh_f64 takes a cheaper path for |z| ≥ 1).
 */
async function profile(): Promise<void> {
  const variant = KERNELS.find((k): k is WasmVariant => k === 'relaxed' || k === 'baseline');
  if (!variant) return;
  console.log(`profile of one iteration (wasm ${variant}, best CPU time per phase):`);
  {
    const { net, X: X0, Y: Y0 } = planar.build('float64', variant);
    const k = net.kernels;
    const X = net.resident(X0);
    const Y = net.resident(Y0);
    const ws = net.workspace(400);
    const [g, out] = [net.activations[0], net.output];
    const phases = () => {
      net.forward(X);
      const gemm =
        micro(() => k.dense(net.W[0], X, net.b[0], ws.Z[0])) +
        micro(() => k.dense(net.W[1], ws.A[0], net.b[1], ws.Z[1])) +
        micro(() => k.gemmNT(ws.dZ[1], ws.A[0], net.dW[1], 1 / 400)) +
        micro(() => k.backwardProduct(net.W[1], ws.dZ[1], g, ws.Z[0], ws.A[0], ws.dZ[0], 0)) +
        micro(() => k.gemmNT(ws.dZ[0], X, net.dW[0], 1 / 400));
      const tanh = micro(() => k.activationForward(g, ws.Z[0], ws.A[0], 0));
      const sigmoid = micro(() => k.outputForward(out, ws.Z[1], ws.A[1]));
      const other =
        micro(() => k.maxAbs(ws.Z[1])) +
        micro(() => k.outputBackward(out, ws.A[1], Y, ws.dZ[1])) +
        micro(() => k.sumRows(ws.dZ[1], net.db[1], 1 / 400)) +
        micro(() => k.sumRows(ws.dZ[0], net.db[0], 1 / 400));
      const params = net.parameters().map((p) => p.value);
      const grads = net.parameters().map((p) => p.grad);
      const spare = params.map((p) => net.allocate(p.rows, p.cols));
      const update = micro(() => k.optimizerStep('gd', params, grads, spare, [], [], 1.2, 1, DEFAULT_TRAIN_SETTINGS.optimizerSettings));
      const fwd = micro(() => net.forward(X));
      const bwd = micro(() => net.backward(X, Y));
      return { gemm, tanh, sigmoid, other, update, fwd, bwd };
    };
    const show = (when: string, p: ReturnType<typeof phases>) =>
      console.log(
        `  planar float64, ${when}: forward ${p.fwd.toFixed(2)} µs + backward ${p.bwd.toFixed(2)} µs + update ${p.update.toFixed(2)} µs; of which the 5 GEMMs ` +
          `(the biases in the forward ones, tanh' in W2ᵀ·dZ2's) ${p.gemm.toFixed(2)} µs, tanh (4×400) ${p.tanh.toFixed(2)} µs, output sigmoid (1×400) ${p.sigmoid.toFixed(2)} µs, ` +
          `max |z|, A − Y, sums ${p.other.toFixed(2)} µs; the trainer makes up the rest of an iteration`,
      );
    show('fresh', phases());
    await train(net, { X, Y }, { ...DEFAULT_TRAIN_SETTINGS, learningRate: 1.2, schedule: { iterations: planar.iterations }, logEvery: planar.iterations });
    show(`trained ${planar.iterations} iterations`, phases());
  }
  for (const precision of ['float64', 'float32'] as const) {
    const { net, X: X0, Y: Y0 } = deep.build(precision, variant);
    const k = net.kernels;
    const X = net.resident(X0);
    const Y = net.resident(Y0);
    const ws = net.workspace(209);
    const ms = (f: () => void) => timeCall(f, 5, 5);
    const packed = k.packB(X, 20);
    const packedT = k.packBT(X, 20);
    net.packInput(X);
    const fwd = ms(() => net.forward(X));
    const bwd = ms(() => net.backward(X, Y));
    const nn = ms(() => k.dense(net.W[0], X, net.b[0], ws.Z[0], packed));
    const nnPacking = ms(() => k.dense(net.W[0], X, net.b[0], ws.Z[0]));
    const ntPacked = ms(() => k.gemmNT(ws.dZ[0], X, net.dW[0], 1 / 209, 0, packedT));
    const nt = ms(() => k.gemmNT(ws.dZ[0], X, net.dW[0], 1 / 209));
    const params = net.parameters().map((p) => p.value);
    const grads = net.parameters().map((p) => p.grad);
    const out = params.map((p) => net.allocate(p.rows, p.cols));
    const update = ms(() => k.optimizerStep('gd', params, grads, out, [], [], 0.0075, 1, DEFAULT_TRAIN_SETTINGS.optimizerSettings));
    const t = precision === 'float64' ? 'f64' : 'f32';
    const arena = k.arena!;
    const cached = timeCall(() => arena[t].gemm_nn(net.W[0].byteOffset, X.byteOffset, ws.Z[0].byteOffset, 20, 209, 256, 1, 1), 50, 5) * 48;
    net.packInput(null);
    console.log(
      `  deep ${precision}: forward ${fmt(fwd)} (W1·X + b ${fmt(nn)} with X packed once per run, ${fmt(nnPacking)} packing it) + backward ${fmt(bwd)} (dZ1·Xᵀ ${fmt(ntPacked)} with Xᵀ packed once per run, ${fmt(nt)} as dot products along X's rows) + update ${fmt(update)}; ` +
        `W1·X with X in cache would take ${fmt(cached)}: about ${fmt(Math.max(0, nn - cached))} of W1·X and ${fmt(Math.max(0, ntPacked - cached))} of dZ1·Xᵀ is streaming X ` +
        `(${((12288 * 209 * (precision === 'float64' ? 8 : 4)) / 2 ** 20).toFixed(1)} MiB) from memory, which WebAssembly cannot prefetch`,
    );
  }
}

/** NumPy's GEMM at the same shapes, for context (reference_numpy.py gemm). */
function numpyGemm(): void {
  if (!existsSync(REFERENCE)) return;
  try {
    const out = execFileSync('python3', [REFERENCE, 'gemm'], { env: numpyEnv(), encoding: 'utf8', maxBuffer: 64 << 20 });
    const lines = out.split('\n').filter((l) => /^(float64|float32)\s/.test(l));
    console.log('NumPy (OpenBLAS, one thread, its own kernel for this processor) at the same shapes:');
    for (const l of lines) console.log(`  ${l.trim()}`);
  } catch (error) {
    console.log(`  (NumPy GEMM failed: ${(error as Error).message.split('\n')[0]})`);
  }
}

export async function run(): Promise<void> {
  const skipped = WANTED.filter((k) => !KERNELS.includes(k));
  console.log(`core kernels measured: ${KERNELS.map(label).join(', ')}${skipped.length ? ` (not available here: ${skipped.join(', ')})` : ''}; networks default to ${kernelsFor().name}`);
  boundaryGrid();
  gemmAlone();
  numpyGemm();
  await profile();
  console.log(`training loop time per iteration, ${REPEATS} alternating runs each (NumPy: single thread; dA0 skipped on both sides for the deep net)`);
  console.log('  (Layerlab computes the cost at recorded steps and proves it finite in between; the course computes it every step)');
  await compare(planar, 'float64', TARGETS.planar);
  await compare(planar, 'float64', null, true);
  await compare(deep, 'float64', TARGETS.deep.float64);
  await compare(deep, 'float32', TARGETS.deep.float32);
}
