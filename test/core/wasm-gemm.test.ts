/**
 * The WebAssembly GEMM kernels against the plain TypeScript ones (src-core/kernels.ts),
 * which stay the reference: random shapes including 1×1, odd sizes, sizes that are
 * not multiples of the register tile (4 × 2 vectors) or of the cache blocks (k in
 * blocks of 256/512, NT's 512/1024; rows in blocks of 96), alpha and beta, and
 * NaN around every operand to catch reads and writes outside the matrices.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as k from '../../src-core/kernels';
import { Matrix, type Precision } from '../../src-core/matrix';
import type { Arena } from '../../src-core/wasm/arena';
import { arenaFor, supports, type WasmVariant } from '../../src-core/wasm/engine';

/** A deterministic generator of test data (not the code under test), in [-1, 1). */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

type Form = 'nn' | 'nt' | 'tn';

/** Operand shapes (rows, cols) of A and B for op(A) (M, K) and op(B) (K, N). */
function operandShapes(form: Form, M: number, N: number, K: number): [[number, number], [number, number]] {
  if (form === 'nn') return [[M, K], [K, N]];
  if (form === 'nt') return [[M, K], [N, K]];
  return [[K, M], [K, N]];
}

const GAP = 24; // values of NaN between and around the operands

/**
 * A, B and C side by side in one region of the arena, with NaN in the gaps, so
 * that a read outside A or B shows up as NaN in C and a write outside C as a
 * changed gap.
 */
function layout(arena: Arena, precision: Precision, shapes: [number, number][]) {
  const sizes = shapes.map(([r, c]) => r * c);
  const total = sizes.reduce((s, n) => s + n + GAP, GAP);
  const region = arena.matrix(1, total, precision)!;
  region.data.fill(NaN);
  const bytes = precision === 'float32' ? 4 : 8;
  const base = region.data.byteOffset;
  let at = GAP;
  const views = shapes.map(([r, c], i) => {
    const m = Matrix.view(r, c, precision, arena, base + at * bytes);
    at += sizes[i] + GAP;
    return m;
  });
  return { region, views };
}

function fill(m: Matrix, next: () => number): void {
  for (let i = 0; i < m.size; i++) m.data[i] = next();
}

const reference = { nn: k.gemmNN, nt: k.gemmNT, tn: k.gemmTN };

/**
 * Runs one product with the kernel and with the reference, and checks
 * |wasm − ref| ≤ (K + 4)·ε·(|α|·Σ|a||b| + |β|·|c|) entrywise, the classic bound on
 * a sum's rounding error (the two differ in summation order and fusing).
 */
function check(arena: Arena, form: Form, precision: Precision, M: number, N: number, K: number, alpha: number, beta: number, seed: number, packedT = false): void {
  const next = lcg(seed);
  const x = precision === 'float32' ? arena.f32 : arena.f64;
  const [sa, sb] = operandShapes(form, M, N, K);
  // NT with Bᵀ packed before (pack_bt_all, gemm_nt_packed): P after C.
  const packedValues = packedT ? Math.ceil(x.packed_b_size(N, K) / (precision === 'float32' ? 4 : 8)) : 0;
  const { region, views } = layout(arena, precision, packedT ? [sa, sb, [M, N], [1, packedValues]] : [sa, sb, [M, N]]);
  const [A, B, C, P] = views;
  fill(A, next);
  fill(B, next);
  if (beta === 0) C.data.fill(NaN); // must not leak: beta = 0 means C is not read
  else fill(C, next);
  const C0 = Float64Array.from(C.data);
  if (packedT) x.pack_bt_all(B.byteOffset, P.byteOffset, N, K);
  const gaps = Float64Array.from(region.data);

  if (packedT) x.gemm_nt_packed(A.data.byteOffset, B.data.byteOffset, C.data.byteOffset, M, N, K, alpha, beta, P.byteOffset);
  else x[`gemm_${form}`](A.data.byteOffset, B.data.byteOffset, C.data.byteOffset, M, N, K, alpha, beta);

  // The reference in float64 from the same (rounded) inputs.
  const A64 = A.as('float64').clone();
  const B64 = B.as('float64').clone();
  const ref = Matrix.from(M, N, beta === 0 ? new Float64Array(M * N) : C0);
  reference[form](A64, B64, ref, alpha, beta);
  const absA = Matrix.from(A64.rows, A64.cols, A64.data.map(Math.abs));
  const absB = Matrix.from(B64.rows, B64.cols, B64.data.map(Math.abs));
  const bound = Matrix.zeros(M, N);
  reference[form](absA, absB, bound, Math.abs(alpha), 0);
  const eps = precision === 'float32' ? 2 ** -24 : 2 ** -53;
  const what = `${form}${packedT ? ' (Bᵀ packed)' : ''} ${precision} M=${M} N=${N} K=${K} α=${alpha} β=${beta}`;
  for (let i = 0; i < M * N; i++) {
    const tol = (K + 4) * eps * (bound.data[i] + Math.abs(beta * (beta === 0 ? 0 : C0[i]))) + 1e-300;
    const err = Math.abs(C.data[i] - ref.data[i]);
    if (!(err <= tol)) {
      expect.fail(`${what}: C[${Math.floor(i / N)}, ${i % N}] = ${C.data[i]}, reference ${ref.data[i]} (error ${err} > ${tol})`);
    }
  }
  // Nothing outside C changed (P, packed before the product, included).
  const cStart = C.data.byteOffset / C.data.BYTES_PER_ELEMENT - region.data.byteOffset / C.data.BYTES_PER_ELEMENT;
  for (let i = 0; i < gaps.length; i++) {
    if (i >= cStart && i < cStart + M * N) continue;
    if (!Object.is(region.data[i], gaps[i])) expect.fail(`${what}: wrote outside C at ${i - cStart} values from its start`);
  }
  if (!packedT) return;
  // Bit for bit what it stands for: gemm_nn on Bᵀ where gemm_nn packs B, else gemm_nt.
  const { region: r2, views: v2 } = layout(arena, precision, [[K, N], [M, N]]);
  const [Bt, want] = v2;
  for (let i = 0; i < N; i++) for (let p = 0; p < K; p++) Bt.data[p * N + i] = B.data[i * K + p];
  want.data.set(C0);
  if (arena.exports.packs_b(M, N, K)) x.gemm_nn(A.byteOffset, Bt.byteOffset, want.byteOffset, M, N, K, alpha, beta);
  else x.gemm_nt(A.byteOffset, B.byteOffset, want.byteOffset, M, N, K, alpha, beta);
  for (let i = 0; i < M * N; i++) {
    if (!Object.is(C.data[i], want.data[i])) expect.fail(`${what}: C[${i}] = ${C.data[i]}, gemm_nn on Bᵀ (or gemm_nt) gives ${want.data[i]}`);
  }
  arena.dispose(r2);
}

/** Sizes around every tile and block boundary, and the product's own shapes. */
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 1, 2],
  [2, 3, 1],
  [3, 5, 7],
  [4, 8, 4],
  [5, 9, 3],
  [7, 1, 9],
  [1, 17, 33],
  [9, 15, 13],
  [13, 3, 31],
  [4, 400, 2], // planar W1·X
  [1, 400, 4], // planar W2·A1
  [4, 2, 400], // planar dZ1·Xᵀ
  [20, 209, 7],
  [20, 33, 257], // k crosses the f64 block
  [6, 11, 513], // k crosses the f32 block and NT's f64 block
  [5, 7, 1025], // k crosses NT's f32 block
  [97, 10, 5], // rows cross a block
  [101, 19, 300],
  [193, 6, 3],
];

const variants: WasmVariant[] = (['baseline', 'relaxed'] as const).filter(supports);

describe('WebAssembly GEMM against the TypeScript kernels', () => {
  it('the baseline variant runs here (WebAssembly SIMD validates)', () => {
    expect(supports('baseline')).toBe(true);
  });

  for (const variant of variants) {
    for (const precision of ['float64', 'float32'] as const) {
      for (const form of ['nn', 'nt', 'tn'] as const) {
        it(`${variant} ${form} ${precision} on ${SHAPES.length} shapes, with alpha and beta`, () => {
          const arena = arenaFor(variant);
          SHAPES.forEach(([M, N, K], s) => {
            check(arena, form, precision, M, N, K, 1, 0, 1000 + s);
            check(arena, form, precision, M, N, K, 0.3, 1, 2000 + s);
            check(arena, form, precision, M, N, K, -1.5, 0.5, 3000 + s);
          });
        });
      }

      it(`${variant} ${precision}: 200 random shapes in every form`, () => {
        const arena = arenaFor(variant);
        const next = lcg(variant === 'relaxed' ? 11 : 12);
        const dim = (max: number) => 1 + Math.floor(((next() + 1) / 2) * max);
        for (let t = 0; t < 200; t++) {
          const [M, N, K] = [dim(30), dim(40), dim(t % 10 === 0 ? 1100 : 60)];
          const form = (['nn', 'nt', 'tn'] as const)[t % 3];
          const beta = [0, 1, -0.25][t % 4 === 0 ? 0 : (t % 3) as 0 | 1 | 2];
          check(arena, form, precision, M, N, K, t % 2 ? 1 : 0.7, beta, 5000 + t);
        }
      });

      it(`${variant} ${precision}: gemm_nt_packed with Bᵀ packed by pack_bt_all, against the reference and bit for bit gemm_nn on Bᵀ`, () => {
        const arena = arenaFor(variant);
        const next = lcg(variant === 'relaxed' ? 31 : 32);
        const dim = (max: number) => 1 + Math.floor(((next() + 1) / 2) * max);
        // SHAPES (too small to pack: gemm_nt), products that pack (M > 4, K·N ≥ 4096): the deep
        // net's dW1 with fewer columns, N across blocks of 256 columns and not a multiple of
        // the strip, k across the f64 and f32 blocks, rows across a block, K = 1; random ones.
        const shapes: [number, number, number][] = [...SHAPES, [5, 820, 5], [20, 300, 209], [20, 1031, 209], [6, 700, 300], [9, 1100, 517], [13, 4100, 1], [101, 300, 20], [97, 513, 33]];
        for (let t = 0; t < 40; t++) shapes.push([4 + dim(30), dim(600), dim(t % 5 === 0 ? 600 : 90)]);
        shapes.forEach(([M, N, K], s) => {
          check(arena, 'nt', precision, M, N, K, 1, 0, 7000 + s, true);
          if (s % 3 === 0) check(arena, 'nt', precision, M, N, K, -0.6, 0.5, 8000 + s, true);
        });
        // K = 0: C = β·C.
        check(arena, 'nt', precision, 6, 5000, 0, 1, 0.5, 9000, true);
      });

      it(`${variant} ${precision}: gemm_nn_bias is broadcast_column then gemm_nn with β = 1, bit for bit, B packed before or not`, () => {
        const arena = arenaFor(variant);
        const x = precision === 'float32' ? arena.f32 : arena.f64;
        const next = lcg(variant === 'relaxed' ? 21 : 22);
        const dim = (max: number) => 1 + Math.floor(((next() + 1) / 2) * max);
        // SHAPES (the direct panel), products that pack B ([20, 209, 300]), K = 0, and random ones.
        const shapes: [number, number, number][] = [...SHAPES, [20, 209, 300], [6, 300, 700], [9, 517, 1100], [3, 5, 0], [1, 1, 0]];
        for (let t = 0; t < 60; t++) shapes.push([dim(30), dim(40), dim(t % 10 === 0 ? 600 : 60)]);
        shapes.forEach(([M, N, K], s) => {
          const alpha = s % 3 === 0 ? 1 : -0.7;
          const packedValues = Math.ceil(x.packed_b_size(N, K) / (precision === 'float32' ? 4 : 8));
          const { region, views } = layout(arena, precision, [[M, K], [K, N], [M, 1], [M, N], [M, N], [M, N], [1, packedValues]]);
          const [A, B, bias, C, fromPacked, want, P] = views;
          [A, B, bias].forEach((m) => fill(m, next));
          const gaps = Float64Array.from(region.data);
          x.broadcast_column(bias.byteOffset, want.byteOffset, M, N);
          x.gemm_nn(A.byteOffset, B.byteOffset, want.byteOffset, M, N, K, alpha, 1);
          x.gemm_nn_bias(A.byteOffset, B.byteOffset, C.byteOffset, M, N, K, alpha, bias.byteOffset, 0);
          x.pack_b_all(B.byteOffset, P.byteOffset, N, K);
          x.gemm_nn_bias(A.byteOffset, B.byteOffset, fromPacked.byteOffset, M, N, K, alpha, bias.byteOffset, P.byteOffset);
          for (let i = 0; i < M * N; i++) {
            if (!Object.is(C.data[i], want.data[i])) expect.fail(`M=${M} N=${N} K=${K}: C[${i}] = ${C.data[i]}, broadcast + gemm_nn gives ${want.data[i]}`);
            if (!Object.is(fromPacked.data[i], want.data[i])) expect.fail(`M=${M} N=${N} K=${K}, B packed before: C[${i}] = ${fromPacked.data[i]}, want ${want.data[i]}`);
          }
          const start = (m: Matrix) => (m.byteOffset - region.byteOffset) / C.data.BYTES_PER_ELEMENT;
          for (let i = 0; i < gaps.length; i++) {
            const inside = [C, fromPacked, want, P].some((m) => i >= start(m) && i < start(m) + m.size);
            if (!inside && !Object.is(region.data[i], gaps[i])) expect.fail(`M=${M} N=${N} K=${K}: wrote outside C and P at ${i}`);
          }
        });
      });

      it(`${variant} ${precision}: gemm_tn_grad is gemm_tn then the activation's backward kernel, bit for bit`, () => {
        const arena = arenaFor(variant);
        const x = precision === 'float32' ? arena.f32 : arena.f64;
        const next = lcg(variant === 'relaxed' ? 23 : 24);
        const dim = (max: number) => 1 + Math.floor(((next() + 1) / 2) * max);
        // SHAPES (one block of k, the derivative in the panel's store), k across blocks and
        // products that pack B (a pass after), K = 0, and random ones.
        const shapes: [number, number, number][] = [...SHAPES, [20, 209, 300], [9, 517, 40], [3, 5, 0]];
        for (let t = 0; t < 30; t++) shapes.push([dim(30), dim(40), dim(t % 10 === 0 ? 600 : 60)]);
        const kernels = [
          ['tanh', 1, (C: Matrix, G: Matrix) => x.tanh_backward(C.byteOffset, G.byteOffset, C.byteOffset, C.size)],
          ['sigmoid', 2, (C: Matrix, G: Matrix) => x.sigmoid_backward(C.byteOffset, G.byteOffset, C.byteOffset, C.size)],
          ['relu', 3, (C: Matrix, G: Matrix) => x.relu_backward(C.byteOffset, G.byteOffset, C.byteOffset, C.size, 0)],
          ['leaky relu', 3, (C: Matrix, G: Matrix) => x.relu_backward(C.byteOffset, G.byteOffset, C.byteOffset, C.size, 0.05)],
        ] as const;
        shapes.forEach(([M, N, K], s) => {
          const [name, act, backward] = kernels[s % kernels.length];
          const slope = name === 'leaky relu' ? 0.05 : 0;
          const { region, views } = layout(arena, precision, [[K, M], [K, N], [M, N], [M, N], [M, N]]);
          const [A, B, G, C, want] = views;
          [A, B].forEach((m) => fill(m, next));
          // A's values in (−1, 1) for tanh and sigmoid; Z's of both signs for relu.
          fill(G, next);
          const gaps = Float64Array.from(region.data);
          x.gemm_tn(A.byteOffset, B.byteOffset, want.byteOffset, M, N, K, 1, 0);
          backward(want, G);
          x.gemm_tn_grad(A.byteOffset, B.byteOffset, C.byteOffset, M, N, K, G.byteOffset, act, slope);
          for (let i = 0; i < M * N; i++) {
            if (!Object.is(C.data[i], want.data[i])) expect.fail(`${name} M=${M} N=${N} K=${K}: C[${i}] = ${C.data[i]}, want ${want.data[i]}`);
          }
          const start = (m: Matrix) => (m.byteOffset - region.byteOffset) / C.data.BYTES_PER_ELEMENT;
          for (let i = 0; i < gaps.length; i++) {
            const inside = [C, want].some((m) => i >= start(m) && i < start(m) + m.size);
            if (!inside && !Object.is(region.data[i], gaps[i])) expect.fail(`${name} M=${M} N=${N} K=${K}: wrote outside C at ${i}`);
          }
        });
      });

      it(`${variant} ${precision}: empty products`, () => {
        const arena = arenaFor(variant);
        for (const form of ['nn', 'nt', 'tn'] as const) {
          // K = 0: C = β·C; β = 0 clears C.
          check(arena, form, precision, 3, 5, 0, 1, 0, 1);
          check(arena, form, precision, 3, 5, 0, 1, 0.5, 2);
          check(arena, form, precision, 0, 5, 4, 1, 0, 3);
          check(arena, form, precision, 3, 0, 4, 1, 0, 4);
        }
      });
    }
  }
});

describe('the relaxed-SIMD variant', () => {
  it('matches the reference too, in a Node with relaxed SIMD switched on', () => {
    if (supports('relaxed')) return; // already covered above, in this process
    const script = fileURLToPath(new URL('./wasm-gemm.test.ts', import.meta.url));
    const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
    // V8 flags are per process and Node refuses them in NODE_OPTIONS, so the child
    // runs its tests in worker threads, which share its flags.
    const args = ['--experimental-wasm-relaxed-simd', vitest, 'run', script, '-t', 'relaxed', '--pool=threads', '--reporter=verbose'];
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/relaxed nn float64/);
  });
});
