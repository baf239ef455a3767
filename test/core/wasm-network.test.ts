/**
 * The network and the trainer on the WebAssembly kernels against the same on the
 * TypeScript reference kernels: forward and backward passes for every activation,
 * output, precision and dropout, whole training runs (full batch, mini-batches,
 * every optimizer), and the arena's behaviour around them (growth while training,
 * inputs outside the arena, bad shapes).
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES, type ActivationName } from '../../src-core/activations';
import { Matrix, type Precision, ShapeError } from '../../src-core/matrix';
import { Network, sliceColumns } from '../../src-core/network';
import type { OutputName } from '../../src-core/outputs';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings, train } from '../../src-core/train';
import { activeKernels, arenaFor, kernelsFor, supports, useKernels } from '../../src-core/wasm/engine';
import { expectClose } from '../helpers/fixtures';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

function randomMatrix(rows: number, cols: number, next: () => number, precision: Precision = 'float64'): Matrix {
  return Matrix.from(rows, cols, Array.from({ length: rows * cols }, next), precision);
}

/** The same network twice: on the WebAssembly kernels and on the reference. */
function twins(sizes: number[], activation: ActivationName, output: OutputName, precision: Precision, seed: number) {
  const next = lcg(seed);
  const arch = { sizes, activations: sizes.slice(2).map(() => activation), output, precision, leakySlope: 0.05 };
  const wasm = new Network(arch);
  const reference = new Network(arch, { kernels: 'reference' });
  const W = wasm.W.map((w) => randomMatrix(w.rows, w.cols, () => next() / Math.sqrt(w.cols), precision));
  const b = wasm.b.map((v) => randomMatrix(v.rows, 1, () => 0.1 * next(), precision));
  wasm.setParameters(W, b);
  reference.setParameters(W, b);
  return { wasm, reference };
}

function targets(output: OutputName, rows: number, m: number, next: () => number, precision: Precision): Matrix {
  const Y = Matrix.zeros(rows, m, precision);
  for (let j = 0; j < m; j++) {
    if (output === 'softmax') Y.set(Math.floor(((next() + 1) / 2) * rows) % rows, j, 1);
    else for (let i = 0; i < rows; i++) Y.set(i, j, output === 'sigmoid' ? (next() > 0 ? 1 : 0) : next());
  }
  return Y;
}

const wasmVariant = activeKernels();

describe('the kernels a network gets', () => {
  it('are WebAssembly by default where SIMD validates', () => {
    expect(supports('baseline')).toBe(true);
    expect(wasmVariant).not.toBe('reference');
    const net = new Network({ sizes: [2, 3, 1], activations: ['tanh'], output: 'sigmoid' });
    expect(net.kernels.name).toBe(`wasm-${wasmVariant}`);
    expect(net.W[0].memory).toBe(net.kernels.arena);
  });

  it('can be forced to the TypeScript reference, per network or for the process', () => {
    const net = new Network({ sizes: [2, 3, 1], activations: ['tanh'], output: 'sigmoid' }, { kernels: 'reference' });
    expect(net.kernels.name).toBe('reference');
    expect(net.W[0].memory).toBeNull();
    useKernels('reference');
    try {
      expect(new Network({ sizes: [2, 1], activations: [], output: 'sigmoid' }).kernels.name).toBe('reference');
    } finally {
      useKernels('auto');
    }
    expect(new Network({ sizes: [2, 1], activations: [], output: 'sigmoid' }).kernels.name).toBe(`wasm-${wasmVariant}`);
  });

  it('refuses kernels it does not know, naming the choices', () => {
    expect(() => useKernels('fast' as never)).toThrow('unknown kernels "fast": expected one of auto, relaxed, baseline, reference');
    expect(() => new Network({ sizes: [2, 1], activations: [], output: 'sigmoid' }, { kernels: 'gpu' as never })).toThrow(/unknown kernels "gpu"/);
    expect(activeKernels()).toBe(wasmVariant);
  });

  it('refuses a variant the runtime cannot run, saying why', () => {
    if (supports('relaxed')) return;
    expect(() => useKernels('relaxed')).toThrow(/relaxed SIMD is off/);
    expect(activeKernels()).toBe(wasmVariant);
  });
});

describe('forward and backward on WebAssembly against the reference', () => {
  const outputs: OutputName[] = ['sigmoid', 'softmax', 'linear'];
  for (const precision of ['float64', 'float32'] as const) {
    for (const activation of ACTIVATION_NAMES) {
      it(`${activation} hidden layers, every output, ${precision}, with dropout and L2`, () => {
        outputs.forEach((output, o) => {
          const next = lcg(100 + o);
          const sizes = [5, 9, 6, output === 'softmax' ? 3 : 2];
          const { wasm, reference } = twins(sizes, activation, output, precision, 7 + o);
          const m = 37;
          const X = randomMatrix(5, m, next, precision);
          const Y = targets(output, sizes.at(-1)!, m, next, precision);
          const masks = [randomMatrix(9, m, () => (next() > -0.6 ? 1 : 0)), randomMatrix(6, m, () => (next() > -0.6 ? 1 : 0))];
          const options = { keepProb: [0.8, 0.8], masks };
          const tol = precision === 'float64' ? 1e-12 : 2e-5;
          expectClose(wasm.forward(X, options).data, reference.forward(X, options).data, tol, `${output} A`);
          expectClose([wasm.cost(Y, 0.3)], [reference.cost(Y, 0.3)], tol, `${output} cost`);
          wasm.backward(X, Y, 0.3);
          reference.backward(X, Y, 0.3);
          wasm.parameters().forEach((p, i) => expectClose(p.grad.data, reference.parameters()[i].grad.data, tol, `${output} d${p.name}`));
        });
      });
    }
  }

  it('gives every column the same result however the columns are batched, for every activation', () => {
    // A value's result must not depend on its neighbours (vector lanes, tails):
    // predict in batches must equal one forward pass (test/core/network.test.ts).
    // Every layer is compared, since an ulp in a hidden layer often rounds away.
    for (const precision of ['float64', 'float32'] as const) {
      for (const activation of ACTIVATION_NAMES) {
        const { wasm } = twins([3, 7, 1], activation, 'sigmoid', precision, 11);
        const next = lcg(13);
        // Mostly moderate inputs, every seventh column saturating.
        const X = randomMatrix(3, 61, () => 1.5 * next(), precision);
        for (let j = 0; j < 61; j += 7) for (let i = 0; i < 3; i++) X.set(i, j, 30 * next());
        wasm.forward(X);
        const whole = wasm.workspace(61).A.map((A) => A.toRows());
        for (const batch of [1, 2, 3, 5, 8]) {
          for (let start = 0; start < 61; start += batch) {
            const end = Math.min(61, start + batch);
            wasm.forward(sliceColumns(X, start, end));
            wasm.workspace(end - start).A.forEach((A, l) => {
              const expected = whole[l].map((row) => row.slice(start, end));
              expect(A.toRows(), `${activation} ${precision}, layer ${l + 1}, columns ${start}…${end - 1}`).toEqual(expected);
            });
          }
        }
      }
    }
  });

  it('takes inputs that are not in its memory, in either precision, and predicts in batches', () => {
    const { wasm, reference } = twins([3, 8, 1], 'tanh', 'sigmoid', 'float32', 5);
    const next = lcg(9);
    const X64 = randomMatrix(3, 50, next); // float64 data for a float32 network
    expectClose(wasm.forward(X64).data, reference.forward(X64.as('float32')).data, 1e-6);
    expectClose(wasm.predict(X64, 16).data, reference.predict(X64.as('float32'), 16).data, 1e-6);
    // The predictions are ordinary arrays, transferable between threads.
    expect(wasm.predict(X64).memory).toBeNull();
  });

  it('throws ShapeErrors for wrong shapes, before any pointer reaches WebAssembly', () => {
    const k = kernelsFor();
    const arena = k.arena!;
    const A = arena.matrix(3, 4, 'float64')!;
    const B = arena.matrix(5, 2, 'float64')!;
    const C = arena.matrix(3, 2, 'float64')!;
    expect(() => k.gemmNN(A, B, C)).toThrow(ShapeError);
    expect(() => k.gemmNT(A, B, C)).toThrow(/cannot multiply \(3, 4\) by \(5, 2\) into \(3, 2\)/);
    expect(() => k.gemmTN(A, B, C)).toThrow(ShapeError);
    expect(() => k.multiply(A, B, C)).toThrow(ShapeError);
    expect(() => k.axpy(1, A, C)).toThrow(ShapeError);
  });
});

describe('training on WebAssembly against the reference', () => {
  const base: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, learningRate: 0.5, schedule: { iterations: 60 }, logEvery: 20 };

  async function both(settings: TrainSettings, precision: Precision, onWasmProgress?: () => void) {
    const { wasm, reference } = twins([4, 12, 6, 1], 'relu', 'sigmoid', precision, 21);
    const next = lcg(3);
    const X = randomMatrix(4, 150, next, precision);
    const Y = targets('sigmoid', 1, 150, next, precision);
    const Xtest = randomMatrix(4, 40, next, precision);
    const Ytest = targets('sigmoid', 1, 40, next, precision);
    const data = { X, Y, Xtest, Ytest };
    const a = await train(wasm, data, settings, onWasmProgress ? { onProgress: onWasmProgress } : {});
    const b = await train(reference, data, settings);
    return { a, b, wasm, reference };
  }

  for (const optimizer of ['gd', 'momentum', 'rmsprop', 'adam'] as const) {
    it(`${optimizer}, full batch and mini-batches, float64: the same history and parameters`, async () => {
      for (const schedule of [{ iterations: 60 }, { epochs: 4, batchSize: 32 }]) {
        const settings = { ...base, optimizer, learningRate: optimizer === 'gd' ? 0.5 : 0.01, schedule, logEvery: 2 };
        const { a, b, wasm, reference } = await both(settings, 'float64');
        expect(a.status).toBe(b.status);
        expect(a.history.length).toBe(b.history.length);
        a.history.forEach((h, i) => {
          expectClose([h.cost, h.test_cost!], [b.history[i].cost, b.history[i].test_cost!], 1e-10, `${optimizer} step ${h.iteration}`);
          expect(h.train_accuracy).toBe(b.history[i].train_accuracy);
        });
        wasm.parameters().forEach((p, i) => expectClose(p.value.data, reference.parameters()[i].value.data, 1e-10, p.name));
      }
    });
  }

  it('packs a full batch once for the first product where the kernels pack it, with the same results', async () => {
    for (const precision of ['float64', 'float32'] as const) {
      // 300 inputs × 40 examples into 8 units: a product the GEMM packs B for.
      const { wasm, reference } = twins([300, 8, 3, 1], 'tanh', 'sigmoid', precision, 31);
      const next = lcg(5);
      const X = wasm.resident(randomMatrix(300, 40, next, precision));
      const Y = targets('sigmoid', 1, 40, next, precision);
      expect(wasm.kernels.packB(X, 8), 'this shape packs X').not.toBeNull();
      expect(wasm.kernels.packBT(X, 8), 'this shape packs Xᵀ for dW1').not.toBeNull();
      const plain = Float64Array.from(wasm.forward(X).data);
      wasm.backward(X, Y);
      const grads = wasm.parameters().map((p) => Float64Array.from(p.grad.data));
      wasm.packInput(X);
      expect(Array.from(wasm.forward(X).data)).toEqual(Array.from(plain));
      // dW1 from Xᵀ packed: the NN product's summation order, so close, not bit for bit;
      // the other gradients do not depend on it.
      wasm.backward(X, Y);
      reference.forward(X);
      reference.backward(X, Y);
      wasm.parameters().forEach((p, i) => {
        if (i === 0) expectClose(p.grad.data, reference.parameters()[0].grad.data, precision === 'float64' ? 1e-12 : 1e-5, `${precision} dW1, Xᵀ packed`);
        else expect(Array.from(p.grad.data), `${precision} ${p.name}`).toEqual(Array.from(grads[i]));
      });
      wasm.packInput(null);
      const settings = { ...base, schedule: { iterations: 30 }, logEvery: 5 };
      const [a, b] = [await train(wasm, { X, Y }, settings), await train(reference, { X, Y }, settings)];
      const tol = precision === 'float64' ? 1e-10 : 1e-4;
      a.history.forEach((h, i) => expectClose([h.cost], [b.history[i].cost], tol, `${precision} step ${h.iteration}`));
      wasm.parameters().forEach((p, i) => expectClose(p.value.data, reference.parameters()[i].value.data, tol, `${precision} ${p.name}`));
      // The packed copy lives for the run only, also when the run ends by throwing: X may change after.
      const failing = train(wasm, { X, Y }, { ...settings, schedule: { iterations: 3 } }, { onProgress: () => { throw new Error('hook failed'); }, progressEvery: 1 });
      await expect(failing).rejects.toThrow('hook failed');
      X.data[7] += 0.5;
      wasm.setParameters(reference.W, reference.b);
      expectClose(wasm.forward(X).data, reference.forward(X).data, tol, `${precision} forward after X changed`);
    }
  });

  it('float32, with dropout: close to the reference', async () => {
    const settings = { ...base, keepProb: [0.9, 0.9], optimizer: 'adam' as const, learningRate: 0.01 };
    const { a, b } = await both(settings, 'float32');
    a.history.forEach((h, i) => expectClose([h.cost], [b.history[i].cost], 1e-4, `step ${h.iteration}`));
  });

  it('keeps training correctly when the memory grows under it (views re-read, nothing lost)', async () => {
    const arena = kernelsFor().arena!;
    const grown: number[] = [];
    const hold: Matrix[] = [];
    const { a, b, wasm, reference } = await both({ ...base, optimizer: 'adam', learningRate: 0.01, logEvery: 5 }, 'float64', () => {
      // Force growth between steps (three times), as a boundary preview in a
      // progress callback might: ask for more than is free.
      if (grown.length >= 3) return;
      const before = arena.generation;
      hold.push(arena.matrix(1, Math.ceil((arena.bytes - arena.bytesInUse) / 8) + 8, 'float64')!);
      grown.push(arena.generation - before);
    });
    expect(grown.some((g) => g > 0)).toBe(true);
    a.history.forEach((h, i) => expectClose([h.cost], [b.history[i].cost], 1e-10, `step ${h.iteration}`));
    wasm.parameters().forEach((p, i) => expectClose(p.value.data, reference.parameters()[i].value.data, 1e-10, p.name));
    hold.length = 0;
  });
});

describe('the arena', () => {
  it('re-creates a matrix view after the memory grows', () => {
    const arena = arenaFor(wasmVariant === 'reference' ? 'baseline' : wasmVariant);
    const m = arena.matrix(3, 3, 'float32')!;
    m.data.set([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const old = m.data;
    const before = arena.generation;
    const big = arena.matrix(1, (arena.bytes / 4) | 0, 'float32');
    expect(big).not.toBeNull();
    expect(arena.generation).toBeGreaterThan(before);
    expect(old.length).toBe(0); // detached by the growth
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(m.size).toBe(9);
  });

  it('hands out zeroed, non-overlapping, cache-line-aligned regions', () => {
    const arena = kernelsFor().arena!;
    const ms = [1, 7, 64, 3, 1000].map((n) => arena.matrix(1, n, 'float64')!);
    ms.forEach((m) => {
      expect(m.data.byteOffset % 64).toBe(0);
      expect(m.data.every((v) => v === 0)).toBe(true);
      m.data.fill(m.size);
    });
    ms.forEach((m) => expect(m.data.every((v) => v === m.size)).toBe(true));
  });

  it('takes a region back at once on dispose, once, and only its own', () => {
    const arena = kernelsFor().arena!;
    const inUse = arena.bytesInUse;
    const m = arena.matrix(100, 100, 'float64')!;
    m.data.fill(3);
    expect(arena.bytesInUse).toBe(inUse + 80000);
    arena.dispose(m);
    expect(arena.bytesInUse).toBe(inUse);
    arena.dispose(m); // a second dispose changes nothing
    arena.dispose(Matrix.zeros(100, 100)); // nor one of a matrix outside the arena
    expect(arena.bytesInUse).toBe(inUse);
    // The region is reused, zeroed, by the next matrix that fits it.
    const again = arena.matrix(100, 100, 'float64')!;
    expect(again.byteOffset).toBe(m.byteOffset);
    expect(again.data.every((v) => v === 0)).toBe(true);
  });

  it('gets the copies a training run made of its data back when the run ends', async () => {
    const arena = kernelsFor().arena!;
    const net = new Network({ sizes: [300, 8, 1], activations: ['relu'], output: 'sigmoid' });
    const next = lcg(9);
    const X = randomMatrix(300, 40, next);
    const Y = targets('sigmoid', 1, 40, next, 'float64');
    const settings = { ...DEFAULT_TRAIN_SETTINGS, learningRate: 0.1, schedule: { iterations: 3 }, logEvery: 1 };
    await train(net, { X, Y }, settings); // the workspaces and the trainer's own buffers, once
    const inUse = arena.bytesInUse;
    await train(net, { X, Y }, settings);
    // X, Y and X packed were copied in and given back; what stays is the run's small
    // buffers (spare parameters, optimizer state), until they are collected.
    expect(arena.bytesInUse - inUse).toBeLessThan(2 * 300 * 8 * 8 + 4096);
  });

  it('says when it cannot grow (the caller then uses an ordinary matrix), and stays usable', () => {
    const arena = kernelsFor().arena!;
    const { generation, bytes } = arena;
    expect(arena.matrix(70000, 70000, 'float64')).toBeNull(); // 39 GB > 4 GiB
    expect([arena.generation, arena.bytes]).toEqual([generation, bytes]);
    expect(arena.matrix(2, 2, 'float64')).not.toBeNull();
  });
});
