/**
 * Seeded random number generators for the training core: weight initialization,
 * dropout masks, mini-batch shuffles and the toy datasets.
 *
 * Two kinds, chosen by name from `rngKinds`:
 * - 'numpy' reproduces NumPy's legacy `np.random.seed(s)` / `RandomState` bit for bit:
 *   MT19937, `randn` by the legacy polar Gauss method with its cached second value,
 *   `rand` as `random_sample`, `permutation` as the legacy shuffle. Use it to match the
 *   course's notebooks number for number.
 * - 'default' is xoshiro128** (Blackman and Vigna): it passes BigCrush and PractRand,
 *   has a period of 2^128 - 1, and needs only 32-bit integer operations, which
 *   JavaScript does natively (64-bit generators such as PCG64 need BigInt here and are
 *   several times slower). Doubles take 53 bits from two draws; normals use the polar
 *   method with V8's Math.log, which is a software libm and gives the same bits on
 *   every platform.
 *
 * NumPy's numbers also go through the C library's log, sin and cos, whose last bits V8's
 * Math functions do not always match; so this file also carries bit-exact ports of glibc's
 * (`glibcLog`, `glibcSin`, `glibcCos`, with an exact `fma`). They would sit better in a
 * libm.ts of their own.
 *
 * Pure: imports nothing.
 */

export type RngKind = 'numpy' | 'default';

/** A seeded stream of random numbers. Every call continues the same stream. */
export interface Rng {
  readonly kind: RngKind;
  /** n standard-normal draws, in order. */
  randn(n: number): Float64Array;
  /** n uniform draws in [0, 1). */
  rand(n: number): Float64Array;
  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array;
}

/** The largest seed: seeds are unsigned 32-bit integers, as `np.random.seed` takes. */
export const MAX_SEED = 0xffffffff;

/** The generator kinds, by name. */
export const rngKinds: Record<RngKind, { create: (seed: number) => Rng; description: string }> = {
  numpy: {
    create: (seed) => new NumpyRandomState(seed),
    description: "NumPy's legacy np.random.seed / RandomState (MT19937), bit for bit",
  },
  default: {
    create: (seed) => new Xoshiro128(seed),
    description: 'xoshiro128**: fast, 32-bit arithmetic, period 2^128 - 1',
  },
};

/**
 * A generator of the given kind, seeded with an integer in [0, 2^32 - 1].
 * @throws Error naming the seed when it is not such an integer, or the kind when unknown.
 */
export function createRng(seed: number, kind: RngKind = 'default'): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new Error(`random seed must be an integer from 0 to ${MAX_SEED}, got ${seed}`);
  }
  const entry = Object.hasOwn(rngKinds, kind) ? rngKinds[kind] : undefined;
  if (!entry) {
    throw new Error(`unknown random generator kind '${kind}' (expected 'numpy' or 'default')`);
  }
  return entry.create(seed);
}

function checkCount(n: number, method: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new Error(`${method}: n must be an integer from 0 to 2147483647, got ${n}`);
  }
}

/** 0, 1, ..., n-1 shuffled by Fisher–Yates from the end; `upTo(i)` draws from [0, i]. */
function shuffledRange(n: number, upTo: (max: number) => number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = upTo(i);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** The smallest all-ones bit mask covering max (max < 2^31). */
function maskFor(max: number): number {
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask;
}

// ---------------------------------------------------------------------------------------
// NumPy legacy RandomState

const MT_N = 624;
const MT_M = 397;

/** The Mersenne Twister MT19937, seeded as NumPy's `mt19937_seed` (init_genrand). */
class Mt19937 {
  private readonly key = new Uint32Array(MT_N);
  private pos = MT_N;

  constructor(seed: number) {
    let s = seed >>> 0;
    for (let i = 0; i < MT_N; i++) {
      this.key[i] = s;
      s = (Math.imul(1812433253, s ^ (s >>> 30)) + i + 1) >>> 0;
    }
  }

  /** The next tempered 32-bit output, as an unsigned number. */
  nextUint32(): number {
    if (this.pos === MT_N) this.twist();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) from 53 bits of two outputs (NumPy's `random_sample`). */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  private twist(): void {
    const key = this.key;
    for (let i = 0; i < MT_N; i++) {
      const y = (key[i] & 0x80000000) | (key[(i + 1) % MT_N] & 0x7fffffff);
      key[i] = key[(i + MT_M) % MT_N] ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    }
    this.pos = 0;
  }
}

/**
 * NumPy's legacy `RandomState` after `np.random.seed(seed)`: the stream the course's
 * notebooks draw from. The Gauss cache (`has_gauss`) persists across calls, as in NumPy:
 * randn draws normals in pairs and keeps the second for the next draw; rand and
 * permutation leave it alone.
 */
class NumpyRandomState implements Rng {
  readonly kind = 'numpy' as const;
  private readonly mt: Mt19937;
  private hasGauss = false;
  private gauss = 0;

  constructor(seed: number) {
    this.mt = new Mt19937(seed);
  }

  randn(n: number): Float64Array {
    checkCount(n, 'randn');
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextGauss();
    return out;
  }

  rand(n: number): Float64Array {
    checkCount(n, 'rand');
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.mt.nextDouble();
    return out;
  }

  permutation(n: number): Int32Array {
    checkCount(n, 'permutation');
    return shuffledRange(n, (max) => this.interval(max));
  }

  /** NumPy's `legacy_gauss`: the polar method, returning f*x2 and caching f*x1. */
  private nextGauss(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      return this.gauss;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2.0 * this.mt.nextDouble() - 1.0;
      x2 = 2.0 * this.mt.nextDouble() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 === 0.0);
    const f = Math.sqrt((-2.0 * glibcLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** NumPy's `random_interval`: uniform in [0, max] by masking and rejection. */
  private interval(max: number): number {
    const mask = maskFor(max);
    let value: number;
    do value = this.mt.nextUint32() & mask;
    while (value > max);
    return value;
  }
}

// ---------------------------------------------------------------------------------------
// glibc's log, bit for bit
//
// NumPy's legacy Gauss calls the C library's log(). V8's Math.log (an fdlibm port) differs
// from glibc's in the last bit for about 7% of arguments in (0, 1), and a correctly
// rounded log would still differ for about 0.1%, so randn would not match NumPy. This is
// glibc's log (2.28 and later; the algorithm and tables come from Arm's optimized-routines)
// as its x86-64 FMA build computes it: the operations and their fusions follow the machine
// code of glibc 2.36's `__log_fma`, and the constants were read from that library. Every
// fused multiply-add is done exactly by `fma` below. Checked against glibc on 20 million
// arguments; make_random_fixtures.py writes a sample that the tests check.
// (Without FMA, glibc uses another variant that can differ in rare last bits, and so may
// NumPy on such a machine; macOS and Windows have other libms altogether.)

const LN2_HI = 0.6931471805598903;
const LN2_LO = 5.497923018708371e-14;
/** log1p(r) - r ≈ r^2 * (A0 + r*A1 + ...) for |r| < 1/256 (the table path). */
const A = [
  -0.5000000000000001, 0.33333333331825593, -0.2499999999622955, 0.20000304511814496,
  -0.16667054827627667,
];
/** log1p(r) near x = 1: r^2 * B0 + r^3 * (B1 + r*B2 + ...). */
const B = [
  -0.5, 0.3333333333333352, -0.24999999999998432, 0.19999999999320328, -0.16666666669929706,
  0.14285715076560868, -0.12499997863982555, 0.11110712032936046, -0.10000486757818193,
  0.09181994006195467, -0.08328363062289341,
];
/** 128 pairs (1/c, log(c)), c near the centre of each subinterval of [0x1.6p-1, 0x1.6p0). */
const LOG_TABLE = new Float64Array([
  1.4504249240398293, -0.3718565645633589, 1.442253508327276, -0.36620682668944937,
  1.4341736174350004, -0.3605888069791945, 1.426183816329995, -0.3550022171419869,
  1.4182825527052965, -0.34944666968829097, 1.4104682921759335, -0.3439217713603284,
  1.4027396147468003, -0.3384271921261188, 1.3950954438932313, -0.332962831494342,
  1.3875338232485754, -0.32752794345742586, 1.3800539211058593, -0.32212257167088865,
  1.3726542695419708, -0.3167462884799761, 1.3653332798446802, -0.3113985598928366,
  1.358090204587874, -0.3060794515165526, 1.3509234892132138, -0.300788424667644,
  1.3438320840699889, -0.2955252968476998, 1.3368146974742003, -0.29028969275850613,
  1.329870114677736, -0.2850812793277555, 1.322997339161106, -0.27989987391470095,
  1.316195352741367, -0.27474526621870154, 1.3094628125672239, -0.2696169863701243,
  1.3027990455471041, -0.26451506180308115, 1.2962024229438942, -0.2594387762767383,
  1.2896726275815547, -0.2543884090981692, 1.2832080305745537, -0.24936321635129843,
  1.276807885983376, -0.24436312405975968, 1.2704714060687552, -0.23938801747897287,
  1.2641976054949482, -0.23443761696705678, 1.257985357514882, -0.22951151871518505,
  1.2518337750655457, -0.2246094963439873, 1.2457421919097305, -0.21973149037705753,
  1.2397094966625508, -0.2148770752847895, 1.2337348463589233, -0.210046029103637,
  1.2278176973028803, -0.20523836373934046, 1.2219570190618474, -0.20045368751368642,
  1.2161519732977757, -0.1956917537758045, 1.2104018095009725, -0.19095237845203883,
  1.204705805718973, -0.18623539250290833, 1.1990631185441964, -0.18154051731551135,
  1.1934733004462308, -0.1768677957431919, 1.1879350812847385, -0.17221657406412305,
  1.1824481322833125, -0.16758697765942543, 1.1770114976921955, -0.16297859687290384,
  1.1716248121809465, -0.15839151377804228, 1.1662869231674715, -0.15382513241456763,
  1.1609977486762766, -0.14927976358922024, 1.1557563220795803, -0.14475495398119165,
  1.1505619105480347, -0.14025044090817573, 1.1454138888505974, -0.1357660466685502,
  1.140311877374656, -0.1313018016355727, 1.1352550225747513, -0.12685731518763532,
  1.1302429094831266, -0.1224325737671279, 1.1252747693068048, -0.11802724521862729,
  1.1203501571039876, -0.11364127671663482, 1.1154683327680124, -0.10927434611278386,
  1.1106291463292157, -0.10492665324943573, 1.1058315813301596, -0.10059761422644442,
  1.1010752177696026, -0.09628717309055901, 1.0963597137952512, -0.09199534069557558,
  1.0916844827550398, -0.08772190036688698, 1.0870487291277784, -0.08346643613867855,
  1.082452357388312, -0.07922916827544668, 1.0778948225025884, -0.0750099004750382,
  1.0733751731601076, -0.07080805133352897, 1.068893585073351, -0.06662408085151128,
  1.0644491706655506, -0.06245745471915143, 1.0600414846328305, -0.0583080438042316,
  1.0556701316181605, -0.05417576112313327, 1.051334750556926, -0.050060547896805474,
  1.0470347288442157, -0.045962101199052086, 1.0427699229652954, -0.04188056008865715,
  1.0385395013738175, -0.03781540056183985, 1.034343418940345, -0.03376684757915882,
  1.0301811073173315, -0.029734619131772888, 1.026052043621297, -0.025718470239212365,
  1.0219561082336197, -0.021718543925430822, 1.0178926505784922, -0.01773446126981071,
  1.0138614436244586, -0.013766252464051831, 1.0098620186501341, -0.009813706322574944,
  1.0058938559734134, -0.005876555150052809, 1.00195696235014, -0.0019550499938532084,
  0.9961089923088509, 0.0038985973556009412, 0.9884170338185201, 0.011650571286395461,
  0.9808429191005297, 0.019342955478919066, 0.9733840169987446, 0.0269766014846482,
  0.9660377568876556, 0.034552359728422744, 0.9588014945307369, 0.04207121767183253,
  0.9516728569073111, 0.049533940950141186, 0.9446494635965822, 0.056941358295944156,
  0.9377288993026223, 0.06429439168346107, 0.9309091073790681, 0.0715936354946507,
  0.924187681612722, 0.07884010933776153, 0.9175626765599192, 0.08603438905970506,
  0.9110320403624034, 0.09317721180013905, 0.9045935839762024, 0.10026951462748457,
  0.8982456375922825, 0.10731170956330516, 0.8919860966782501, 0.11430473320717738,
  0.8858131121185129, 0.12124928503033061, 0.879725075760676, 0.12814583422959913,
  0.8737201372634685, 0.1349951636851756, 0.8677966405782273, 0.1417978768189414,
  0.8619528050060739, 0.14855476039031146, 0.8561872354420692, 0.1552661937658968,
  0.8504983927816893, 0.16193275688146969, 0.8448844572790304, 0.16855539792220497,
  0.8393442741575965, 0.1751343179947753, 0.8338762249349438, 0.1816702989864325,
  0.8284789320557778, 0.18816387146023317, 0.8231510800065832, 0.1946155228479256,
  0.8178913903778707, 0.20102572579389744, 0.8126984007245374, 0.2073952090795501,
  0.8075710029460227, 0.21372429840596396, 0.8025078881160415, 0.2200135945981856,
  0.7975077379364331, 0.22626374162859975, 0.792569604966373, 0.23247494747693054,
  0.7876923641254114, 0.23864766620658884, 0.7828746724940998, 0.24478265647405806,
  0.7781155388790811, 0.25088025827324145, 0.7734139557869777, 0.2569408552510595,
  0.7687687179914933, 0.26296511155101143, 0.7641790698041854, 0.2689531327189343,
  0.7596438763692399, 0.27490553924610595, 0.7551621951078668, 0.2808227248478943,
  0.7507331780216866, 0.286704979267256, 0.7463557196361751, 0.29255295645509705,
  0.7420289364869653, 0.2983670386142876, 0.7377521537065876, 0.30414734587282055,
  0.7335242966002608, 0.30989455774829366, 0.729344777457841, 0.31560871301871884,
]);

/** glibc's log(x) for finite x > 0; other arguments go to Math.log (same results there). */
export function glibcLog(x: number): number {
  if (x >= 0.9375 && x < 1.064697265625) return logNearOne(x);
  if (!(x >= 2.2250738585072014e-308) || x === Infinity) {
    return x > 0 && x < Infinity ? logSubnormal(x) : Math.log(x);
  }
  bits.f64[0] = x;
  return logTable(bits.u32[HI], bits.u32[LO], 0);
}

/**
 * The table path: x = 2^k z with z in [0x1.6p-1, 0x1.6p0), and
 * log x = k ln2 + log c + log1p(z/c - 1) with c from the table.
 */
function logTable(hiWord: number, loWord: number, kBias: number): number {
  const tmpHi = (hiWord - 0x3fe60000) | 0;
  const i = (tmpHi >>> 13) & 127;
  const k = (tmpHi >> 20) + kBias;
  bits.u32[HI] = hiWord - (tmpHi & 0xfff00000);
  bits.u32[LO] = loWord;
  const z = bits.f64[0];
  const invc = LOG_TABLE[2 * i];
  const logc = LOG_TABLE[2 * i + 1];
  const r = fmaNearOne(z, invc);
  const w = k * LN2_HI + logc; // k * LN2_HI is exact, so the fusion changes nothing
  const hi = w + r;
  const lo = fma(k, LN2_LO, w - hi + r);
  const r2 = r * r;
  const p = fma(fma(r, A[4], A[3]), r2, fma(r, A[2], A[1]));
  return fma(r * r2, p, fma(r2, A[0], lo)) + hi;
}

/** Subnormal x: scaled by 2^52 and the exponent corrected, as glibc does. */
function logSubnormal(x: number): number {
  bits.f64[0] = x * 4503599627370496;
  return logTable(bits.u32[HI], bits.u32[LO], -52);
}

/** x in [1 - 2^-4, 1 + 0x1.09p-4): a polynomial in r = x - 1, with r^2/2 in two parts. */
function logNearOne(x: number): number {
  if (x === 1) return 0;
  const r = x - 1.0;
  const r2 = r * r;
  const r3 = r * r2;
  const p012 = fma(r2, B[3], fma(r, B[2], B[1]));
  const p345 = fma(r2, B[6], fma(r, B[5], B[4]));
  const p6789 = fma(r3, B[10], fma(r2, B[9], fma(r, B[8], B[7])));
  const p = fma(fma(p6789, r3, p345), r3, p012);
  const rhi = r + r * 134217728 - r * 134217728; // r rounded to 26 bits; every step exact
  const rlo = r - rhi;
  const w = rhi * rhi * B[0]; // exact
  const hi = r + w;
  let lo = r - hi + w;
  lo = fma(B[0] * rlo, rhi + r, lo);
  return hi + fma(r3, p, lo);
}

// ---------------------------------------------------------------------------------------
// glibc's sin and cos, bit for bit
//
// The course's planar dataset takes np.sin and np.cos of the random angles; NumPy calls the
// C library for float64 sin and cos. V8's Math.sin and Math.cos (fdlibm ports) differ from
// glibc's in the last bit for about 3% of arguments, which moves 49 of the 400 planar
// points. These are glibc's sin and cos (the IBM Accurate Mathematical Library, as glibc
// 2.28+ has it) as its x86-64 FMA build computes them: operations and fusions follow the
// machine code of glibc 2.36's `__sin_fma` and `__cos_fma`, constants read from it. For
// |x| >= 105414350 glibc reduces with a multi-precision routine not ported here; there
// these fall back to Math.sin and Math.cos (a planar angle would need noise of ~1e8).

/** 2^45 * 1.5: adding it rounds |x| to a multiple of 1/128, whose index is the low word. */
const BIG = 52776558133248;
const SN3 = -0.16666666666666488;
const SN5 = 0.008333332142857223;
const CS2 = 0.5;
const CS4 = -0.04166666666666644;
const CS6 = 0.001388888740079376;
/** The Taylor coefficients for |x| < 0.126: -1/3!, 1/5!, ... */
const S1 = -0.16666666666666666;
const S2 = 0.008333333333332329;
const S3 = -0.00019841269834414642;
const S4 = 2.755729806860771e-6;
const S5 = -2.5022014848318398e-8;
/** pi/2 in one (HP0 + HP1) and in four parts (MP1 + MP2 + PP3 + PP4), and 2/pi. */
const HP0 = 1.5707963267948966;
const HP1 = 6.123233995736766e-17;
const MP1 = 1.5707963407039642;
const MP2 = -1.3909067564377153e-8;
const PP3 = -4.97899623147991e-17;
const PP4 = -1.9034889620193266e-25;
const HPINV = 0.6366197723675814;
const TOINT = 6755399441055744;
/** For i = 0..109: sin(i/128) and cos(i/128), each as a double and a correction. */
const SINCOS_TABLE = new Float64Array([
  0.0, 0.0, 1.0, 0.0,
  0.0078124205273828315, -4.102755709382617e-19, 0.9999694825770951, 5.427791428371788e-17,
  0.015624364224883372, -1.265093755275982e-19, 0.9998779321710066, 3.216122229972341e-17,
  0.02343535429172257, 1.0500785515068913e-19, 0.9997253543694995, 4.666714544113391e-17,
  0.03124491398532608, -1.562781562225433e-18, 0.9995117584851364, -3.418806487972947e-17,
  0.03905256665042215, 1.1342467037138512e-18, 0.999237157554709, 1.1089280858439994e-17,
  0.04685783574813424, -2.3419368365610254e-18, 0.9989015683384429, -2.1425557800399754e-17,
  0.05466024488506646, 3.373831935351774e-19, 0.9985050113189741, 1.779930870620664e-17,
  0.0624593178423802, -2.040259504585711e-18, 0.9980475107000991, 3.3232291674141346e-17,
  0.07025457860486005, -6.773890900301373e-18, 0.9975290944052978, 5.112086057887235e-18,
  0.07804555138996731, -5.4494437820057936e-18, 0.9969497940760287, -1.2467075728553626e-17,
  0.08583176067687935, -3.490037167231825e-18, 0.996309645069798, -1.1743657041590172e-18,
  0.09361273123551289, 1.4628632005878733e-18, 0.9956086864580017, 3.312922430932991e-17,
  0.10138798815552964, 3.99242856835807e-18, 0.9948469610235406, -8.198278333258706e-18,
  0.10915705687532236, 6.6284699502736666e-18, 0.9940245152582091, 1.3287985046260087e-17,
  0.11691946321097965, -2.283412536970096e-18, 0.9931413993598577, 2.8553964189785565e-17,
  0.12467473338522769, -2.925947496057858e-18, 0.992197667229329, 4.754870575189364e-17,
  0.13242239405634718, 1.2801053067990684e-17, 0.9911933764671682, 3.1426138811726996e-17,
  0.1401619723470637, -9.946847113883478e-18, 0.9901285883701071, -4.589906353553811e-18,
  0.14789299587340962, -1.3140968557128452e-17, 0.9890033679273229, 1.7676104005868335e-18,
  0.15561499277355603, 8.886053372342288e-18, 0.9878177838164719, 4.91917302237681e-17,
  0.16332749173661285, 5.483569430347159e-18, 0.9865719083994976, -1.0327444588275446e-17,
  0.17103002203139503, -9.954774726452923e-18, 0.9852658177182139, -4.925721262944555e-17,
  0.17872211353515366, -1.6240405901074e-20, 0.983899591489664, -2.1647988531644275e-17,
  0.18640329676226988, 2.3493796901281573e-18, 0.9824733131012553, -3.919920375420088e-17,
  0.1940731028929098, -7.832741210198615e-18, 0.9809870696056692, 1.967841180870303e-17,
  0.2017310638016388, 5.587232815460113e-18, 0.9794409517155483, 1.310876952152676e-17,
  0.20937671208599365, -5.536403693172164e-18, 0.9778350537979598, 2.9910028492769484e-17,
  0.21700958109501015, 1.1170071073364376e-17, 0.9761694738686353, -7.850690609285027e-18,
  0.2246292049577053, -1.058590416432903e-17, 0.9744443135859889, 4.990128834921396e-17,
  0.23223511861151147, -8.318080852687206e-18, 0.9726596782449127, 2.3920264546490165e-17,
  0.23982685783066157, -7.260810660979712e-18, 0.9708156767703494, 5.1285792532153653e-17,
  0.24740395925452294, -7.53102495590706e-18, 0.9689124217106447, 5.071436662403936e-17,
  0.2549659604158785, -2.2310035435425957e-17, 0.9669500292306779, -3.237770297707692e-17,
  0.2625123997691533, -2.2534597527902128e-17, 0.964928619104771, -3.0345542681018625e-18,
  0.27004281671858504, -1.2103265097887777e-17, 0.9628483147093797, -4.646009771724241e-18,
  0.2775567516463363, 1.7674070262791825e-17, 0.9607092430155619, -2.807827063516729e-17,
  0.28505374594054744, -1.8162083107618118e-17, 0.9585115345812286, 8.134621492946255e-18,
  0.29253334202332754, 7.516944930327352e-18, 0.9562553235431753, -3.148450868841629e-17,
  0.299995083378683, 2.606392777930734e-17, 0.9539407476088947, 4.3757589471734985e-17,
  0.30743851458038085, 1.1004366442765292e-19, 0.9515679480481722, -3.8614834675674123e-17,
  0.3148631813197453, -2.6921345305772252e-17, 0.949137069684463, 4.149148046099445e-17,
  0.3222686304333866, 2.093773358126606e-17, 0.9466482608860534, -3.911683334934152e-17,
  0.32965440993086015, 2.35998378957031e-17, 0.9441016735570044, -1.6017653284545848e-17,
  0.33702006902225307, 1.0312279860787216e-17, 0.9414974631278811, -4.85238302367971e-18,
  0.3443651581456984, 5.881664587517989e-18, 0.9388357885462655, 6.919329459921788e-18,
  0.3516892289948141, -2.5616208736069942e-17, 0.9361168122670553, -5.2350302039683216e-17,
  0.35899183454606504, 1.7495482840158848e-17, 0.9333407002425484, -1.322859547778088e-17,
  0.36627252908604757, -9.938814562106524e-18, 0.9305076219123143, 4.488760003328074e-18,
  0.37353086823869297, -2.375669144106189e-17, 0.9276177501928519, 4.5350942573591974e-17,
  0.38076640899239017, 2.1372528646211374e-17, 0.924671261467036, 5.5444125388034563e-17,
  0.38797870972702503, 1.759799510335953e-17, 0.9216683355733519, -8.550693097867243e-18,
  0.39516733024093426, -1.9613487871414228e-17, 0.9186091557949183, -4.0564150104514996e-17,
  0.4023318317777731, 1.4413875452702007e-17, 0.9154939088483012, 5.413375566838042e-17,
  0.40947177705329507, -5.679403000091266e-18, 0.9123227848721178, 2.6349040211413332e-17,
  0.41658673028204113, -9.610850682533715e-18, 0.909095977415431, 2.920006113841211e-17,
  0.42367625720393803, -2.331800700068871e-17, 0.9058136834259364, 4.2864666490805214e-17,
  0.4307399251108032, -2.6212879607476533e-17, 0.9024761032379415, 3.112490674651326e-17,
  0.4377773028727551, 7.64345629962023e-18, 0.8990834405601384, 9.076951775075616e-18,
  0.4447879609645272, -6.655392977344925e-18, 0.8956359024631707, -8.854043885762716e-18,
  0.4517714714916838, -8.234073942098903e-18, 0.8921336993669944, 2.3160655211380166e-17,
  0.4587274082167366, 1.6080982096218356e-17, 0.8885770450280356, -4.034491998357167e-17,
  0.46565534658516017, 1.459870391051426e-17, 0.8849661565261433, -7.690557775987357e-18,
  0.47255486375130445, -3.608790703790546e-18, 0.8813012542513406, -4.973073189306066e-17,
  0.479425538604203, -5.103969860556013e-18, 0.8775825618903728, -4.2623149864279997e-17,
  0.48626695179327556, 1.5131647652857083e-17, 0.8738103064130545, 4.767670756525657e-17,
  0.49307868575392305, 5.605083973871755e-18, 0.8699847180584174, 1.657385110740923e-17,
  0.49986032473301345, 1.3570481487732128e-17, 0.8661060303206567, 2.0097792543831333e-17,
  0.5066114548142574, -3.269413423618168e-17, 0.8621744799348805, 4.4132427578105805e-18,
  0.5133316639434712, 3.462454351928195e-17, 0.8581903068626604, -5.4374664844403745e-17,
  0.520020541953727, -3.983266745698455e-17, 0.8541537542773854, 5.420565102675287e-18,
  0.5266776805903868, -4.570502275386202e-17, 0.8500650685494202, 5.317093455811416e-17,
  0.5333026735360201, 5.129318115032044e-17, 0.8459244992310679, 1.549506647350329e-17,
  0.5398951164352044, 2.4263515104613218e-17, 0.8417322990413384, -2.7333362440269662e-17,
  0.5464546069192036, 8.399754840929507e-18, 0.8374887238505236, 4.3337026043948396e-17,
  0.5529807446305274, -6.743270455611733e-18, 0.8331940326645814, -1.8644878796734315e-19,
  0.5594731312473669, 1.575565514488728e-17, 0.8288484876093257, 1.1163935406617444e-17,
  0.565931370507906, 6.582459440388572e-18, 0.8244523539144292, 3.731817754380378e-17,
  0.5723550682345072, 2.6575872357215316e-17, 0.820005899897234, -3.912431748209128e-17,
  0.5787438323577704, -2.7958488978746924e-17, 0.8155093969463755, 1.3751889684983784e-18,
  0.5850972729404622, -5.4883972461161805e-17, 0.8109631195052179, -3.091333486122179e-17,
  0.5914150022013163, 5.0668448898504805e-17, 0.8063673450551039, 3.4650875715584734e-17,
  0.5976966345387015, 5.450323593054385e-17, 0.8017223540984184, 4.0134533311087014e-17,
  0.6039417865541566, 1.1794923733511837e-17, 0.7970284301414683, 5.0523609948487484e-17,
  0.6101500770757914, -1.479826990758988e-17, 0.7922858596771786, -2.9049779312834576e-17,
  0.616321127181551, -2.20849501729641e-17, 0.7874949321676061, -4.8080555050456574e-17,
  0.6224545602223437, -6.049035765709707e-18, 0.7826559400262728, -1.474071641211487e-17,
  0.6285500018450296, 3.5348797769901485e-17, 0.7777691786003179, -8.842419849333787e-18,
  0.6346070800152693, -3.4568582392624965e-17, 0.7728349461524715, 4.231014921891023e-17,
  0.6406254250402305, -4.700891123899386e-17, 0.7678535438428503, 4.9065912521116424e-17,
  0.6466046695911524, 4.567647714393287e-19, 0.7628252757105762, 1.6672995021546628e-17,
  0.652544448725766, -4.5598735935930497e-17, 0.7577504486552193, -1.878215121154204e-18,
  0.6584443999105676, -3.7736386700306717e-17, 0.7526293724180665, -1.2970993013150526e-17,
  0.6643041630429463, 1.5784492324431575e-17, 0.7474623595632162, 5.6627515613726676e-18,
  0.6701233804731629, 6.18353672557496e-18, 0.7422497254585013, -1.2339303604869521e-17,
  0.6759016970261789, -5.119389624609889e-17, 0.7369917882562408, -4.631213290368497e-17,
  0.6816387600233341, 4.410467313197903e-17, 0.7316888688738209, -1.0475824306512768e-17,
  0.6873342193038735, 2.8994333996809586e-17, 0.7263412909741086, -9.465899179857832e-18,
  0.692987727246318, -5.3543290798909455e-17, 0.7209493809456964, 3.494986701478816e-17,
  0.6985989387896817, 2.975439919188114e-17, 0.7155134678829815, 3.8181038992157035e-17,
  0.7041675114545337, -3.94095700584825e-17, 0.7100338835660797, 1.505272211891291e-17,
  0.7096931053638997, -9.468276958542117e-18, 0.7045109624405747, -4.451398614976226e-17,
  0.7151753832640076, -1.466099578328228e-17, 0.6989450415971057, -5.5261332036460915e-18,
  0.7206140105448711, 1.105694456137362e-17, 0.6933364607507934, 1.2822831674529969e-17,
  0.7260086552607126, -1.573621815339587e-17, 0.6876855622205048, 3.5430696752823923e-17,
  0.7313589881502236, 2.6553630314845697e-17, 0.6819926909079606, 2.8089333561212785e-17,
  0.7366646826566614, -4.639723374875429e-17, 0.6762581942766833, 3.497002399394248e-17,
  0.7419254149477796, 2.907482756987512e-18, 0.6704824223307908, 5.425808997571648e-17,
  0.7471408639355942, 2.937498788028212e-17, 0.6646657275936333, -5.2874573286772266e-17,
  0.7523107112959804, -4.07866182575664e-17, 0.6588084650862769, 1.7760805237087262e-17,
]);

/** glibc's sin(x), bit for bit for |x| < 105414350 (and Math.sin beyond). */
export function glibcSin(x: number): number {
  const k = highWord(x) & 0x7fffffff;
  if (k < 0x3e500000) return x;
  if (k < 0x3feb6000) return sinReduced(x, 0);
  if (k < 0x400368fd) return copySign(cosReduced(HP0 - Math.abs(x), HP1), x);
  if (k < 0x419921fb) return sinCosQuadrant(x, 0);
  return Math.sin(x);
}

/** glibc's cos(x), bit for bit for |x| < 105414350 (and Math.cos beyond). */
export function glibcCos(x: number): number {
  const k = highWord(x) & 0x7fffffff;
  if (k < 0x3e400000) return 1;
  if (k < 0x3feb6000) return cosReduced(x, 0);
  if (k < 0x400368fd) {
    const y = HP0 - Math.abs(x);
    const a = y + HP1;
    return sinReduced(a, y - a + HP1);
  }
  if (k < 0x419921fb) return sinCosQuadrant(x, 1);
  return Math.cos(x);
}

/** sin or cos of x = n*pi/2 + (a + da), |a| <= pi/4; `shift` 1 makes it cos. */
function sinCosQuadrant(x: number, shift: number): number {
  const t = fma(x, HPINV, TOINT);
  const xn = t - TOINT;
  bits.f64[0] = t;
  const n = (bits.u32[LO] + shift) & 3;
  const y = fma(-xn, MP2, fma(-xn, MP1, x));
  const t2 = fma(-xn, PP3, y);
  let da = fma(-xn, PP3, y - t2);
  const a = fma(-xn, PP4, t2);
  da += fma(-xn, PP4, t2 - a);
  const v = n & 1 ? cosReduced(a, da) : sinReduced(a, da);
  return n & 2 ? -v : v;
}

/** sin(x + dx) for |x| <= pi/4 (glibc's do_sin): Taylor near 0, else the table. */
function sinReduced(x: number, dx: number): number {
  if (Math.abs(x) < 0.126) {
    const xx = x * x;
    const p = fma(xx, fma(xx, fma(xx, fma(xx, S5, S4), S3), S2), S1);
    return x + fma(xx, fma(p, x, -0.5 * dx), dx);
  }
  if (!(x > 0)) dx = -dx;
  const ax = Math.abs(x);
  const u = BIG + ax;
  const xr = ax - (u - BIG);
  const xx = xr * xr;
  const s = xr + fma(xr * xx, fma(xx, SN5, SN3), dx);
  const c = fma(xr, dx, xx * fma(xx, fma(xx, CS6, CS4), CS2));
  const i = tableIndex(u);
  const sn = SINCOS_TABLE[i];
  const ssn = SINCOS_TABLE[i + 1];
  const cs = SINCOS_TABLE[i + 2];
  const ccs = SINCOS_TABLE[i + 3];
  const cor = fma(s, cs, fma(-c, sn, fma(s, ccs, ssn)));
  return copySign(sn + cor, x);
}

/** cos(x + dx) for |x| <= pi/4 (glibc's do_cos), from the table. */
function cosReduced(x: number, dx: number): number {
  if (x < 0) dx = -dx;
  const ax = Math.abs(x);
  const u = BIG + ax;
  const xr = ax - (u - BIG) + dx;
  const xx = xr * xr;
  const s = fma(xr * xx, fma(xx, SN5, SN3), xr);
  const c = xx * fma(xx, fma(xx, CS6, CS4), CS2);
  const i = tableIndex(u);
  const sn = SINCOS_TABLE[i];
  const ssn = SINCOS_TABLE[i + 1];
  const cs = SINCOS_TABLE[i + 2];
  const ccs = SINCOS_TABLE[i + 3];
  const cor = fma(-s, sn, fma(-c, cs, fma(-s, ssn, ccs)));
  return cs + cor;
}

/** The table offset of u = BIG + |x|: 4 * round(|x| * 128). */
function tableIndex(u: number): number {
  bits.f64[0] = u;
  return bits.u32[LO] << 2;
}

function highWord(x: number): number {
  bits.f64[0] = x;
  return bits.u32[HI];
}

function copySign(magnitude: number, sign: number): number {
  const m = Math.abs(magnitude);
  return sign < 0 || Object.is(sign, -0) ? -m : m;
}

// ---------------------------------------------------------------------------------------
// Exact arithmetic helpers

/** A scratch double and its two 32-bit halves (HI, LO index them in either byte order). */
const bits = (() => {
  const f64 = new Float64Array(1);
  return { f64, u32: new Uint32Array(f64.buffer) };
})();
bits.f64[0] = 1;
const HI = bits.u32[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;

/** Veltkamp's splitter: 2^27 + 1. */
const SPLIT = 134217729;

/** The rounding error of a*b: a*b = fl(a*b) + productError(a, b) exactly (Dekker). */
function productError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * fma(a, b, c) = round(a*b + c) with one rounding, for finite operands far from overflow
 * and underflow. Boldo and Melquiond's emulation: the exact product and sum, then the
 * low parts added with rounding to odd, which makes the final rounding correct.
 */
export function fma(a: number, b: number, c: number): number {
  const uh = a * b;
  const ul = productError(a, b, uh);
  const th = c + uh;
  const v = th - c;
  const tl = c - (th - v) + (uh - v);
  return th + addRoundToOdd(tl, ul);
}

/** x + y rounded to odd: exact when representable, else the neighbour with an odd last bit. */
function addRoundToOdd(x: number, y: number): number {
  const s = x + y;
  const v = s - x;
  const err = x - (s - v) + (y - v);
  if (err === 0) return s;
  bits.f64[0] = s;
  if ((bits.u32[LO] & 1) === 1) return s;
  // s is even, so its neighbour towards the exact sum is odd. Step one unit in the last
  // place: up in magnitude when err has the sign of s, down otherwise.
  if (s > 0 === err > 0) {
    bits.u32[LO] += 1; // even, so no carry
  } else if (bits.u32[LO] === 0) {
    bits.u32[LO] = 0xffffffff;
    bits.u32[HI] -= 1;
  } else {
    bits.u32[LO] -= 1;
  }
  return bits.f64[0];
}

/** fma(z, invc, -1) where z*invc is near 1: the product's rounding error is added back. */
function fmaNearOne(z: number, invc: number): number {
  const p = z * invc;
  return p - 1 + productError(z, invc, p); // p - 1 is exact (Sterbenz)
}

// ---------------------------------------------------------------------------------------
// xoshiro128**

/** 32-bit SplitMix-style mixer, to spread a seed over the 128-bit state. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) | 0;
}

/** xoshiro128** with 53-bit doubles and polar-method normals (second value cached). */
class Xoshiro128 implements Rng {
  readonly kind = 'default' as const;
  /** The state words s0..s3; a typed array so that updates never allocate. */
  private readonly s = new Int32Array(4);
  private hasGauss = false;
  private gauss = 0;

  constructor(seed: number) {
    for (let i = 0; i < 4; i++) this.s[i] = mix32((seed + Math.imul(i + 1, 0x9e3779b9)) | 0);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /**
   * The hot path (dropout masks every iteration): the state lives in locals, so the two
   * steps per double are written out rather than called; twice as fast as nextDouble().
   */
  rand(n: number): Float64Array {
    checkCount(n, 'rand');
    const out = new Float64Array(n);
    const s = this.s;
    let [s0, s1, s2, s3] = s;
    for (let i = 0; i < n; i++) {
      let x = Math.imul(s1, 5);
      const a = Math.imul((x << 7) | (x >>> 25), 9) >>> 5;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      x = Math.imul(s1, 5);
      const b = Math.imul((x << 7) | (x >>> 25), 9) >>> 6;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = (a * 67108864 + b) / 9007199254740992;
    }
    s.set([s0, s1, s2, s3]);
    return out;
  }

  randn(n: number): Float64Array {
    checkCount(n, 'randn');
    const out = new Float64Array(n);
    let i = 0;
    if (this.hasGauss && n > 0) {
      out[i++] = this.gauss;
      this.hasGauss = false;
    }
    for (; i < n; i += 2) {
      let x1: number, x2: number, r2: number;
      do {
        x1 = 2 * this.nextDouble() - 1;
        x2 = 2 * this.nextDouble() - 1;
        r2 = x1 * x1 + x2 * x2;
      } while (r2 >= 1 || r2 === 0);
      const f = Math.sqrt((-2 * Math.log(r2)) / r2);
      out[i] = f * x2;
      if (i + 1 < n) {
        out[i + 1] = f * x1;
      } else {
        this.gauss = f * x1;
        this.hasGauss = true;
      }
    }
    return out;
  }

  permutation(n: number): Int32Array {
    checkCount(n, 'permutation');
    return shuffledRange(n, (max) => {
      const mask = maskFor(max);
      let value: number;
      do value = this.nextInt32() & mask;
      while (value > max);
      return value;
    });
  }

  private nextDouble(): number {
    const a = this.nextInt32() >>> 5;
    const b = this.nextInt32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** The next output as a signed 32-bit integer. */
  private nextInt32(): number {
    const s = this.s;
    const s1 = s[1];
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9);
    const t = s1 << 9;
    s[2] ^= s[0];
    s[3] ^= s1;
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 11) | (s[3] >>> 21);
    return result;
  }
}
