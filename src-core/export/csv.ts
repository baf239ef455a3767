/**
 * Metrics as CSV: a run's history (one row per logged step, one column per
 * metric) and a table of runs (one row per run: identity, timing, the key
 * hyperparameters of its config, and the latest value of every metric).
 *
 * RFC 4180 quoting: a field holding a comma, a double quote, a line break or
 * leading/trailing spaces is quoted, with quotes doubled. Lines end in "\n".
 * Numbers are written in JavaScript's shortest round-trip form ("0.1", "1e-8"),
 * which NumPy, pandas and Python's float() read back exactly; NaN and ±Infinity
 * are "NaN", "inf" and "-inf", as pandas and float() read them. Times are ISO 8601
 * in UTC. A missing value is an empty field.
 */

export type CsvValue = string | number | boolean | null | undefined;

/** One field, quoted when it must be. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'inf';
    if (value === -Infinity) return '-inf';
    return String(value);
  }
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV document: a header row and the rows, each as long as the header. */
export function toCsv(columns: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((_, i) => csvField(row[i])).join(','));
  return lines.join('\n') + '\n';
}

/** One logged value, as the run store returns it. */
export interface MetricPointLike {
  step: number;
  key: string;
  value: number;
}

/** Metric columns in a fixed, readable order: the usual ones first, then the rest sorted. */
const KNOWN_METRICS = ['train_cost', 'train_accuracy', 'test_cost', 'test_accuracy', 'learning_rate'];

function orderMetricKeys(keys: Iterable<string>): string[] {
  const set = new Set(keys);
  const known = KNOWN_METRICS.filter((k) => set.has(k));
  const rest = [...set].filter((k) => !KNOWN_METRICS.includes(k)).sort();
  return [...known, ...rest];
}

/** A run's history: columns step and every metric key; one row per step, ascending. */
export function historyCsv(points: readonly MetricPointLike[]): string {
  const keys = orderMetricKeys(points.map((p) => p.key));
  const column = new Map(keys.map((k, i) => [k, i + 1]));
  const rows = new Map<number, CsvValue[]>();
  for (const p of points) {
    let row = rows.get(p.step);
    if (!row) rows.set(p.step, (row = [p.step, ...keys.map(() => undefined)]));
    row[column.get(p.key)!] = p.value;
  }
  const sorted = [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
  return toCsv(['step', ...keys], sorted);
}

/** What the table of runs needs of a run (the store's RunSummary, with its parsed config). */
export interface RunRecord {
  id: string;
  name: string;
  status: string;
  sweepId: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  tags: readonly string[];
  /** The run's config (parsed JSON), or null when it cannot be read. */
  config: unknown;
  /** The latest value of every metric, by key. */
  metrics: Readonly<Record<string, { value: number; step: number }>>;
}

/** The hyperparameter columns of the table of runs, each a path into the run config. */
const HYPERPARAMETERS: readonly [string, readonly string[]][] = [
  ['hidden', ['model', 'hidden']],
  ['activation', ['model', 'activation']],
  ['activations', ['model', 'activations']],
  ['output', ['model', 'output']],
  ['optimizer', ['train', 'optimizer']],
  ['learning_rate', ['train', 'learning_rate']],
  ['iterations', ['train', 'iterations']],
  ['epochs', ['train', 'epochs']],
  ['batch_size', ['train', 'batch_size']],
  ['l2', ['train', 'l2']],
  ['keep_prob', ['train', 'keep_prob']],
  ['init', ['init', 'method']],
  ['init_seed', ['init', 'seed']],
  ['normalize', ['data', 'normalize']],
  ['precision', ['precision']],
];

function at(value: unknown, path: readonly string[]): CsvValue {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v); // lists such as hidden: [20, 7, 5] → "[20,7,5]"
}

const isoTime = (ms: number | null): string | undefined => (ms === null ? undefined : new Date(ms).toISOString());

/**
 * The table of runs: id, name, status, sweep, tags, created/started/finished
 * times, duration in seconds, the hyperparameters any run sets, and the latest
 * value of every metric any run logged (with the step it was logged at).
 */
export function runsCsv(runs: readonly RunRecord[]): string {
  const hyper = HYPERPARAMETERS.filter(([, path]) => runs.some((r) => at(r.config, path) !== undefined));
  const metrics = orderMetricKeys(runs.flatMap((r) => Object.keys(r.metrics)));
  const columns = [
    'id',
    'name',
    'status',
    'sweep',
    'tags',
    'created',
    'started',
    'finished',
    'duration_s',
    ...hyper.map(([name]) => name),
    ...metrics,
    ...metrics.map((k) => `${k}_step`),
  ];
  const rows = runs.map((r): CsvValue[] => [
    r.id,
    r.name,
    r.status,
    r.sweepId ?? undefined,
    r.tags.join(' '),
    isoTime(r.createdAt),
    isoTime(r.startedAt),
    isoTime(r.finishedAt),
    r.startedAt !== null && r.finishedAt !== null ? (r.finishedAt - r.startedAt) / 1000 : undefined,
    ...hyper.map(([, path]) => at(r.config, path)),
    ...metrics.map((k) => r.metrics[k]?.value),
    ...metrics.map((k) => r.metrics[k]?.step),
  ]);
  return toCsv(columns, rows);
}

export interface PredictionsOptions {
  /** The output layer: sigmoid and softmax outputs get a predicted class. */
  output: 'sigmoid' | 'softmax' | 'linear' | null;
  /** Names of the classes (softmax: one per output; one sigmoid output: [class 0, class 1]). */
  classNames: readonly string[] | null;
  /** True class per example, when known: adds a "label" column. */
  labels?: ArrayLike<number> | null;
}

/**
 * Predictions as CSV, one row per example (in the data's order): "example" (its
 * 0-based index); for one sigmoid output "probability" (of class 1); for several
 * outputs one column per output, "p_<class>" for probabilities or "y<i>" for a
 * linear output; then for a classifier "predicted" (the class: 1 when the
 * probability is above 0.5, the argmax for softmax, as a name when the model has
 * class names); then "label" when labels are given.
 */
export function predictionsCsv(A: { rows: number; cols: number; data: ArrayLike<number> }, opts: PredictionsOptions): string {
  const { rows: ny, cols: m, data } = A;
  const names = opts.classNames;
  const classify = opts.output === 'softmax' || (opts.output === 'sigmoid' && ny === 1);
  const className = (c: number): string | number => (names && c < names.length ? names[c] : c);
  const valueColumns =
    ny === 1
      ? [opts.output === 'linear' ? 'prediction' : opts.output === null ? 'output' : 'probability']
      : Array.from({ length: ny }, (_, i) =>
          opts.output === 'linear' || opts.output === null ? `y${i}` : `p_${opts.output === 'softmax' ? className(i) : i}`,
        );
  const columns = ['example', ...valueColumns, ...(classify ? ['predicted'] : []), ...(opts.labels ? ['label'] : [])];
  const lines = [columns.map(csvField).join(',')];
  for (let j = 0; j < m; j++) {
    const fields: string[] = [String(j)];
    let best = 0;
    for (let i = 0; i < ny; i++) {
      const v = data[i * m + j];
      fields.push(csvField(v));
      if (v > data[best * m + j]) best = i;
    }
    if (classify) fields.push(csvField(className(ny === 1 ? (data[j] > 0.5 ? 1 : 0) : best)));
    if (opts.labels) fields.push(csvField(className(opts.labels[j])));
    lines.push(fields.join(','));
  }
  return lines.join('\n') + '\n';
}
