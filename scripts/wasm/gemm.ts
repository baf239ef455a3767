/**
 * Generates the WAT text of the GEMM kernels: C = α·op(A)·op(B) + β·C for the
 * three forms the network needs (NN, NT, TN), float64 and float32, row-major like
 * src-core/kernels.ts. Pointers are byte offsets into the imported memory.
 *
 *   gemm_nn_<t>(A, B, C, M, N, K, alpha, beta)   A (M, K), B (K, N), C (M, N)
 *   gemm_nt_<t>(A, B, C, M, N, K, alpha, beta)   A (M, K), B (N, K)
 *   gemm_tn_<t>(A, B, C, M, N, K, alpha, beta)   A (K, M), B (K, N)
 *
 * With beta = 0, C is only written (NaN in C does not leak), as in BLAS.
 *
 * NN and TN: cache blocks of KC steps of k and MC rows of op(A); each block of
 * op(A) is packed into the scratch area so that the micro-kernel reads it
 * sequentially (MR values per step of k, one splat load each). B is not packed:
 * its rows are contiguous, each step of k loads NR vectors from one row, and a
 * strip of KC rows of those vectors stays in L1 while the micro-kernel walks down
 * the MR-row tiles of the block. Packing B would cost a pass over B per product
 * for a reuse of only M/MR (5 for the deep net's 20 rows).
 *
 * NT: every entry is a dot product of a row of A and a row of B, so the kernel
 * vectorises along k: an MR×NR tile of vector accumulators, reduced across lanes
 * at the end. Nothing is packed; A and B are read along their rows.
 * gemm_nt_packed instead runs A·Bᵀ as the NN product on Bᵀ packed once
 * (pack_bt_all): a first layer's dW = dZ·Xᵀ, with X constant for a run.
 *
 * Tails need no scalar code: a partial vector of w < lanes values is read with
 * load64_zero / load32_zero (+ load32_lane) and written with store*_lane, so no
 * kernel reads or writes outside its matrices.
 *
 * Registers: V8 gives WebAssembly 15 usable xmm registers on x64, and TurboFan
 * issues a step's loads before its arithmetic, so the NN tile of 4 rows × 2
 * vectors holds 8 accumulators + 2 B vectors + 4 splats (+ 1 product unfused);
 * 5 rows spill (perf annotate of the JIT code). The NT tile of 4 × 2 holds 8
 * accumulators + 2 B vectors + 1 A vector.
 */
import type { Variant } from './build';

interface Num {
  t: 'f64' | 'f32';
  /** Lanes per v128. */
  L: number;
  /** Bytes per value, and its log2. */
  size: number;
  shift: number;
  v: 'f64x2' | 'f32x4';
  splat: string;
}

const F64: Num = { t: 'f64', L: 2, size: 8, shift: 3, v: 'f64x2', splat: 'v128.load64_splat' };
const F32: Num = { t: 'f32', L: 4, size: 4, shift: 2, v: 'f32x4', splat: 'v128.load32_splat' };

/** Rows and vectors per NN/TN micro-tile; rows and columns per NT tile. */
const MR = 4;
const NR = 2;
/** Cache blocking: steps of k per block and rows of op(A) per packed block. */
const KC: Record<Num['t'], number> = { f64: Number(process.env.KC64 ?? 256), f32: Number(process.env.KC32 ?? 512) };
const MC = 96;
/** KC for NT, whose blocks are rows of A and B read in place. */
const KC_NT: Record<Num['t'], number> = { f64: 512, f32: 1024 };
/** NT's block of rows of B, kept in L2 while the row tiles of A pass over it. */
const NB = Number(process.env.NB ?? 64);

/** Columns of B per packed block (a multiple of every strip width). */
const NC = 256;
const STRIP_PAD = Number(process.env.STRIP_PAD ?? 64);
/** NN/TN pack B only for products this large (k·n values) with more than one row tile. */
const PACK_B_MIN = Number(process.env.PACK_B_MIN ?? 4096);

/**
 * The packed blocks of op(A) and B live at the start of memory; the loader
 * allocates matrices from HEAP_BASE on (exported as `heap_base`). The elementwise
 * kernels use the start of it too (elementwise.ts, `compacted`): no two kernels run
 * at once.
 */
export const SCRATCH_A = 64;
const SCRATCH_B = SCRATCH_A + Math.max(MC * KC.f64 * 8, MC * KC.f32 * 4);
const SCRATCH_END = SCRATCH_B + Math.max(KC.f64 * NC * 8, KC.f32 * NC * 4) + (NC / 4) * STRIP_PAD;
const HEAP_BASE = Math.ceil(SCRATCH_END / 65536) * 65536;

// ---------------------------------------------------------------------------
// Small WAT helpers: everything is built as folded S-expressions.

const get = (x: string) => `(local.get $${x})`;
const set = (x: string, e: string) => `(local.set $${x} ${e})`;
const c32 = (n: number) => `(i32.const ${n})`;
const add = (a: string, b: string) => `(i32.add ${a} ${b})`;
const sub = (a: string, b: string) => `(i32.sub ${a} ${b})`;
const mul = (a: string, b: string) => `(i32.mul ${a} ${b})`;
const shl = (a: string, n: number) => (n === 0 ? a : `(i32.shl ${a} ${c32(n)})`);
const inc = (x: string, e: string) => set(x, add(get(x), e));
const ZERO = '(v128.const i64x2 0 0)';

function lines(...parts: (string | string[])[]): string {
  return parts.flat().filter((s) => s !== '').join('\n');
}

/** a·b + c, fused where the variant allows it. */
function madd(n: Num, variant: Variant, a: string, b: string, c: string): string {
  return variant.relaxed ? `(${n.v}.relaxed_madd ${a} ${b} ${c})` : `(${n.v}.add ${c} (${n.v}.mul ${a} ${b}))`;
}

const offset = (o: number) => (o === 0 ? '' : ` offset=${o}`);

/** Loads w ≤ L values at ptr + off into the low lanes of a vector, zeroing the rest. */
function load(n: Num, ptr: string, off: number, w: number): string {
  if (w === n.L) return `(v128.load${offset(off)} ${ptr})`;
  if (n.t === 'f64' || w === 1) return `(v128.load${n.t === 'f64' || w === 2 ? 64 : 32}_zero${offset(off)} ${ptr})`;
  if (w === 2) return `(v128.load64_zero${offset(off)} ${ptr})`;
  // w = 3 (float32): two values, then the third into lane 2.
  return `(v128.load32_lane${offset(off + 8)} 2 ${ptr} (v128.load64_zero${offset(off)} ${ptr}))`;
}

/** Stores the low w ≤ L lanes of a vector at ptr + off. */
function store(n: Num, ptr: string, off: number, w: number, value: string): string {
  if (w === n.L) return `(v128.store${offset(off)} ${ptr} ${value})`;
  if (n.t === 'f64') return `(v128.store64_lane${offset(off)} 0 ${ptr} ${value})`;
  if (w === 1) return `(v128.store32_lane${offset(off)} 0 ${ptr} ${value})`;
  if (w === 2) return `(v128.store64_lane${offset(off)} 0 ${ptr} ${value})`;
  // w = 3 needs the value twice: it must be a local.get.
  return lines(`(v128.store64_lane${offset(off)} 0 ${ptr} ${value})`, `(v128.store32_lane${offset(off + 8)} 2 ${ptr} ${value})`);
}

/**
 * The branches of a br_table on `index` (0…cases.length−1): case k runs
 * cases[k], then leaves. Case 0 is usually empty.
 */
function switchOn(index: string, cases: string[], label: string): string {
  const labels = cases.map((_, k) => `$${label}_${k}`);
  let text = `(br_table ${labels.join(' ')} $${label}_end ${index})`;
  for (let k = 0; k < cases.length; k++) {
    text = lines(`(block ${labels[k]}`, text, ')', cases[k], `(br $${label}_end)`);
  }
  return lines(`(block $${label}_end`, text, ')');
}

/** The C update of one vector: C = α·acc (β = 0 in the first block) or α·acc + β·C. */
function updateC(n: Num, ptr: string, off: number, w: number, acc: string, withBeta: boolean): string {
  const scaled = `(${n.v}.mul ${get('alphaV')} ${acc})`;
  if (!withBeta) return store(n, ptr, off, w, scaled);
  const value = `(${n.v}.add ${scaled} (${n.v}.mul ${get('betaV')} ${load(n, ptr, off, w)}))`;
  if (w === 3) return lines(set('t', value), store(n, ptr, off, w, get('t')));
  return store(n, ptr, off, w, value);
}

// ---------------------------------------------------------------------------
// NN and TN: packing op(A), and the panel kernel shared by both.

/**
 * Packs rows ib…ib+mc−1, steps kb…kb+kc−1 of op(A) into the scratch area: tile
 * after tile of MR rows (the last may have fewer, mr), each tile as kc groups of
 * mr values (one per row) so that the micro-kernel reads it sequentially.
 * NN reads A (M, K) along rows; TN reads A (K, M), whose op(A) rows are columns.
 */
function packFunction(n: Num, form: 'nn' | 'tn'): string {
  const s = n.shift;
  // Source element (row i, step p) of op(A): NN A[i·K + p], TN A[p·M + i].
  const rowStep = form === 'nn' ? 'K' : 'M'; // the stride between rows of A in elements
  return lines(
    `(func $pack_${form}_${n.t} (param $A i32) (param $${rowStep} i32) (param $ib i32) (param $mc i32) (param $kb i32) (param $kc i32)`,
    '  (local $dst i32) (local $i i32) (local $mr i32) (local $r i32) (local $src i32) (local $d i32) (local $p i32) (local $step i32) (local $lda i32)',
    '  (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)',
    set('dst', c32(SCRATCH_A)),
    set('i', c32(0)),
    set('lda', shl(get(rowStep), s)),
    '(block $done (loop $tiles',
    '  (br_if $done (i32.ge_u (local.get $i) (local.get $mc)))',
    `  ${set('mr', sub(get('mc'), get('i')))}`,
    `  (if (i32.gt_u (local.get $mr) ${c32(MR)}) (then ${set('mr', c32(MR))}))`,
    `  ${set('step', shl(get('mr'), s))}`,
    form === 'nn'
      ? // A full tile: L steps of its MR rows at a time, one vector load per row, transposed
        // in registers; then the steps left over. Otherwise, for each row r of the tile:
        // A[(ib+i+r)·K + kb + p] → dst[p·mr + r].
        lines(
          `(if (i32.eq (local.get $mr) ${c32(MR)}) (then`,
          packTileNN(n),
          ') (else',
          set('r', c32(0)),
          '(loop $rows',
          set('src', add(get('A'), shl(add(mul(add(add(get('ib'), get('i')), get('r')), get('K')), get('kb')), s))),
          set('d', add(get('dst'), shl(get('r'), s))),
          set('p', get('kc')),
          '(loop $steps',
          `(${n.t}.store ${get('d')} (${n.t}.load ${get('src')}))`,
          inc('src', c32(n.size)),
          inc('d', get('step')),
          set('p', sub(get('p'), c32(1))),
          '(br_if $steps (local.get $p)))',
          set('r', add(get('r'), c32(1))),
          '(br_if $rows (i32.lt_u (local.get $r) (local.get $mr))))',
          '))',
        )
      : // For each step p: the mr values A[(kb+p)·M + ib+i … +mr−1] are contiguous.
        lines(
          set('src', add(get('A'), shl(add(mul(get('kb'), get('M')), add(get('ib'), get('i'))), s))),
          set('d', get('dst')),
          set('p', get('kc')),
          '(loop $steps',
          set('r', c32(0)),
          '(loop $rows',
          `(${n.t}.store ${add(get('d'), shl(get('r'), s))} (${n.t}.load ${add(get('src'), shl(get('r'), s))}))`,
          set('r', add(get('r'), c32(1))),
          '(br_if $rows (i32.lt_u (local.get $r) (local.get $mr))))',
          inc('src', get('lda')),
          inc('d', get('step')),
          set('p', sub(get('p'), c32(1))),
          '(br_if $steps (local.get $p)))',
        ),
    `  ${inc('dst', mul(get('step'), get('kc')))}`,
    `  ${inc('i', c32(MR))}`,
    '  (br $tiles)))',
    ')',
  );
}

/**
 * The body of pack_nn for a full tile of MR = 4 rows starting at row ib+i: for each
 * L steps of k, a vector from each row (v0…v3), transposed into L groups of 4
 * values, stored as 4 vectors; then the kc mod L steps left, a value at a time.
 */
function packTileNN(n: Num): string {
  const s = n.shift;
  const row = (r: number) => (r === 0 ? get('src') : add(get('src'), mul(get('lda'), c32(r))));
  // Lanes of two vectors (a: 0…L−1, b: L…2L−1) into one, as bytes for i8x16.shuffle.
  const pick = (a: string, b: string, lanes: number[]) =>
    `(i8x16.shuffle ${lanes.flatMap((l) => Array.from({ length: n.size }, (_, k) => l * n.size + k)).join(' ')} ${a} ${b})`;
  const v = (r: number) => get(`v${r}`);
  // Vector j of the L groups: f64, groups of two vectors (rows 0, 1 | rows 2, 3) per step;
  // f32, one vector per step, from the 4×4 transpose.
  const out =
    n.t === 'f64'
      ? [pick(v(0), v(1), [0, 2]), pick(v(2), v(3), [0, 2]), pick(v(0), v(1), [1, 3]), pick(v(2), v(3), [1, 3])]
      : [0, 1].flatMap((h) => {
          const lo = pick(v(0), v(1), h === 0 ? [0, 4, 1, 5] : [2, 6, 3, 7]);
          const hi = pick(v(2), v(3), h === 0 ? [0, 4, 1, 5] : [2, 6, 3, 7]);
          return [pick(lo, hi, [0, 1, 4, 5]), pick(lo, hi, [2, 3, 6, 7])];
        });
  return lines(
    set('src', add(get('A'), shl(add(mul(add(get('ib'), get('i')), get('K')), get('kb')), s))),
    set('d', get('dst')),
    set('p', get('kc')),
    '(block $vdone (loop $vsteps',
    `  (br_if $vdone (i32.lt_u (local.get $p) ${c32(n.L)}))`,
    ...[0, 1, 2, 3].map((r) => set(`v${r}`, `(v128.load ${row(r)})`)),
    ...out.map((o, j) => `(v128.store${offset(j * 16)} ${get('d')} ${o})`),
    inc('src', c32(16)),
    inc('d', c32(64)),
    set('p', sub(get('p'), c32(n.L))),
    '  (br $vsteps)))',
    '(block $rdone (loop $rsteps',
    '  (br_if $rdone (i32.eqz (local.get $p)))',
    ...[0, 1, 2, 3].map((r) => `(${n.t}.store${offset(r * n.size)} ${get('d')} (${n.t}.load ${row(r)}))`),
    inc('src', c32(n.size)),
    inc('d', c32(MR * n.size)),
    set('p', sub(get('p'), c32(1))),
    '  (br $rsteps)))',
  );
}

/** Activation derivatives a TN product can end with: tanh, sigmoid (from A), relu or leaky relu (from Z). */
type Act = 1 | 2 | 3;

/**
 * dZ = dA ⊙ g'(G) for dA in local $t and G in $u, as the elementwise kernels
 * compute it (elementwise.ts: tanh_backward, sigmoid_backward, relu_backward), so
 * bit for bit: in double, in the reference's order; float32 lanes widened to two
 * f64x2 and the result rounded once.
 */
function derivative(n: Num, act: Act): string {
  const one = '(v128.const f64x2 1 1)';
  const g = (d: string, a: string) =>
    act === 1 ? `(f64x2.mul ${d} (f64x2.sub ${one} (f64x2.mul ${a} ${a})))` : `(f64x2.mul (f64x2.mul ${d} ${a}) (f64x2.sub ${one} ${a}))`;
  if (n.t === 'f64') {
    if (act === 3) return `(v128.bitselect ${get('t')} (f64x2.mul ${get('t')} ${get('slopeV')}) (f64x2.gt ${get('u')} (v128.const f64x2 0 0)))`;
    return g(get('t'), get('u'));
  }
  const lo = (x: string) => `(f64x2.promote_low_f32x4 ${x})`;
  const hi = (x: string) => `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 ${x} ${x}))`;
  const narrow = (a: string, b: string) => `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero ${a}) (f32x4.demote_f64x2_zero ${b}))`;
  if (act === 3) {
    const scaled = narrow(`(f64x2.mul ${lo(get('t'))} ${get('slopeV')})`, `(f64x2.mul ${hi(get('t'))} ${get('slopeV')})`);
    return `(v128.bitselect ${get('t')} ${scaled} (f32x4.gt ${get('u')} (v128.const f32x4 0 0 0 0)))`;
  }
  return narrow(g(lo(get('t')), lo(get('u'))), g(hi(get('t')), hi(get('u'))));
}

/**
 * One tile of a panel: mr rows × the column vectors `widths` (values per vector,
 * ≤ L). Accumulates kc steps of the packed A tile at $pa (advancing it to the
 * next tile) times B at $pb, then updates C at $pc (rows $ldc bytes apart).
 * B is either read in place (`direct`: rows $ldb bytes apart, partial vectors
 * loaded partially) or from a packed strip (`packed`: NR full vectors per step,
 * zero-padded past the last column, so only the update is partial).
 */
function nnMicro(n: Num, variant: Variant, mr: number, widths: number[], mode: 'direct' | 'packed'): string {
  const acc = (r: number, c: number) => `c${r}_${c}`;
  const vectors = mode === 'packed' ? NR : widths.length;
  // The packed panel (every large product's) multiplies and adds separately in both
  // variants. V8 loads a step's 6 operands before its multiply-adds, so 8 accumulators
  // are all that fit its 15 vector registers, and 8 chains of fused multiply-adds are
  // bound by the FMA's latency (4 cycles at 2 a cycle): the deep net's products ran
  // 3–5% slower fused than as mul + add, whose chains wait only on the add.
  const fused: Variant = mode === 'packed' ? { relaxed: false } : variant;
  const out: string[] = [];
  out.push(set('pend', add(get('pa'), mul(get('kc'), c32(mr * n.size)))));
  for (let r = 0; r < mr; r++) for (let c = 0; c < vectors; c++) out.push(set(acc(r, c), ZERO));
  out.push('(loop $k');
  for (let c = 0; c < vectors; c++) out.push(set(`b${c}`, load(n, get('pb'), c * 16, mode === 'packed' ? n.L : widths[c])));
  for (let r = 0; r < mr; r++) {
    out.push(set('a', `(${n.splat}${offset(r * n.size)} ${get('pa')})`));
    for (let c = 0; c < vectors; c++) out.push(set(acc(r, c), madd(n, fused, get('a'), get(`b${c}`), get(acc(r, c)))));
  }
  out.push(
    inc('pa', c32(mr * n.size)),
    inc('pb', mode === 'packed' ? c32(NR * 16) : get('ldb')),
    '(br_if $k (i32.lt_u (local.get $pa) (local.get $pend))))',
  );
  const update = (withBeta: boolean) => {
    const u: string[] = [set('q', get('pc'))];
    for (let r = 0; r < mr; r++) {
      widths.forEach((w, c) => u.push(updateC(n, get('q'), c * 16, w, get(acc(r, c)), withBeta)));
      if (r < mr - 1) u.push(inc('q', get('ldc')));
    }
    return lines(u);
  };
  if (mode === 'packed') {
    out.push(`(if (local.get $bz) (then ${update(false)}) (else ${update(true)}))`);
    return lines(out);
  }
  // The direct panel's first block of k may add a bias per row instead of β·C: the
  // same sum as α·acc + 1·C with C = the bias broadcast, without that pass over C.
  const biased = () => {
    const u: string[] = [set('q', get('pc'))];
    for (let r = 0; r < mr; r++) {
      u.push(set('t', `(${n.splat}${offset(r * n.size)} ${add(get('bias'), shl(get('i'), n.shift))})`));
      widths.forEach((w, c) => {
        const value = `(${n.v}.add (${n.v}.mul ${get('alphaV')} ${get(acc(r, c))}) ${get('t')})`;
        u.push(w === 3 ? lines(set(acc(r, c), value), store(n, get('q'), c * 16, w, get(acc(r, c)))) : store(n, get('q'), c * 16, w, value));
      });
      if (r < mr - 1) u.push(inc('q', get('ldc')));
    }
    return lines(u);
  };
  // Or, when the product is a layer's dA = Wᵀ·dZ, store dZ = dA ⊙ g'(G) instead (derivative below).
  const derived = (act: Act) => {
    const u: string[] = [set('q', get('pc'))];
    for (let r = 0; r < mr; r++) {
      widths.forEach((w, c) => {
        u.push(set('t', `(${n.v}.mul ${get('alphaV')} ${get(acc(r, c))})`), set('u', load(n, add(get('q'), get('gd')), c * 16, w)));
        u.push(set('v', derivative(n, act)), store(n, get('q'), c * 16, w, get('v')));
      });
      if (r < mr - 1) u.push(inc('q', get('ldc')));
    }
    return lines(u);
  };
  const plain = `(if (local.get $act) (then (if (i32.eq (local.get $act) (i32.const 1)) (then ${derived(1)}) (else (if (i32.eq (local.get $act) (i32.const 2)) (then ${derived(2)}) (else ${derived(3)}))))) (else ${update(false)}))`;
  out.push(`(if (local.get $bz) (then ${plain}) (else (if (local.get $bias) (then ${biased()}) (else ${update(true)}))))`);
  return lines(out);
}

/**
 * All tiles of one column strip (columns $j…): full MR-row tiles, then the last
 * mr < MR rows. $pb0 is where the strip's B starts.
 */
function nnStrip(n: Num, variant: Variant, widths: number[], label: string, mode: 'direct' | 'packed'): string {
  return lines(
    set('pa', c32(SCRATCH_A)),
    set('i', c32(0)),
    set('pc', add(get('C'), shl(get('j'), n.shift))),
    `(block $${label}_full (loop $${label}_rows`,
    `  (br_if $${label}_full (i32.gt_u (i32.add (local.get $i) ${c32(MR)}) (local.get $mc)))`,
    set('pb', get('pb0')),
    nnMicro(n, variant, MR, widths, mode),
    inc('pc', mul(get('ldc'), c32(MR))),
    inc('i', c32(MR)),
    `  (br $${label}_rows)))`,
    set('pb', get('pb0')),
    switchOn(
      sub(get('mc'), get('i')),
      ['', ...Array.from({ length: MR - 1 }, (_, k) => nnMicro(n, variant, k + 1, widths, mode))],
      `${label}_tail`,
    ),
  );
}

/** The vector widths of a strip of w ≤ NR·L columns. */
function stripWidths(n: Num, w: number): number[] {
  const widths: number[] = [];
  for (let left = w; left > 0; left -= n.L) widths.push(Math.min(n.L, left));
  return widths;
}

const panelLocals = (n: Num) =>
  lines(
    '  (local $j i32) (local $i i32) (local $pa i32) (local $pend i32) (local $pb i32) (local $pb0 i32) (local $pc i32) (local $q i32) (local $ldb i32)',
    `  (local $a v128) (local $t v128) (local $u v128) (local $v v128) ${Array.from({ length: NR }, (_, c) => `(local $b${c} v128)`).join(' ')}`,
    `  ${Array.from({ length: MR * NR }, (_, k) => `(local $c${Math.floor(k / NR)}_${k % NR} v128)`).join(' ')}`,
  );

/**
 * The direct panel: C[0…mc, 0…N) (+)= packed op(A) block (mc × kc) · B[0…kc, 0…N)
 * read in place, with B and C already offset to the block. Column strips of NR
 * vectors, then one vector, then a partial vector.
 */
function panelFunction(n: Num, variant: Variant): string {
  const width = NR * n.L;
  const partial = Array.from({ length: n.L - 1 }, (_, k) => lines(set('pb0', add(get('B'), shl(get('j'), n.shift))), nnStrip(n, variant, [k + 1], `w${k + 1}`, 'direct')));
  return lines(
    `(func $panel_${n.t} (param $B i32) (param $C i32) (param $mc i32) (param $N i32) (param $kc i32) (param $bz i32) (param $alphaV v128) (param $betaV v128) (param $ldc i32) (param $bias i32) (param $act i32) (param $gd i32) (param $slopeV v128)`,
    panelLocals(n),
    set('ldb', shl(get('N'), n.shift)),
    set('j', c32(0)),
    '(block $wide_done (loop $wide',
    `  (br_if $wide_done (i32.gt_u (i32.add (local.get $j) ${c32(width)}) (local.get $N)))`,
    set('pb0', add(get('B'), shl(get('j'), n.shift))),
    nnStrip(n, variant, Array(NR).fill(n.L), 'wide', 'direct'),
    inc('j', c32(width)),
    '  (br $wide)))',
    // NR = 2: at most one full vector remains, then fewer than L columns.
    `(if (i32.le_u (i32.add (local.get $j) ${c32(n.L)}) (local.get $N)) (then`,
    set('pb0', add(get('B'), shl(get('j'), n.shift))),
    nnStrip(n, variant, [n.L], 'one', 'direct'),
    inc('j', c32(n.L)),
    '))',
    switchOn(sub(get('N'), get('j')), ['', ...partial], 'part'),
    ')',
  );
}

/**
 * Bytes from one packed strip of B to the next: kc rows of NR vectors, plus a
 * cache line, so that the pack's stores (one per strip for each row of B) do not
 * all fall into one L1 set when kc·NR·16 is a multiple of 4 KiB.
 */
function stripStride(n: Num): string {
  return add(mul(get('kc'), c32(NR * 16)), c32(STRIP_PAD));
}

/** Whether gemm_nn / gemm_tn pack B (else their panel reads it in place). */
const packsB = `(i32.and (i32.gt_u (local.get $M) ${c32(MR)}) (i32.ge_u (i32.mul (local.get $K) (local.get $N)) ${c32(PACK_B_MIN)}))`;

/** Bytes of one packed block of B: nc columns in strips of NR·L, each kc rows. */
function packedBytes(n: Num, nc: string, kc: string): string {
  const W = NR * n.L;
  return mul(`(i32.div_u ${add(nc, c32(W - 1))} ${c32(W)})`, add(mul(kc, c32(NR * 16)), c32(STRIP_PAD)));
}

/**
 * The whole of B (K, N), packed block after block in the order gemm_nn's packing
 * loops visit them (NC columns, then KC rows), into P: what gemm_nn_bias(…, P)
 * reads instead of packing B itself. packed_b_size gives the bytes P needs. For
 * data that every iteration multiplies unchanged (the full batch's X).
 *
 * pack_bt_all does the same for B = Xᵀ given X (N, K): the layout that
 * gemm_nt_packed reads, so that C = A·Xᵀ (a first layer's dW = dZ·Xᵀ) runs as the
 * NN product on packed blocks, like W·X, instead of as dot products along rows.
 */
function packAllFunctions(n: Num): string {
  const loops = (body: string) =>
    lines(
      set('jb', c32(0)),
      '(block $done (loop $jblocks',
      '  (br_if $done (i32.ge_u (local.get $jb) (local.get $N)))',
      set('nc', sub(get('N'), get('jb'))),
      `(if (i32.gt_u (local.get $nc) ${c32(NC)}) (then ${set('nc', c32(NC))}))`,
      set('kb', c32(0)),
      '(block $kdone (loop $kblocks',
      '  (br_if $kdone (i32.ge_u (local.get $kb) (local.get $K)))',
      set('kc', sub(get('K'), get('kb'))),
      `(if (i32.gt_u (local.get $kc) ${c32(KC[n.t])}) (then ${set('kc', c32(KC[n.t]))}))`,
      body,
      inc('kb', c32(KC[n.t])),
      '(br $kblocks)))',
      inc('jb', c32(NC)),
      '(br $jblocks)))',
    );
  const locals = '  (local $jb i32) (local $nc i32) (local $kb i32) (local $kc i32)';
  const packAll = (name: string, pack: string) =>
    lines(
      `(func $${name}_${n.t} (export "${name}_${n.t}") (param $B i32) (param $P i32) (param $N i32) (param $K i32)`,
      locals,
      loops(lines(`(call $${pack}_${n.t} ${get('B')} ${get(pack === 'pack_b' ? 'N' : 'K')} ${get('kb')} ${get('kc')} ${get('jb')} ${get('nc')} ${get('P')})`, inc('P', packedBytes(n, get('nc'), get('kc'))))),
      ')',
    );
  return lines(
    n.t === 'f64' ? lines(`(func $packs_b (export "packs_b") (param $M i32) (param $N i32) (param $K i32) (result i32)`, packsB, ')') : '',
    `(func $packed_b_size_${n.t} (export "packed_b_size_${n.t}") (param $N i32) (param $K i32) (result i32)`,
    locals,
    '  (local $bytes i32)',
    loops(inc('bytes', packedBytes(n, get('nc'), get('kc')))),
    get('bytes'),
    ')',
    packAll('pack_b_all', 'pack_b'),
    packAll('pack_bt_all', 'pack_bt'),
  );
}

/**
 * Packs rows kb…kb+kc−1, columns jb…jb+nc−1 of B = Xᵀ, X (N, K) with rows $K values
 * long, at dst in pack_b's layout: strip after strip of NR·L columns of B (rows of
 * X), each as kc rows of NR vectors, the last strip zero-padded. Each row of X is
 * read in address order (NR·L of them at once) and scattered into its lane of
 * the strip. Once per run, so plainly scalar.
 */
function packBTFunction(n: Num): string {
  const W = NR * n.L;
  return lines(
    `(func $pack_bt_${n.t} (param $X i32) (param $K i32) (param $kb i32) (param $kc i32) (param $jb i32) (param $nc i32) (param $dst i32)`,
    '  (local $j i32) (local $c i32) (local $d i32) (local $src i32) (local $p i32) (local $stride i32)',
    set('stride', stripStride(n)),
    set('j', c32(0)),
    '(block $strips_done (loop $strips',
    '  (br_if $strips_done (i32.ge_u (local.get $j) (local.get $nc)))',
    set('c', c32(0)),
    '(loop $lanes',
    set('d', add(get('dst'), shl(get('c'), n.shift))),
    set('p', get('kc')),
    `(if (i32.lt_u ${add(get('j'), get('c'))} (local.get $nc)) (then`,
    // Row jb + j + c of X, from column kb on.
    set('src', add(get('X'), shl(add(mul(add(add(get('jb'), get('j')), get('c')), get('K')), get('kb')), n.shift))),
    '(loop $copy',
    `(${n.t}.store ${get('d')} (${n.t}.load ${get('src')}))`,
    inc('src', c32(n.size)),
    inc('d', c32(W * n.size)),
    set('p', sub(get('p'), c32(1))),
    '(br_if $copy (local.get $p)))',
    ') (else',
    '(loop $zero',
    `(${n.t}.store ${get('d')} (${n.t}.const 0))`,
    inc('d', c32(W * n.size)),
    set('p', sub(get('p'), c32(1))),
    '(br_if $zero (local.get $p)))',
    '))',
    set('c', add(get('c'), c32(1))),
    `(br_if $lanes (i32.lt_u (local.get $c) ${c32(W)})))`,
    inc('dst', get('stride')),
    inc('j', c32(W)),
    '(br $strips)))',
    ')',
  );
}

/**
 * Packs rows kb…kb+kc−1, columns jb…jb+nc−1 of B (K, N) at dst (the scratch area, or P):
 * strip after strip of NR·L columns, each as kc rows of NR vectors, the last strip
 * zero-padded. B is read row after row, in address order, so that hardware
 * prefetching keeps up; the micro-kernel then reads each strip sequentially.
 */
function packBFunction(n: Num): string {
  const W = NR * n.L;
  const copy = (w: number) =>
    lines(Array.from({ length: NR }, (_, c) => `(v128.store offset=${c * 16} ${get('d')} ${w - c * n.L <= 0 ? ZERO : load(n, get('src'), c * 16, Math.min(n.L, w - c * n.L))})`));
  return lines(
    `(func $pack_b_${n.t} (param $B i32) (param $N i32) (param $kb i32) (param $kc i32) (param $jb i32) (param $nc i32) (param $dst i32)`,
    '  (local $p i32) (local $src i32) (local $row i32) (local $d i32) (local $j i32) (local $stride i32)',
    // Bytes between the same row of consecutive strips.
    set('stride', stripStride(n)),
    set('row', add(get('B'), shl(add(mul(get('kb'), get('N')), get('jb')), n.shift))),
    set('p', c32(0)),
    '(loop $rows',
    set('src', get('row')),
    set('d', add(get('dst'), mul(get('p'), c32(W * n.size)))),
    set('j', c32(0)),
    '(block $full_done (loop $full',
    `  (br_if $full_done (i32.gt_u (i32.add (local.get $j) ${c32(W)}) (local.get $nc)))`,
    copy(W),
    inc('src', c32(W * n.size)),
    inc('d', get('stride')),
    inc('j', c32(W)),
    '  (br $full)))',
    switchOn(sub(get('nc'), get('j')), ['', ...Array.from({ length: W - 1 }, (_, k) => copy(k + 1))], 'tail'),
    inc('row', shl(get('N'), n.shift)),
    inc('p', c32(1)),
    '(br_if $rows (i32.lt_u (local.get $p) (local.get $kc))))',
    ')',
  );
}

/**
 * One row tile of the packed panel (mr rows, packed A at $pa0): its tiles across
 * every strip of packed B, writing C along its rows.
 */
function packedRow(n: Num, variant: Variant, mr: number, label: string): string {
  const W = NR * n.L;
  const strip = (widths: number[]) => lines(set('pa', get('pa0')), set('pb', get('pb0')), nnMicro(n, variant, mr, widths, 'packed'));
  return lines(
    set('j', c32(0)),
    set('pb0', get('bp')),
    set('pc', add(get('C'), mul(get('i'), get('ldc')))),
    `(block $${label}_done (loop $${label}_strips`,
    `  (br_if $${label}_done (i32.gt_u (i32.add (local.get $j) ${c32(W)}) (local.get $nc)))`,
    strip(Array(NR).fill(n.L)),
    inc('pb0', stripStride(n)),
    inc('pc', c32(W * n.size)),
    inc('j', c32(W)),
    `  (br $${label}_strips)))`,
    switchOn(sub(get('nc'), get('j')), ['', ...Array.from({ length: W - 1 }, (_, k) => strip(stripWidths(n, k + 1)))], `${label}_last`),
  );
}

/**
 * The packed panel: C[0…mc, 0…nc) (+)= packed op(A) (mc × kc) · packed B (kc ×
 * nc), C already offset to the block. Row tiles outer: the tile of A stays in L1
 * while it sweeps packed B (in L2), and C is written along its rows; with
 * strips outer, a small k would leave C's traffic to columns of lines that
 * collide in L1 when the row length is a multiple of 4 KiB (N = 4096 in
 * predictions).
 */
function packedPanelFunction(n: Num, variant: Variant): string {
  return lines(
    `(func $panel_packed_${n.t} (param $C i32) (param $mc i32) (param $nc i32) (param $kc i32) (param $bz i32) (param $alphaV v128) (param $betaV v128) (param $ldc i32) (param $bp i32)`,
    panelLocals(n),
    '  (local $pa0 i32)',
    set('i', c32(0)),
    set('pa0', c32(SCRATCH_A)),
    '(block $rows_done (loop $rows',
    `  (br_if $rows_done (i32.gt_u (i32.add (local.get $i) ${c32(MR)}) (local.get $mc)))`,
    packedRow(n, variant, MR, 'full'),
    inc('pa0', mul(get('kc'), c32(MR * n.size))),
    inc('i', c32(MR)),
    '  (br $rows)))',
    switchOn(sub(get('mc'), get('i')), ['', ...Array.from({ length: MR - 1 }, (_, k) => packedRow(n, variant, k + 1, `r${k + 1}`))], 'tail'),
    ')',
  );
}

/** C = β·C (β = 0: zeros): the whole product when K = 0. */
function scaleFunction(n: Num): string {
  return lines(
    `(func $scale_${n.t} (param $C i32) (param $count i32) (param $beta f64)`,
    '  (local $end i32)',
    set('end', add(get('C'), shl(get('count'), n.shift))),
    '(block $done (loop $each',
    '  (br_if $done (i32.ge_u (local.get $C) (local.get $end)))',
    n.t === 'f64'
      ? `  (f64.store ${get('C')} (if (result f64) (f64.eq (local.get $beta) (f64.const 0)) (then (f64.const 0)) (else (f64.mul (local.get $beta) (f64.load ${get('C')})))))`
      : `  (f32.store ${get('C')} (if (result f32) (f64.eq (local.get $beta) (f64.const 0)) (then (f32.const 0)) (else (f32.demote_f64 (f64.mul (local.get $beta) (f64.promote_f32 (f32.load ${get('C')})))))))`,
    `  ${inc('C', c32(n.size))}`,
    '  (br $each)))',
    ')',
  );
}

const gemmParams = '(param $A i32) (param $B i32) (param $C i32) (param $M i32) (param $N i32) (param $K i32) (param $alpha f64) (param $beta f64)';

/** The splat of a float64 argument in the kernel's precision. */
function splat(n: Num, x: string): string {
  return n.t === 'f64' ? `(f64x2.splat ${x})` : `(f32x4.splat (f32.demote_f64 ${x}))`;
}

/** Handles M = 0, N = 0 (nothing to do) and K = 0 (C = β·C) before the blocked loops. */
function degenerate(n: Num): string {
  return lines(
    '(if (i32.or (i32.eqz (local.get $M)) (i32.eqz (local.get $N))) (then (return)))',
    `(if (i32.eqz (local.get $K)) (then (call $scale_${n.t} ${get('C')} ${mul(get('M'), get('N'))} ${get('beta')}) (return)))`,
  );
}

/**
 * gemm_nn / gemm_tn. Small products (the planar net's) read B in place: blocks
 * of k, then of rows; pack op(A); direct panel. Larger ones pack B too: blocks
 * of NC columns, then of k (pack B), then of rows (pack op(A)); packed panel.
 */
function nnFunction(n: Num, form: 'nn' | 'tn'): string {
  const kcMax = KC[n.t];
  const kcLimit = lines(set('kc', sub(get('K'), get('kb'))), `(if (i32.gt_u (local.get $kc) ${c32(kcMax)}) (then ${set('kc', c32(kcMax))}))`);
  const mcLimit = lines(set('mc', sub(get('M'), get('ib'))), `(if (i32.gt_u (local.get $mc) ${c32(MC)}) (then ${set('mc', c32(MC))}))`);
  const packA = `(call $pack_${form}_${n.t} ${get('A')} ${form === 'nn' ? get('K') : get('M')} ${get('ib')} ${get('mc')} ${get('kb')} ${get('kc')})`;
  // The derivative by a pass over C, where the panel did not apply it.
  const derivPass = `(if (i32.and (i32.ne (local.get $act) (i32.const 0)) (i32.eqz (local.get $fused))) (then ${switchOn(sub(get('act'), c32(1)), [
    `(call $tanh_backward_${n.t} ${get('C')} ${get('G')} ${get('C')} ${mul(get('M'), get('N'))})`,
    `(call $sigmoid_backward_${n.t} ${get('C')} ${get('G')} ${get('C')} ${mul(get('M'), get('N'))})`,
    `(call $relu_backward_${n.t} ${get('C')} ${get('G')} ${get('C')} ${mul(get('M'), get('N'))} ${get('slope')})`,
  ], 'deriv')}))`;
  // Later blocks of k add onto C (and the bias is in it by then).
  const nextK = lines(set('bz', c32(0)), set('betaV', get('one')), set('bias', c32(0)), inc('kb', c32(kcMax)));
  const wrappers =
    form === 'nn'
      ? [
          `(func $gemm_nn_${n.t} (export "gemm_nn_${n.t}") ${gemmParams}`,
          `  (call $gemm_nn_core_${n.t} ${['A', 'B', 'C', 'M', 'N', 'K', 'alpha', 'beta'].map(get).join(' ')} (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (f64.const 0)))`,
          // C = α·A·B + bias·1ᵀ: a dense layer's Z = W·A_prev + b in one call.
          // With P ≠ 0, B as pack_b_all packed it there (used where the product packs B).
          `(func $gemm_nn_bias_${n.t} (export "gemm_nn_bias_${n.t}") (param $A i32) (param $B i32) (param $C i32) (param $M i32) (param $N i32) (param $K i32) (param $alpha f64) (param $bias i32) (param $P i32)`,
          `  (call $gemm_nn_core_${n.t} ${['A', 'B', 'C', 'M', 'N', 'K', 'alpha'].map(get).join(' ')} (f64.const 1) (local.get $bias) (local.get $P) (i32.const 0) (i32.const 0) (f64.const 0)))`,
          // C = α·A·Bᵀ + β·C (B (N, K)) from P, Bᵀ as pack_bt_all packed it: the NN product
          // on packed blocks. Where gemm_nn would not pack B for this shape, or P = 0,
          // gemm_nt on B itself.
          `(func $gemm_nt_packed_${n.t} (export "gemm_nt_packed_${n.t}") ${gemmParams} (param $P i32)`,
          `  (if (i32.and (i32.ne (local.get $P) (i32.const 0)) ${packsB}) (then`,
          `    (call $gemm_nn_core_${n.t} ${['A', 'B', 'C', 'M', 'N', 'K', 'alpha', 'beta'].map(get).join(' ')} (i32.const 0) (local.get $P) (i32.const 0) (i32.const 0) (f64.const 0))`,
          `    (return)))`,
          `  (call $gemm_nt_${n.t} ${['A', 'B', 'C', 'M', 'N', 'K', 'alpha', 'beta'].map(get).join(' ')}))`,
        ]
      : [
          `(func $gemm_tn_${n.t} (export "gemm_tn_${n.t}") ${gemmParams}`,
          `  (call $gemm_tn_core_${n.t} ${['A', 'B', 'C', 'M', 'N', 'K', 'alpha', 'beta'].map(get).join(' ')} (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (f64.const 0)))`,
          // C = (Aᵀ·B) ⊙ g'(G), G (M, N): a layer's dZ = (Wᵀ·dZ_next) ⊙ g'. act: 1 tanh and
          // 2 sigmoid (G = A), 3 relu with the leaky slope (G = Z); as gemm_tn (α = 1, β = 0)
          // followed by that activation's backward kernel, bit for bit.
          `(func $gemm_tn_grad_${n.t} (export "gemm_tn_grad_${n.t}") (param $A i32) (param $B i32) (param $C i32) (param $M i32) (param $N i32) (param $K i32) (param $G i32) (param $act i32) (param $slope f64)`,
          `  (call $gemm_tn_core_${n.t} ${['A', 'B', 'C', 'M', 'N', 'K'].map(get).join(' ')} (f64.const 1) (f64.const 0) (i32.const 0) (i32.const 0) ${get('act')} ${get('G')} ${get('slope')}))`,
        ];
  return lines(
    ...wrappers,
    `(func $gemm_${form}_core_${n.t} ${gemmParams} (param $bias i32) (param $P i32) (param $act i32) (param $G i32) (param $slope f64)`,
    '  (local $kb i32) (local $kc i32) (local $ib i32) (local $mc i32) (local $jb i32) (local $nc i32) (local $bz i32) (local $bz0 i32) (local $ldc i32) (local $bp i32) (local $fused i32)',
    '  (local $alphaV v128) (local $betaV v128) (local $beta0 v128) (local $one v128)',
    '(if (i32.or (i32.eqz (local.get $M)) (i32.eqz (local.get $N))) (then (return)))',
    // A bias the direct panel cannot add (K = 0, or B packed) is broadcast into C first.
    `(if (i32.and (i32.ne (local.get $bias) (i32.const 0)) (i32.or (i32.eqz (local.get $K)) ${packsB})) (then`,
    `  (call $broadcast_column_${n.t} ${get('bias')} ${get('C')} ${get('M')} ${get('N')})`,
    `  ${set('bias', c32(0))}))`,
    // The derivative goes into the direct panel's store when one block of k makes the
    // whole product; otherwise a pass over C applies it after.
    set('fused', `(i32.and (i32.ne (local.get $act) (i32.const 0)) (i32.and (i32.le_u (local.get $K) ${c32(kcMax)}) (i32.eqz ${packsB})))`),
    `(if (i32.and (i32.ne (local.get $act) (i32.const 0)) (i32.eqz (local.get $K))) (then (call $scale_${n.t} ${get('C')} ${mul(get('M'), get('N'))} ${get('beta')}) ${derivPass} (return)))`,
    degenerate(n),
    set('alphaV', splat(n, get('alpha'))),
    set('beta0', splat(n, get('beta'))),
    set('one', splat(n, '(f64.const 1)')),
    set('bz0', '(f64.eq (local.get $beta) (f64.const 0))'),
    set('ldc', shl(get('N'), n.shift)),
    `(if ${packsB} (then`,
    set('jb', c32(0)),
    '(loop $jblocks',
    set('nc', sub(get('N'), get('jb'))),
    `(if (i32.gt_u (local.get $nc) ${c32(NC)}) (then ${set('nc', c32(NC))}))`,
    set('bz', get('bz0')),
    set('betaV', get('beta0')),
    set('kb', c32(0)),
    '(loop $kblocks',
    kcLimit,
    // B packed before (P, block after block in this loop's order), or now into the scratch area.
    `(if (local.get $P) (then ${set('bp', get('P'))} ${inc('P', packedBytes(n, get('nc'), get('kc')))}) (else`,
    `  (call $pack_b_${n.t} ${get('B')} ${get('N')} ${get('kb')} ${get('kc')} ${get('jb')} ${get('nc')} ${c32(SCRATCH_B)})`,
    `  ${set('bp', c32(SCRATCH_B))}))`,
    set('ib', c32(0)),
    '(loop $iblocks',
    mcLimit,
    // Where op(A) is one block (M ≤ MC, K ≤ KC: a first layer's dZ1 in dW1 = dZ1·Xᵀ), its
    // packed copy from the first block of columns serves every later one.
    `(if (i32.or (i32.eqz (local.get $jb)) (i32.or (i32.gt_u (local.get $M) ${c32(MC)}) (i32.gt_u (local.get $K) ${c32(kcMax)}))) (then ${packA}))`,
    `(call $panel_packed_${n.t} ${add(get('C'), shl(add(mul(get('ib'), get('N')), get('jb')), n.shift))} ${get('mc')} ${get('nc')} ${get('kc')} ${get('bz')} ${get('alphaV')} ${get('betaV')} ${get('ldc')} ${get('bp')})`,
    inc('ib', c32(MC)),
    '(br_if $iblocks (i32.lt_u (local.get $ib) (local.get $M))))',
    nextK,
    '(br_if $kblocks (i32.lt_u (local.get $kb) (local.get $K))))',
    inc('jb', c32(NC)),
    '(br_if $jblocks (i32.lt_u (local.get $jb) (local.get $N))))',
    derivPass,
    '(return)))',
    set('bz', get('bz0')),
    set('betaV', get('beta0')),
    set('kb', c32(0)),
    '(loop $kblocks',
    kcLimit,
    set('ib', c32(0)),
    '(loop $iblocks',
    mcLimit,
    packA,
    `(call $panel_${n.t} ${add(get('B'), shl(mul(get('kb'), get('N')), n.shift))} ${add(get('C'), shl(mul(get('ib'), get('N')), n.shift))} ${get('mc')} ${get('N')} ${get('kc')} ${get('bz')} ${get('alphaV')} ${get('betaV')} ${get('ldc')} (select ${add(get('bias'), shl(get('ib'), n.shift))} (i32.const 0) ${get('bias')}) (select ${get('act')} (i32.const 0) ${get('fused')}) ${sub(get('G'), get('C'))} (f64x2.splat ${get('slope')}))`,
    inc('ib', c32(MC)),
    '(br_if $iblocks (i32.lt_u (local.get $ib) (local.get $M))))',
    nextK,
    '(br_if $kblocks (i32.lt_u (local.get $kb) (local.get $K))))',
    derivPass,
    ')',
  );
}

// ---------------------------------------------------------------------------
// NT: dot products along k.

/**
 * The lanes of the nr ≤ 2 accumulators of one row, summed: sum c lands in lane c.
 */
function reduceRow(n: Num, accs: string[]): string {
  const shuffle = (a: string, b: string, lanes: number[]) => {
    const bytes = lanes.flatMap((l) => Array.from({ length: n.size }, (_, k) => l * n.size + k));
    while (bytes.length < 16) bytes.push(0);
    return `(i8x16.shuffle ${bytes.join(' ')} ${a} ${b})`;
  };
  const [x, y] = accs;
  if (n.t === 'f64') {
    // [x0 + x1, y0 + y1]; with one accumulator, lane 0 is x0 + x1.
    if (y === undefined) return `(f64x2.add ${x} ${shuffle(x, x, [1, 0])})`;
    return `(f64x2.add ${shuffle(x, y, [0, 2])} ${shuffle(x, y, [1, 3])})`;
  }
  // float32: pairs first, then the two halves of each pair.
  const yy = y ?? x;
  const pairs = `(f32x4.add ${shuffle(x, yy, [0, 1, 4, 5])} ${shuffle(x, yy, [2, 3, 6, 7])})`;
  return lines(set('t', pairs), `(f32x4.add ${shuffle(get('t'), get('t'), [0, 2, 0, 2])} ${shuffle(get('t'), get('t'), [1, 3, 1, 3])})`);
}

/**
 * One mr × nr tile of NT: rows i… of A and j… of B, steps kb…kb+kc−1 of k, the
 * full vectors first, then the partial one (kc mod L values).
 */
function ntMicro(n: Num, variant: Variant, mr: number, nr: number): string {
  const acc = (r: number, c: number) => `c${r}_${c}`;
  const out: string[] = [];
  for (let r = 0; r < mr; r++) out.push(set(`a${r}p`, r === 0 ? get('pa') : add(get(`a${r - 1}p`), get('lda'))));
  for (let c = 0; c < nr; c++) out.push(set(`b${c}p`, c === 0 ? get('pb') : add(get(`b${c - 1}p`), get('lda2'))));
  for (let r = 0; r < mr; r++) for (let c = 0; c < nr; c++) out.push(set(acc(r, c), ZERO));
  const step = (w: number) => {
    const s: string[] = [];
    for (let c = 0; c < nr; c++) s.push(set(`b${c}`, load(n, add(get(`b${c}p`), get('o')), 0, w)));
    for (let r = 0; r < mr; r++) {
      s.push(set('a', load(n, add(get(`a${r}p`), get('o')), 0, w)));
      for (let c = 0; c < nr; c++) s.push(set(acc(r, c), madd(n, variant, get('a'), get(`b${c}`), get(acc(r, c)))));
    }
    return lines(s);
  };
  out.push(
    set('o', c32(0)),
    '(if (local.get $vend) (then (loop $k',
    step(n.L),
    inc('o', c32(16)),
    '(br_if $k (i32.lt_u (local.get $o) (local.get $vend))))))',
    switchOn(get('rest'), ['', ...Array.from({ length: n.L - 1 }, (_, k) => step(k + 1))], 'rest'),
  );
  const update = (withBeta: boolean) => {
    const u: string[] = [set('q', get('pc'))];
    for (let r = 0; r < mr; r++) {
      const sums = reduceRow(n, Array.from({ length: nr }, (_, c) => get(acc(r, c))));
      u.push(set('s', sums.includes('\n') ? `(block (result v128) ${sums})` : sums));
      u.push(updateC(n, get('q'), 0, nr, get('s'), withBeta));
      if (r < mr - 1) u.push(inc('q', get('ldc')));
    }
    return lines(u);
  };
  out.push(`(if (local.get $bz) (then ${update(false)}) (else ${update(true)}))`);
  return lines(out);
}

/**
 * One row tile of NT (mr rows of A from $pa): its tiles across the block of
 * rows $jb…$jend−1 of B, NR rows at a time and then the one left over, writing
 * C along its rows.
 */
function ntRow(n: Num, variant: Variant, mr: number, label: string): string {
  return lines(
    set('j', get('jb')),
    set('pb', add(get('B'), shl(add(mul(get('jb'), get('K')), get('kb')), n.shift))),
    set('pc', add(get('C'), shl(add(mul(get('i'), get('N')), get('jb')), n.shift))),
    `(block $${label}_done (loop $${label}_cols`,
    `  (br_if $${label}_done (i32.gt_u (i32.add (local.get $j) ${c32(NR)}) (local.get $jend)))`,
    ntMicro(n, variant, mr, NR),
    inc('pb', mul(get('lda2'), c32(NR))),
    inc('pc', c32(NR * n.size)),
    inc('j', c32(NR)),
    `  (br $${label}_cols)))`,
    // NR = 2: at most one row of B remains.
    `(if (i32.lt_u (local.get $j) (local.get $jend)) (then ${ntMicro(n, variant, mr, 1)}))`,
  );
}

/**
 * gemm_nt: blocks of KC_NT steps of k, then of NB rows of B (which stay in L2
 * while every row tile of A passes over them), then row tiles of A, each across
 * the block, so that C is written along its rows.
 */
function ntFunction(n: Num, variant: Variant): string {
  const kcMax = KC_NT[n.t];
  const accs: string[] = [];
  for (let r = 0; r < MR; r++) for (let c = 0; c < NR; c++) accs.push(`(local $c${r}_${c} v128)`);
  const ptrs = [...Array.from({ length: MR }, (_, r) => `(local $a${r}p i32)`), ...Array.from({ length: NR }, (_, c) => `(local $b${c}p i32)`)];
  return lines(
    `(func $gemm_nt_${n.t} (export "gemm_nt_${n.t}") ${gemmParams}`,
    '  (local $kb i32) (local $kc i32) (local $jb i32) (local $jend i32) (local $bz i32) (local $alphaV v128) (local $betaV v128)',
    '  (local $j i32) (local $i i32) (local $pa i32) (local $pb i32) (local $pc i32) (local $q i32) (local $o i32) (local $vend i32) (local $rest i32) (local $lda i32) (local $lda2 i32) (local $ldc i32)',
    `  (local $a v128) (local $s v128) (local $t v128) ${Array.from({ length: NR }, (_, c) => `(local $b${c} v128)`).join(' ')}`,
    `  ${ptrs.join(' ')}`,
    `  ${accs.join(' ')}`,
    degenerate(n),
    set('alphaV', splat(n, get('alpha'))),
    set('betaV', splat(n, get('beta'))),
    set('bz', '(f64.eq (local.get $beta) (f64.const 0))'),
    set('lda', shl(get('K'), n.shift)),
    set('lda2', get('lda')),
    set('ldc', shl(get('N'), n.shift)),
    set('kb', c32(0)),
    '(loop $kblocks',
    `  ${set('kc', sub(get('K'), get('kb')))}`,
    `  (if (i32.gt_u (local.get $kc) ${c32(kcMax)}) (then ${set('kc', c32(kcMax))}))`,
    // Bytes of whole vectors in kc, and the values left over.
    `  ${set('vend', shl(`(i32.and ${get('kc')} ${c32(~(n.L - 1))})`, n.shift))}`,
    `  ${set('rest', `(i32.and ${get('kc')} ${c32(n.L - 1)})`)}`,
    set('jb', c32(0)),
    '(loop $jblocks',
    set('jend', add(get('jb'), c32(NB))),
    `(if (i32.gt_u (local.get $jend) (local.get $N)) (then ${set('jend', get('N'))}))`,
    set('i', c32(0)),
    set('pa', add(get('A'), shl(get('kb'), n.shift))),
    '(block $rows_done (loop $rows',
    `  (br_if $rows_done (i32.gt_u (i32.add (local.get $i) ${c32(MR)}) (local.get $M)))`,
    ntRow(n, variant, MR, 'full'),
    inc('pa', mul(get('lda'), c32(MR))),
    inc('i', c32(MR)),
    '  (br $rows)))',
    switchOn(sub(get('M'), get('i')), ['', ...Array.from({ length: MR - 1 }, (_, k) => ntRow(n, variant, k + 1, `r${k + 1}`))], 'tail'),
    set('jb', get('jend')),
    '(br_if $jblocks (i32.lt_u (local.get $jb) (local.get $N))))',
    // Later blocks of k add onto C.
    `  ${set('bz', c32(0))}`,
    `  ${set('betaV', splat(n, '(f64.const 1)'))}`,
    `  ${inc('kb', c32(kcMax))}`,
    '  (br_if $kblocks (i32.lt_u (local.get $kb) (local.get $K))))',
    ')',
  );
}

// ---------------------------------------------------------------------------
// The peak: a register-only loop of independent multiply-adds, for the bench.

/**
 * peak_<t>(n): n rounds of 12 independent vector multiply-adds acc = acc·m + d
 * (fused in the relaxed variant), on registers only; returns a lane of the sum
 * so that nothing is optimised away. Flops = n · 12 · lanes · 2.
 *
 * Fused, 12 chains cover the multiply-add's latency, so the loop runs at the
 * machine's throughput: WebAssembly SIMD's peak. Unfused, each chain is a
 * multiply then an add, and 12 chains do not cover both latencies: the loop
 * understates what separate multiplies and adds can do (the GEMM's own loop,
 * whose products do not depend on the accumulators, runs faster). More chains,
 * or products off the chains, do not fit V8's 15 vector registers, and
 * loop-invariant products would be hoisted.
 */
function peakFunction(n: Num, variant: Variant): string {
  const accs = Array.from({ length: 12 }, (_, k) => `x${k}`);
  return lines(
    `(func $peak_${n.t} (export "peak_${n.t}") (param $n i32) (result f64)`,
    `  (local $m v128) (local $d v128) ${accs.map((a) => `(local $${a} v128)`).join(' ')}`,
    set('m', splat(n, '(f64.const 0.999)')),
    set('d', splat(n, '(f64.const 0.001)')),
    ...accs.map((a, k) => set(a, splat(n, `(f64.const ${(k + 1) / 16})`))),
    '(block $done (loop $round',
    '  (br_if $done (i32.eqz (local.get $n)))',
    ...accs.map((a) => set(a, madd(n, variant, get(a), get('m'), get('d')))),
    `  ${set('n', sub(get('n'), c32(1)))}`,
    '  (br $round)))',
    ...accs.slice(1).map((a) => set('x0', `(${n.v}.add ${get('x0')} ${get(a)})`)),
    n.t === 'f64' ? '(f64x2.extract_lane 0 (local.get $x0))' : '(f64.promote_f32 (f32x4.extract_lane 0 (local.get $x0)))',
    ')',
  );
}

export function gemmFunctions(variant: Variant): string {
  const parts = [
    ';; GEMM kernels (scripts/wasm/gemm.ts). The packed block of op(A) lives at',
    `;; bytes ${SCRATCH_A}…${SCRATCH_B}, of B at ${SCRATCH_B}…${SCRATCH_END}; matrices start at heap_base.`,
    `(global (export "heap_base") i32 (i32.const ${HEAP_BASE}))`,
  ];
  for (const n of [F64, F32]) {
    parts.push(
      scaleFunction(n),
      packFunction(n, 'nn'),
      packFunction(n, 'tn'),
      panelFunction(n, variant),
      packBFunction(n),
      packBTFunction(n),
      packAllFunctions(n),
      packedPanelFunction(n, variant),
      nnFunction(n, 'nn'),
      nnFunction(n, 'tn'),
      ntFunction(n, variant),
      peakFunction(n, variant),
    );
  }
  return parts.join('\n');
}
