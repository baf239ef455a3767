/**
 * Toy 2-D classification data sets, drawn reproducibly from a seed. Examples are columns:
 * X is (2, m) with the x coordinates in row 0 and the y coordinates in row 1, and Y is
 * (1, m) with class labels 0..k-1.
 *
 * Every generator has one signature, (options) => Dataset, and one entry in `generators`.
 * - planar is the course's flower (`load_planar_dataset`). With rng 'numpy', m = 400,
 *   seed 1 and noise 0.2 it is the course's data set bit for bit: the same draws from
 *   NumPy's legacy stream, np.linspace's arithmetic, and glibc's sin and cos.
 * - circles, moons, blobs and gaussian_quantiles follow scikit-learn's make_circles
 *   (factor 0.5), make_moons, make_blobs (centres uniform in [-10, 10]^2) and
 *   make_gaussian_quantiles (mean 0, covariance I), shuffled as scikit-learn shuffles.
 *   Same construction, not the same numbers.
 * - xor, spiral and gaussian follow TensorFlow Playground's classifyXORData,
 *   classifySpiralData and classifyTwoGaussData, with labels 0/1 for -1/+1, in their
 *   coordinates (about [-6, 6]) and in class order, as the Playground makes them.
 *
 * What noise means, per generator (0 is always allowed and gives the clean shape):
 * - planar: the standard deviation of the Gaussian jitter of each angle and radius.
 * - circles, moons: the standard deviation of Gaussian noise on both coordinates.
 * - blobs: the standard deviation of each cluster (scikit-learn's cluster_std).
 * - gaussian_quantiles: Gaussian noise on both coordinates after the labels are set, so
 *   that the rings overlap (scikit-learn has none).
 * - xor: the Playground's: each label is that of the point moved by uniform(-5, 5) * noise
 *   in each coordinate, while the point stays; labels flip near the axes.
 * - spiral: uniform noise in [-noise, noise] on both coordinates.
 * - gaussian: the variance of each cloud, 0.5 + 7 * noise (the Playground maps its noise
 *   0..0.5 onto variance 0.5..4).
 *
 * Class sizes: m examples over k classes give each class floor(m / k) and one more to
 * each of the last m mod k classes (for odd m, planar's second petal has one more point).
 *
 * Pure: imports only the core.
 */
import { GENERATOR_DEFAULT_CLASSES, GENERATOR_DEFAULT_NOISE, type GeneratorName } from './config';
import { Matrix } from './matrix';
import { glibcCos, glibcSin } from './libm';
import { createRng, MAX_SEED, type Rng, type RngKind } from './random';

export type { GeneratorName } from './config';

/** A generated data set: X (2, m) of points, Y (1, m) of class labels 0..classes-1. */
export interface Dataset {
  X: Matrix;
  Y: Matrix;
  classes: number;
}

export interface GeneratorOptions {
  /** Number of examples, 1 to MAX_EXAMPLES. */
  m: number;
  /** The generator's noise, finite and >= 0; see the header for what it means for each. */
  noise: number;
  /** An integer from 0 to 2^32 - 1. */
  seed: number;
  /** 'numpy' draws from NumPy's legacy stream and computes sin and cos as NumPy does. */
  rng: RngKind;
  /** Number of classes, for blobs and gaussian_quantiles; the others draw two. */
  classes?: number;
}

export type DatasetGenerator = (options: GeneratorOptions) => Dataset;

/** A generator and what a caller needs to know about it. */
export interface GeneratorEntry {
  /** Draws a data set; validates its options and throws an Error naming the bad field. */
  generate: DatasetGenerator;
  /** The noise when none is given (GENERATOR_DEFAULT_NOISE in config.ts). */
  defaultNoise: number;
  /** The classes it draws: default, min and max (2, 2, 2 for two-class generators). */
  classes: ClassRange;
  description: string;
}

export interface ClassRange {
  default: number;
  min: number;
  max: number;
}

/** The largest m a generator accepts. */
export const MAX_EXAMPLES = 10_000_000;

const TWO_CLASSES: ClassRange = { default: 2, min: 2, max: 2 };

// ---------------------------------------------------------------------------------------
// The draw: what every generator receives, and where it writes

/** Validated options, the generator of random numbers and the matching sin and cos. */
interface Draw {
  m: number;
  noise: number;
  classes: number;
  rng: Rng;
  sin: (x: number) => number;
  cos: (x: number) => number;
}

/** Views of X's two rows and of Y's row, to be filled in. */
interface Points {
  x: Float64Array;
  y: Float64Array;
  label: Float64Array;
}

type Fill = (draw: Draw, out: Points) => void;

/** The sine and cosine each kind uses: NumPy calls glibc's; otherwise V8's (faster). */
const trigForKind: Record<RngKind, Pick<Draw, 'sin' | 'cos'>> = {
  numpy: { sin: glibcSin, cos: glibcCos },
  default: { sin: Math.sin, cos: Math.cos },
};

/** floor(m / k) examples per class, and one more for each of the last m mod k classes. */
function classSizes(m: number, k: number): number[] {
  const base = Math.floor(m / k);
  return Array.from({ length: k }, (_, j) => base + (j >= k - (m % k) ? 1 : 0));
}

/** np.linspace(start, stop, num): i * step + start, and exactly stop at the end. */
function linspace(start: number, stop: number, num: number, endpoint = true): Float64Array {
  const out = new Float64Array(num);
  const div = endpoint ? num - 1 : num;
  if (div === 0) {
    if (num === 1) out[0] = start;
    return out;
  }
  const step = (stop - start) / div;
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

/** n uniform draws in [low, high). */
function uniform(rng: Rng, n: number, low: number, high: number): Float64Array {
  const u = rng.rand(n);
  for (let i = 0; i < n; i++) u[i] = low + (high - low) * u[i];
  return u;
}

/** Adds independent N(0, sd^2) noise to every coordinate (nothing is drawn when sd = 0). */
function addGaussianNoise(rng: Rng, out: Points, sd: number): void {
  if (sd === 0) return;
  const m = out.x.length;
  const z = rng.randn(2 * m);
  for (let i = 0; i < m; i++) {
    out.x[i] += z[2 * i] * sd;
    out.y[i] += z[2 * i + 1] * sd;
  }
}

/** Puts the examples in a random order, as scikit-learn's shuffle=True does. */
function shuffle(rng: Rng, out: Points): void {
  const order = rng.permutation(out.x.length);
  for (const column of [out.x, out.y, out.label]) {
    const copy = column.slice();
    for (let i = 0; i < order.length; i++) column[i] = copy[order[i]];
  }
}

// ---------------------------------------------------------------------------------------
// The generators

/** The course's flower: two petals of 4·sin(4t) rays, jittered in angle and radius. */
const planar: Fill = ({ m, noise, rng, sin, cos }, { x, y, label }) => {
  const a = 4; // maximum ray of the flower
  let start = 0;
  classSizes(m, 2).forEach((N, j) => {
    const t = linspace(j * 3.12, (j + 1) * 3.12, N);
    const dt = rng.randn(N);
    for (let i = 0; i < N; i++) t[i] += dt[i] * noise;
    const dr = rng.randn(N);
    for (let i = 0; i < N; i++) {
      const r = a * sin(4 * t[i]) + dr[i] * noise;
      x[start + i] = r * sin(t[i]);
      y[start + i] = r * cos(t[i]);
      label[start + i] = j;
    }
    start += N;
  });
};

/** make_circles(factor=0.5): the unit circle (class 0) around one of radius 0.5 (class 1). */
const circles: Fill = ({ m, noise, rng, sin, cos }, out) => {
  let start = 0;
  classSizes(m, 2).forEach((N, j) => {
    const radius = j === 0 ? 1 : 0.5;
    const angles = linspace(0, 2 * Math.PI, N, false);
    for (let i = 0; i < N; i++) {
      out.x[start + i] = cos(angles[i]) * radius;
      out.y[start + i] = sin(angles[i]) * radius;
      out.label[start + i] = j;
    }
    start += N;
  });
  shuffle(rng, out);
  addGaussianNoise(rng, out, noise);
};

/** make_moons: an upper half circle (class 0) interleaved with a lower one (class 1). */
const moons: Fill = ({ m, noise, rng, sin, cos }, out) => {
  const [nOuter, nInner] = classSizes(m, 2);
  const outer = linspace(0, Math.PI, nOuter);
  for (let i = 0; i < nOuter; i++) {
    out.x[i] = cos(outer[i]);
    out.y[i] = sin(outer[i]);
  }
  const inner = linspace(0, Math.PI, nInner);
  for (let i = 0; i < nInner; i++) {
    out.x[nOuter + i] = 1 - cos(inner[i]);
    out.y[nOuter + i] = 1 - sin(inner[i]) - 0.5;
    out.label[nOuter + i] = 1;
  }
  shuffle(rng, out);
  addGaussianNoise(rng, out, noise);
};

/** make_blobs: k isotropic Gaussian clusters, centres uniform in [-10, 10]^2. */
const blobs: Fill = ({ m, noise, classes, rng }, out) => {
  const centres = uniform(rng, 2 * classes, -10, 10);
  let start = 0;
  classSizes(m, classes).forEach((N, j) => {
    out.x.fill(centres[2 * j], start, start + N);
    out.y.fill(centres[2 * j + 1], start, start + N);
    out.label.fill(j, start, start + N);
    start += N;
  });
  addGaussianNoise(rng, out, noise);
  shuffle(rng, out);
};

/** make_gaussian_quantiles: N(0, I) points, labelled by rings of equal count. */
const gaussianQuantiles: Fill = ({ m, noise, classes, rng }, out) => {
  const z = rng.randn(2 * m);
  const r2 = new Float64Array(m);
  for (let i = 0; i < m; i++) r2[i] = z[2 * i] ** 2 + z[2 * i + 1] ** 2;
  const byRadius = Int32Array.from({ length: m }, (_, i) => i);
  byRadius.sort((a, b) => r2[a] - r2[b] || a - b);
  let rank = 0;
  classSizes(m, classes).forEach((N, j) => {
    for (let n = 0; n < N; n++, rank++) {
      out.x[rank] = z[2 * byRadius[rank]];
      out.y[rank] = z[2 * byRadius[rank] + 1];
      out.label[rank] = j;
    }
  });
  shuffle(rng, out);
  addGaussianNoise(rng, out, noise);
};

/** The Playground's XOR: points in [-5.3, 5.3]^2 away from the axes, class 1 where x·y >= 0. */
const xor: Fill = ({ m, noise, rng }, { x, y, label }) => {
  const padding = 0.3;
  const u = uniform(rng, 4 * m, -5, 5);
  for (let i = 0; i < m; i++) {
    const px = u[4 * i] + (u[4 * i] > 0 ? padding : -padding);
    const py = u[4 * i + 1] + (u[4 * i + 1] > 0 ? padding : -padding);
    x[i] = px;
    y[i] = py;
    label[i] = (px + u[4 * i + 2] * noise) * (py + u[4 * i + 3] * noise) >= 0 ? 1 : 0;
  }
};

/** The Playground's two spirals: 1.75 turns each out to radius 5, half a turn apart. */
const spiral: Fill = ({ m, noise, rng, sin, cos }, { x, y, label }) => {
  let start = 0;
  classSizes(m, 2).forEach((n, j) => {
    const deltaT = j === 0 ? Math.PI : 0; // the Playground's negative spiral is class 0
    const jitter = uniform(rng, 2 * n, -1, 1);
    for (let i = 0; i < n; i++) {
      const r = (i / n) * 5;
      const t = ((1.75 * i) / n) * 2 * Math.PI + deltaT;
      x[start + i] = r * sin(t) + jitter[2 * i] * noise;
      y[start + i] = r * cos(t) + jitter[2 * i + 1] * noise;
      label[start + i] = j;
    }
    start += n;
  });
};

/** The Playground's two Gaussian clouds: class 0 around (-2, -2), class 1 around (2, 2). */
const gaussian: Fill = ({ m, noise, rng }, { x, y, label }) => {
  const sd = Math.sqrt(0.5 + 7 * noise);
  let start = 0;
  classSizes(m, 2).forEach((n, j) => {
    const centre = j === 0 ? -2 : 2;
    const z = rng.randn(2 * n);
    for (let i = 0; i < n; i++) {
      x[start + i] = centre + sd * z[2 * i];
      y[start + i] = centre + sd * z[2 * i + 1];
      label[start + i] = j;
    }
    start += n;
  });
};

// ---------------------------------------------------------------------------------------
// The table, validation and the entry point

const fills: Record<GeneratorName, { fill: Fill; classes: ClassRange; description: string }> = {
  planar: {
    fill: planar,
    classes: TWO_CLASSES,
    description: "The course's planar flower: two petals, jittered in angle and radius",
  },
  circles: {
    fill: circles,
    classes: TWO_CLASSES,
    description: 'Two concentric circles, radii 1 and 0.5 (scikit-learn make_circles)',
  },
  moons: {
    fill: moons,
    classes: TWO_CLASSES,
    description: 'Two interleaving half circles (scikit-learn make_moons)',
  },
  blobs: {
    fill: blobs,
    classes: { default: GENERATOR_DEFAULT_CLASSES.blobs, min: 2, max: 10 },
    description: 'k Gaussian clusters with random centres (scikit-learn make_blobs)',
  },
  gaussian_quantiles: {
    fill: gaussianQuantiles,
    classes: { default: GENERATOR_DEFAULT_CLASSES.gaussian_quantiles, min: 2, max: 10 },
    description: 'One Gaussian cut into k rings of equal count (make_gaussian_quantiles)',
  },
  xor: {
    fill: xor,
    classes: TWO_CLASSES,
    description: 'Four quadrants, opposite ones in the same class (TensorFlow Playground)',
  },
  spiral: {
    fill: spiral,
    classes: TWO_CLASSES,
    description: 'Two interleaved spirals (TensorFlow Playground)',
  },
  gaussian: {
    fill: gaussian,
    classes: TWO_CLASSES,
    description: 'Two Gaussian clouds around (-2, -2) and (2, 2) (TensorFlow Playground)',
  },
};

/** Every generator by name: its function, default noise, classes and a description. */
export const generators = Object.fromEntries(
  (Object.keys(fills) as GeneratorName[]).map((name) => {
    const { fill, classes, description } = fills[name];
    const entry: GeneratorEntry = {
      generate: (options) => run(fill, validate(name, options)),
      defaultNoise: GENERATOR_DEFAULT_NOISE[name],
      classes,
      description,
    };
    return [name, entry];
  }),
) as Record<GeneratorName, GeneratorEntry>;

/**
 * Draws the named data set. Only m is required: noise defaults to the generator's own,
 * seed to 0, rng to 'default', classes to the generator's default.
 * @throws Error naming the generator and the field, e.g.
 *   "dataset 'blobs': classes must be an integer from 2 to 10, got 1".
 */
export function generateDataset(
  name: GeneratorName,
  options: Partial<GeneratorOptions> & { m: number },
): Dataset {
  if (!Object.hasOwn(generators, name)) {
    const known = Object.keys(generators).join(', ');
    throw new Error(`unknown dataset '${name}' (expected one of: ${known})`);
  }
  const entry = generators[name];
  return entry.generate({
    m: options.m,
    noise: options.noise ?? entry.defaultNoise,
    seed: options.seed ?? 0,
    rng: options.rng ?? 'default',
    classes: options.classes ?? entry.classes.default,
  });
}

/** Checks every field, naming the generator and the field in the message. */
function validate(name: GeneratorName, o: GeneratorOptions): Draw {
  const fail = (field: string, rule: string, value: unknown): never => {
    const shown = typeof value === 'string' ? `'${value}'` : String(value);
    throw new Error(`dataset '${name}': ${field} must be ${rule}, got ${shown}`);
  };
  const isInt = (v: unknown, min: number, max: number) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  if (!isInt(o.m, 1, MAX_EXAMPLES)) fail('m', `an integer from 1 to ${MAX_EXAMPLES}`, o.m);
  if (typeof o.noise !== 'number' || !Number.isFinite(o.noise) || o.noise < 0) {
    fail('noise', 'a finite number >= 0', o.noise);
  }
  if (!isInt(o.seed, 0, MAX_SEED)) fail('seed', `an integer from 0 to ${MAX_SEED}`, o.seed);
  if (!Object.hasOwn(trigForKind, o.rng)) fail('rng', "'numpy' or 'default'", o.rng);
  const range = fills[name].classes;
  const classes = o.classes ?? range.default;
  if (range.min === range.max && classes !== range.min) {
    fail('classes', `${range.min} (${name} draws ${range.min} classes)`, classes);
  }
  if (!isInt(classes, range.min, range.max)) {
    fail('classes', `an integer from ${range.min} to ${range.max}`, classes);
  }
  return { m: o.m, noise: o.noise, classes, rng: createRng(o.seed, o.rng), ...trigForKind[o.rng] };
}

/** Allocates X and Y and lets the generator fill them. */
function run(fill: Fill, draw: Draw): Dataset {
  const X = Matrix.zeros(2, draw.m);
  const Y = Matrix.zeros(1, draw.m);
  const data = X.data as Float64Array; // Matrix.zeros defaults to float64
  const label = Y.data as Float64Array;
  fill(draw, { x: data.subarray(0, draw.m), y: data.subarray(draw.m), label });
  return { X, Y, classes: draw.classes };
}
