/**
 * The data `layerlab predict` runs a model on: X as (n_x, m) from an array file
 * (.npy, .npz, .h5, .mat, through data/files.ts) or a CSV file, and optionally
 * the true labels, to report accuracy.
 *
 * The examples axis of an array may be left to `auto`: the model says how many
 * features an example has, so a (m, n_x) array is transposed and an (n_x, m) one
 * is not; only a square array needs the axis named.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import { parseCsv, parseNumber } from '../../src-core/io/csv';
import { ImportError, toExamplesMatrix, toLabels, type NdArray } from '../../src-core/io/ndarray';
import { Matrix } from '../../src-core/matrix';
import { readArray } from '../data/files';
import { ModelFileError } from './predictor';

export type ExamplesAxis = 'auto' | 0 | -1;

export interface InputOptions {
  /** The array's key in an .npz, .h5 or .mat file. */
  key?: string;
  examplesAxis: ExamplesAxis;
  /** Features per example, from the model (for `auto`). */
  inputSize: number;
  /** A CSV file's label column (name or index): read as labels instead of a feature. */
  label?: string | number;
  /** A file of labels for an array file, and its key. */
  labels?: { file: string; key?: string };
}

export interface InputData {
  X: Matrix;
  /** Class labels (1, m), when given. */
  labels: Matrix | null;
  /** The class names of text labels in a CSV file (labels then index them), else null. */
  labelNames: string[] | null;
}

export async function readInputData(file: string, opts: InputOptions): Promise<InputData> {
  const name = path.basename(file);
  await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new ModelFileError(error.code === 'ENOENT' ? `data: no such file: ${file}` : `data: cannot read ${file}: ${error.message}`);
  });
  if (path.extname(file).toLowerCase() === '.csv') {
    if (opts.labels) throw new ModelFileError('--labels is for array files; a CSV file names its label column with --label');
    if (opts.label !== undefined) {
      const result = await parseCsv(createReadStream(file, { highWaterMark: 1 << 20 }), { label: opts.label, name });
      return { X: result.X, labels: result.Y, labelNames: result.classNames };
    }
    return { X: await readFeatureCsv(file, name), labels: null, labelNames: null };
  }
  if (opts.label !== undefined) throw new ModelFileError('--label names a CSV column; for an array file give the labels with --labels FILE');
  const x = await readArray(file, opts.key, 'data');
  const X = toExamplesMatrix(x, { examplesAxis: examplesAxis(x, opts, name), what: `data (${name}${opts.key ? `: ${opts.key}` : ''})` });
  let labels: Matrix | null = null;
  if (opts.labels) {
    const y = await readArray(opts.labels.file, opts.labels.key, 'labels');
    labels = toLabels(y, `labels (${path.basename(opts.labels.file)})`);
    if (labels.cols !== X.cols) throw new ModelFileError(`the data has ${X.cols} examples but the labels have ${labels.cols}`);
  }
  return { X, labels, labelNames: null };
}

function examplesAxis(x: NdArray, opts: InputOptions, name: string): 0 | -1 {
  if (opts.examplesAxis !== 'auto') return opts.examplesAxis;
  const s = x.shape;
  if (s.length !== 2) return s.length === 1 ? -1 : 0;
  const n = opts.inputSize;
  if (s[0] === n && s[1] !== n) return -1;
  if (s[1] === n && s[0] !== n) return 0;
  if (s[0] === n) {
    throw new ModelFileError(`${name} has shape (${s.join(', ')}): say whether examples are rows (--examples-axis rows) or columns (--examples-axis columns)`);
  }
  throw new ModelFileError(`${name} has shape (${s.join(', ')}), but the model takes ${n} features per example: neither axis has ${n}`);
}

/**
 * A CSV file of features only: one row per example, every column a feature,
 * with a header row when the first row is not all numbers. Every field must be
 * a finite number; an error names the row and column.
 */
async function readFeatureCsv(file: string, name: string): Promise<Matrix> {
  const text = await readFile(file, 'utf8');
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  const bad = parsed.errors.find((e) => e.type === 'Quotes');
  if (bad) throw new ImportError(`${name} row ${(bad.row ?? 0) + 1}: ${bad.message}`);
  const rows = parsed.data;
  if (rows.length === 0) throw new ImportError(`${name} is empty`);
  const header = rows[0].some((f) => parseNumber(f) === undefined);
  const names = header ? rows[0].map((f) => f.trim()) : rows[0].map((_, i) => String(i));
  const body = header ? rows.slice(1) : rows;
  const n = names.length;
  const m = body.length;
  if (m === 0) throw new ImportError(`${name} has a header but no rows`);
  const X = Matrix.zeros(n, m);
  body.forEach((row, j) => {
    const line = j + (header ? 2 : 1);
    if (row.length !== n) throw new ImportError(`${name} row ${line}: ${row.length} fields, the first row has ${n}`);
    row.forEach((field, i) => {
      const v = parseNumber(field);
      if (v === undefined || !Number.isFinite(v)) {
        throw new ImportError(`${name} row ${line}, column '${names[i]}': '${field}' is not a finite number`);
      }
      X.data[i * m + j] = v;
    });
  });
  return X;
}
