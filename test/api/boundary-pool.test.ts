/**
 * The boundary workers (src-main/api/boundary-pool.ts): the grid cut by rows between
 * worker threads and joined must be the single-thread boundaryGrid bit for bit (which
 * boundary.test.ts checks against a forward pass written out with Math.tanh); networks are
 * sent once per key; a worker that dies is replaced and its part tried once more; many
 * requests at once each get their own picture; bad requests fail with a message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Matrix } from '../../src-core/matrix';
import { Network } from '../../src-core/network';
import { IDENTITY_PREPROCESSING, type Preprocessing } from '../../src-core/preprocess';
import { boundaryGrid } from '../../src-main/api/boundary';
import { BoundaryPool } from '../../src-main/api/boundary-pool';

/** A network with parameters from a fixed sequence (no RNG of ours); `seed` varies them. */
function net(sizes: number[], output: 'sigmoid' | 'softmax' = 'sigmoid', seed = 1, activation: 'tanh' | 'relu' = 'tanh'): Network {
  const network = new Network({ sizes, activations: sizes.slice(2).map(() => activation), output });
  let t = seed * 1000;
  const next = () => Math.sin(++t * 12.9898) * 0.9;
  network.setParameters(
    network.W.map((W) => Matrix.from(W.rows, W.cols, Array.from({ length: W.rows * W.cols }, next))),
    network.b.map((b) => Matrix.from(b.rows, 1, Array.from({ length: b.rows }, () => next() * 0.2))),
  );
  return network;
}

const bounds = { x0: -4, x1: 4, y0: -3, y1: 5 };
const standardized = { scale: 2, standardize: { mean: [0.5, -1], std: [2, 3] } } as unknown as Preprocessing;

/** The index of the first value that differs in bits, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

const pools: BoundaryPool[] = [];
function pool(workers = 2, workerUrl?: URL): BoundaryPool {
  const p = new BoundaryPool({ workers, workerUrl });
  pools.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('the boundary pool', () => {
  it('joins the workers’ rows into the single-thread picture, bit for bit', async () => {
    const two = pool(2), three = pool(3);
    const cases = [
      { network: net([2, 50, 50, 1]), grid: 200, preprocessing: IDENTITY_PREPROCESSING },
      { network: net([2, 50, 50, 1], 'sigmoid', 2), grid: 37, preprocessing: standardized },
      { network: net([2, 16, 3], 'softmax', 3, 'relu'), grid: 101, preprocessing: standardized },
      { network: net([2, 4, 1], 'sigmoid', 4), grid: 2, preprocessing: IDENTITY_PREPROCESSING },
    ];
    for (const [k, c] of cases.entries()) {
      const expected = boundaryGrid(c.network, c.grid, bounds, c.preprocessing);
      for (const p of [two, three]) {
        const got = await p.grid({ key: `case ${k}`, network: c.network, grid: c.grid, bounds, preprocessing: c.preprocessing });
        expect(got.grid).toBe(c.grid);
        expect(got.bounds).toEqual(bounds);
        expect(got.classes).toBe(expected.classes);
        expect(got.probs.length).toBe(expected.probs.length);
        expect(firstDifference(got.probs, expected.probs), `case ${k}, ${p.size} workers`).toBe(-1);
      }
    }
    // The softmax case has three planes of G·G; every value is a probability.
    const soft = await two.grid({ key: 'case 2', network: cases[2].network, grid: 101, bounds, preprocessing: standardized });
    expect(soft.classes).toBe(3);
    expect(soft.probs.length).toBe(3 * 101 * 101);
    for (let i = 0; i < 101 * 101; i += 97) expect(soft.probs[i] + soft.probs[101 * 101 + i] + soft.probs[2 * 101 * 101 + i]).toBeCloseTo(1, 5);
  });

  it('sends a network once per key to each worker, then reuses it', async () => {
    const p = pool(2);
    const network = net([2, 50, 50, 1]);
    let asked = 0;
    const source = () => {
      asked++;
      return network;
    };
    const first = await p.grid({ key: 'run-a@10', network: source, grid: 60, bounds, preprocessing: IDENTITY_PREPROCESSING });
    expect(asked).toBe(1); // one copy serves both workers
    const again = await p.grid({ key: 'run-a@10', network: source, grid: 60, bounds, preprocessing: IDENTITY_PREPROCESSING });
    expect(asked).toBe(1);
    expect(firstDifference(again.probs, first.probs)).toBe(-1);
    // Another grid size over the same network: still not sent again.
    const bigger = await p.grid({ key: 'run-a@10', network: source, grid: 80, bounds, preprocessing: IDENTITY_PREPROCESSING });
    expect(asked).toBe(1);
    expect(firstDifference(bigger.probs, boundaryGrid(network, 80, bounds, IDENTITY_PREPROCESSING).probs)).toBe(-1);
    // A new key is a new network.
    const other = net([2, 50, 50, 1], 'sigmoid', 9);
    const b = await p.grid({ key: 'run-a@20', network: other, grid: 60, bounds, preprocessing: IDENTITY_PREPROCESSING });
    expect(firstDifference(b.probs, boundaryGrid(other, 60, bounds, IDENTITY_PREPROCESSING).probs)).toBe(-1);
    // After more keys than a worker keeps (32), the first must be sent again.
    for (let k = 0; k < 33; k++) await p.grid({ key: `filler ${k}`, network: other, grid: 4, bounds, preprocessing: IDENTITY_PREPROCESSING });
    const late = await p.grid({ key: 'run-a@10', network: source, grid: 60, bounds, preprocessing: IDENTITY_PREPROCESSING });
    expect(asked).toBe(2);
    expect(firstDifference(late.probs, first.probs)).toBe(-1);
    expect(p.started).toBe(2);
  });

  it('answers many requests at once, each with its own picture', async () => {
    const p = pool(2);
    const networks = Array.from({ length: 6 }, (_, k) => net([2, 20, 20, 1], 'sigmoid', 20 + k));
    const asks = Array.from({ length: 30 }, (_, i) => ({ network: networks[i % 6], key: `n${i % 6}`, grid: 20 + (i % 7) * 13 }));
    const answers = await Promise.all(asks.map((a) => p.grid({ ...a, bounds, preprocessing: standardized })));
    answers.forEach((got, i) => {
      const expected = boundaryGrid(asks[i].network, asks[i].grid, bounds, standardized);
      expect(firstDifference(got.probs, expected.probs), `request ${i}`).toBe(-1);
    });
  });

  describe('with workers that die', () => {
    const dir = mkdtempSync(join(tmpdir(), 'layerlab-boundary-pool-'));
    const crashing = new URL('./boundary-crash-worker.mjs', import.meta.url);
    afterAll(() => {
      delete process.env.LAYERLAB_TEST_CRASH_MARKER;
      rmSync(dir, { recursive: true, force: true });
    });

    it('replaces a worker that dies and tries its part once more', async () => {
      process.env.LAYERLAB_TEST_CRASH_MARKER = join(dir, 'crashed-once');
      const p = pool(2, crashing);
      const network = net([2, 50, 50, 1]);
      const got = await p.grid({ key: 'crash-once', network, grid: 50, bounds, preprocessing: IDENTITY_PREPROCESSING });
      expect(firstDifference(got.probs, boundaryGrid(network, 50, bounds, IDENTITY_PREPROCESSING).probs)).toBe(-1);
      expect(p.started).toBeGreaterThanOrEqual(3);
    });

    it('fails a request whose part kills its worker twice, with a message, and goes on', async () => {
      const p = pool(2, crashing);
      const network = net([2, 8, 1]);
      await expect(p.grid({ key: 'crash-always', network, grid: 50, bounds, preprocessing: IDENTITY_PREPROCESSING })).rejects.toThrow(
        /the boundary worker exited with code 7 twice while computing the boundary of crash-always/,
      );
      const got = await p.grid({ key: 'fine', network, grid: 50, bounds, preprocessing: IDENTITY_PREPROCESSING });
      expect(firstDifference(got.probs, boundaryGrid(network, 50, bounds, IDENTITY_PREPROCESSING).probs)).toBe(-1);
    });
  });

  it('ends a worker that does not answer in time, as one that died, and goes on', async () => {
    const crashing = new URL('./boundary-crash-worker.mjs', import.meta.url);
    const p = new BoundaryPool({ workers: 1, workerUrl: crashing, answerTimeoutMs: 300 });
    pools.push(p);
    const network = net([2, 8, 1]);
    const expected = boundaryGrid(network, 20, bounds, IDENTITY_PREPROCESSING).probs;
    // Loaded first: a part's time runs from the worker's 'ready', not from its start.
    expect(firstDifference((await p.grid({ key: 'fine', network, grid: 20, bounds, preprocessing: IDENTITY_PREPROCESSING })).probs, expected)).toBe(-1);
    await expect(p.grid({ key: 'hang-always', network, grid: 20, bounds, preprocessing: IDENTITY_PREPROCESSING })).rejects.toThrow(
      /the boundary worker did not answer within 0.3 s twice while computing the boundary of hang-always/,
    );
    expect(p.started).toBe(2);
    // A third worker takes the next request; it loads (seconds, from the sources) past the
    // 300 ms, which is not held against it: only answers are timed.
    expect(firstDifference((await p.grid({ key: 'fine', network, grid: 20, bounds, preprocessing: IDENTITY_PREPROCESSING })).probs, expected)).toBe(-1);
    expect(p.started).toBe(3);
  }, 60_000);

  it('refuses bad requests with a message naming what is wrong', async () => {
    const p = pool(2);
    const network = net([2, 4, 1]);
    const ok = { key: 'k', network, grid: 10, bounds, preprocessing: IDENTITY_PREPROCESSING };
    await expect(p.grid({ ...ok, grid: 1 })).rejects.toThrow('grid must be a whole number from 2 to 400; got 1');
    await expect(p.grid({ ...ok, grid: 401 })).rejects.toThrow('got 401');
    await expect(p.grid({ ...ok, grid: 10.5 })).rejects.toThrow('got 10.5');
    await expect(p.grid({ ...ok, bounds: { ...bounds, x1: Number.NaN } })).rejects.toThrow('bounds must be four finite numbers');
    await expect(p.grid({ ...ok, bounds: { ...bounds, y1: -5 } })).rejects.toThrow('bounds must have x1 > x0 and y1 > y0');
    await expect(p.grid({ ...ok, key: '' })).rejects.toThrow('needs a key');
    await expect(p.grid({ ...ok, key: 'three inputs', network: net([3, 4, 1]) })).rejects.toThrow('a decision boundary needs 2 inputs; this network has 3');
    await expect(
      p.grid({
        ...ok,
        key: 'unloadable',
        network: () => {
          throw new Error('the weights of run r1 are not JSON');
        },
      }),
    ).rejects.toThrow('the weights of run r1 are not JSON');
    expect(() => new BoundaryPool({ workers: 0 })).toThrow('a boundary pool needs 1 to 16 workers; got 0');
    // The pool still works after all that.
    const got = await p.grid(ok);
    expect(firstDifference(got.probs, boundaryGrid(network, 10, bounds, IDENTITY_PREPROCESSING).probs)).toBe(-1);
  });

  it('starts its workers ahead of the first picture when asked to', async () => {
    const p = pool(2);
    expect(p.started).toBe(0);
    p.warm();
    expect(p.started).toBe(2);
    p.warm();
    expect(p.started).toBe(2);
    const network = net([2, 50, 50, 1]);
    const got = await p.grid({ key: 'after warm-up', network, grid: 64, bounds, preprocessing: standardized });
    expect(firstDifference(got.probs, boundaryGrid(network, 64, bounds, standardized).probs)).toBe(-1);
  });

  it('fails what is waiting when it closes, and everything after', async () => {
    const p = new BoundaryPool({ workers: 2 });
    const waiting = expect(p.grid({ key: 'k', network: net([2, 50, 50, 1]), grid: 300, bounds, preprocessing: IDENTITY_PREPROCESSING })).rejects.toThrow(
      'the boundary workers were shut down',
    );
    await p.close();
    await waiting;
    await expect(p.grid({ key: 'k', network: net([2, 4, 1]), grid: 10, bounds, preprocessing: IDENTITY_PREPROCESSING })).rejects.toThrow('shut down');
  });
});
