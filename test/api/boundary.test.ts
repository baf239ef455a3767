/**
 * The decision-boundary pipeline (src-main/api/boundary.ts): the float32 grid must be the
 * picture of the float64 network (checked against a forward pass written out here with
 * Math.tanh, not the core's kernels), the grid's cells must sit where the canvas draws
 * them, and what is built once is reused.
 */
import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src-core/matrix';
import { Network } from '../../src-core/network';
import { IDENTITY_PREPROCESSING, type Preprocessing } from '../../src-core/preprocess';
import { batchSize, boundaryGrid, boundaryNetwork, cachedGridInputs, gridInputs } from '../../src-main/api/boundary';

/** A [2, 50, 50, 1] tanh net with parameters from a fixed sequence (no RNG of ours). */
function net(): Network {
  const network = new Network({ sizes: [2, 50, 50, 1], activations: ['tanh', 'tanh'], output: 'sigmoid' });
  let t = 0;
  const next = () => Math.sin(++t * 12.9898) * 0.9;
  network.setParameters(
    network.W.map((W) => Matrix.from(W.rows, W.cols, Array.from({ length: W.rows * W.cols }, next))),
    network.b.map((b) => Matrix.from(b.rows, 1, Array.from({ length: b.rows }, () => next() * 0.2))),
  );
  return network;
}

/** P(class 1) at one input, by the course's formulas in plain float64 arithmetic. */
function reference(network: Network, x: number, y: number): number {
  let a = [x, y];
  network.W.forEach((W, l) => {
    const z = Array.from({ length: W.rows }, (_, i) => {
      let s = network.b[l].data[i];
      for (let k = 0; k < W.cols; k++) s += W.data[i * W.cols + k] * a[k];
      return s;
    });
    a = l === network.W.length - 1 ? z.map((v) => 1 / (1 + Math.exp(-v))) : z.map(Math.tanh);
  });
  return a[0];
}

const plain = IDENTITY_PREPROCESSING;
const bounds = { x0: -4, x1: 4, y0: -3, y1: 5 };

describe('the boundary grid', () => {
  it('is the float64 network’s picture, computed in float32 in batches', () => {
    const network = net();
    const G = 200;
    const g = boundaryGrid(network, G, bounds, plain);
    expect(g.probs).toBeInstanceOf(Float32Array);
    expect(g.probs.length).toBe(G * G);
    expect(g.classes).toBe(2);
    let worst = 0;
    let sameShade = 0;
    let checked = 0;
    for (let i = 0; i < G; i += 7) {
      for (let j = 0; j < G; j += 5) {
        const x = bounds.x0 + ((j + 0.5) * (bounds.x1 - bounds.x0)) / G;
        const y = bounds.y1 - ((i + 0.5) * (bounds.y1 - bounds.y0)) / G;
        const p = reference(network, x, y);
        const q = g.probs[i * G + j];
        worst = Math.max(worst, Math.abs(p - q));
        if (Math.round(p * 255) === Math.round(q * 255)) sameShade++;
        checked++;
      }
    }
    expect(worst).toBeLessThan(2e-5);
    // The painted shades (256 levels) are the same but for the odd rounding tie.
    expect(sameShade / checked).toBeGreaterThan(0.99);
  });

  it('places cell (i, j) at its centre, row 0 at the top, through the standardization', () => {
    const std = { scale: 2, standardize: { mean: [1, -1], std: [2, 4] } } as unknown as Preprocessing;
    const X = gridInputs(4, { x0: 0, x1: 8, y0: 0, y1: 4 }, std, 'float32');
    // Cell (0, 0): x = 1, y = 3.5; (3, 2): x = 5, y = 0.5. Then (v·scale − mean) / std.
    expect(X.data[0]).toBeCloseTo((1 * 2 - 1) / 2, 6);
    expect(X.data[16]).toBeCloseTo((3.5 * 2 + 1) / 4, 6);
    expect(X.data[3 * 4 + 2]).toBeCloseTo((5 * 2 - 1) / 2, 6);
    expect(X.data[16 + 3 * 4 + 2]).toBeCloseTo((0.5 * 2 + 1) / 4, 6);
  });

  it('builds a band of rows as the same cells of the whole grid, and refuses bands outside it', () => {
    const std = { scale: 2, standardize: { mean: [1, -1], std: [2, 4] } } as unknown as Preprocessing;
    const whole = gridInputs(9, bounds, std, 'float32');
    const band = gridInputs(9, bounds, std, 'float32', [3, 7]);
    expect([band.rows, band.cols]).toEqual([2, 36]);
    for (let k = 0; k < 36; k++) {
      expect(band.data[k]).toBe(whole.data[27 + k]);
      expect(band.data[36 + k]).toBe(whole.data[81 + 27 + k]);
    }
    // Cell (3, 0) of the band's first row: x = −4 + 0.5·8/9, y = 5 − 3.5·8/9.
    expect(band.data[0]).toBeCloseTo(((-4 + (0.5 * 8) / 9) * 2 - 1) / 2, 6);
    expect(band.data[36]).toBeCloseTo(((5 - (3.5 * 8) / 9) * 2 + 1) / 4, 6);
    expect(() => gridInputs(9, bounds, std, 'float32', [5, 5])).toThrow('grid rows must be a range [first, end) within 0…9; got [5, 5)');
    expect(() => gridInputs(9, bounds, std, 'float32', [0, 10])).toThrow('got [0, 10)');
  });

  it('builds the grid inputs once per grid, extent and preprocessing', () => {
    const a = cachedGridInputs(50, bounds, plain);
    expect(cachedGridInputs(50, { ...bounds }, plain)).toBe(a);
    expect(a.precision).toBe('float32');
    expect(cachedGridInputs(50, { ...bounds, x1: 4.5 }, plain)).not.toBe(a);
    expect(cachedGridInputs(60, bounds, plain)).not.toBe(a);
    // Eight settings are kept; the least recently used goes first.
    for (let k = 0; k < 8; k++) cachedGridInputs(10 + k, bounds, plain);
    expect(cachedGridInputs(50, bounds, plain)).not.toBe(a);
  });

  it('refreshes a float32 copy in place as the original trains on', () => {
    const network = net();
    const copy = boundaryNetwork(network);
    expect(copy.precision).toBe('float32');
    // Another network of the same architecture reuses the copy, with its own parameters.
    const other = net();
    other.W[1].data[3] = 5;
    expect(boundaryNetwork(other)).toBe(copy);
    expect(copy.W[1].data[3]).toBe(5);
    expect(boundaryNetwork(new Network({ sizes: [2, 3, 1], activations: ['relu'], output: 'sigmoid' }))).not.toBe(copy);
    network.W[0].data[0] += 3;
    network.b[1].data[7] -= 1;
    expect(boundaryNetwork(network, copy)).toBe(copy);
    const X = cachedGridInputs(20, bounds, plain);
    const fresh = boundaryGrid(copy, 20, bounds, plain, X).probs;
    for (const k of [0, 57, 399]) {
      const i = Math.floor(k / 20), j = k % 20;
      const x = bounds.x0 + ((j + 0.5) * 8) / 20, y = bounds.y1 - ((i + 0.5) * 8) / 20;
      expect(fresh[k]).toBeCloseTo(reference(network, x, y), 5);
    }
  });

  it('refuses inputs of the wrong precision or size, and networks without two inputs', () => {
    const network = net();
    expect(() => boundaryGrid(network, 20, bounds, plain, gridInputs(20, bounds, plain))).toThrow(/must be float32/);
    expect(() => boundaryGrid(network, 20, bounds, plain, cachedGridInputs(21, bounds, plain))).toThrow(/must be float32 \(2, 400\)/);
    const three = new Network({ sizes: [3, 4, 1], activations: ['tanh'], output: 'sigmoid' });
    expect(() => boundaryGrid(three, 20, bounds, plain)).toThrow(/needs 2 inputs; this network has 3/);
  });

  it('cuts the grid into equal batches of at most 2048 columns', () => {
    expect(batchSize(40_000)).toBe(2000);
    expect(batchSize(10_000)).toBe(2000);
    expect(batchSize(2048)).toBe(2048);
    expect(batchSize(2049)).toBe(1025);
    expect(batchSize(100)).toBe(100);
  });
});
