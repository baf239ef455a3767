/**
 * CSV files: parseCsv turns text into X (n_x, m) and Y (1, m).
 *
 * Rows are examples. The caller picks one label column and the feature columns
 * (by default all the others). Text comes whole or as an (async) iterable of
 * chunks, strings or UTF-8 bytes such as a file stream's; chunks are parsed as they arrive by
 * papaparse's low-level Parser, and the numbers go straight into a growable
 * Float64Array, so a 100 MB file is never held as text, nor as row objects.
 *
 * Strict by design, since a silently wrong matrix trains silently wrong nets:
 * a field that is not a number is an error naming line and column; so is a ragged
 * row. NaN, ±Infinity and empty fields are errors too, unless nonFinite is 'drop',
 * which drops their rows.
 */

import Papa from 'papaparse/papaparse.js';
import { Matrix, allocate, type FloatArray, type Precision } from '../matrix.js';
import { ImportError, transposeInPlace, type NonFinitePolicy } from './ndarray.js';

export interface CsvOptions {
  /** The label column: its header name, or its 0-based index (negative counts from the end). */
  label: string | number;
  /** The feature columns, by name or index; by default every column but the label. */
  features?: (string | number)[];
  /**
   * Whether the first row names the columns. 'auto' (the default): it does if one
   * of its fields is not a number while the field below it is (so a label column of
   * class names does not fool it), or, with a single row, if any field is not a
   * number. Naming the label by a string also requires a header.
   */
  header?: boolean | 'auto';
  /** The file's name, for messages: "data.csv line 17, column 'x2': …". */
  name?: string;
  /** NaN, ±Infinity or an empty field: 'error' (the default) or 'drop' the row. */
  nonFinite?: NonFinitePolicy;
  /** Field separator; ',' by default. */
  delimiter?: string;
  precision?: Precision;
}

export interface CsvResult {
  /** (n_x, m): one column per kept row. */
  X: Matrix;
  /** (1, m): the label of each example, a class index. */
  Y: Matrix;
  /** The names of X's rows: header names, or column indices as text without a header. */
  featureNames: string[];
  /**
   * When labels are text: the class names, sorted, where Y holds indices into this
   * list. Null when labels are numbers, which Y then holds as they are.
   */
  classNames: string[] | null;
  /** The line numbers of the rows dropped for non-finite or missing values. */
  dropped: number[];
}

/** Whole strings are parsed in slices of this size, to bound the parser's arrays. */
const SLICE = 1 << 20;
/** A row longer than this (or a quote left open this long) is an error, not a wait. */
const MAX_PENDING = 8 << 20;
const MAX_CLASSES = 65536;

/** Text, or chunks of it: strings, or UTF-8 bytes such as a file stream's. */
export type CsvInput = string | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/** Parses a CSV file into X and Y. See CsvOptions; errors are ImportErrors naming line and column. */
export async function parseCsv(input: CsvInput, opts: CsvOptions): Promise<CsvResult> {
  const reader = new CsvReader(opts);
  for await (const chunk of chunks(input)) reader.push(chunk);
  return reader.finish();
}

async function* chunks(input: CsvInput): AsyncGenerator<string> {
  if (typeof input === 'string') {
    for (let i = 0; i < input.length; i += SLICE) yield input.slice(i, i + SLICE);
    return;
  }
  let decoder: TextDecoder | null = null;
  for await (const c of input) {
    if (typeof c === 'string') {
      yield c;
    } else if (c instanceof Uint8Array) {
      decoder ??= new TextDecoder('utf-8');
      yield decoder.decode(c, { stream: true });
    } else {
      throw new ImportError('parseCsv: chunks must be strings or Uint8Arrays of UTF-8');
    }
  }
  if (decoder) yield decoder.decode();
}

/**
 * Whether a first row is a header, by its fields alone ('auto'): one of them is not a number
 * while the field below it is (so a column of class names is no header), or, with no row
 * below, any of them is not a number.
 */
export function looksLikeHeader(first: readonly string[], second: readonly string[] | null): boolean {
  if (!second) return first.some((v) => parseNumber(v) === undefined);
  return first.some((v, i) => parseNumber(v) === undefined && second[i] !== undefined && parseNumber(second[i]) !== undefined);
}

/**
 * A number as NumPy's float() would read it, or undefined when the field is not a
 * number. Accepts exponents, surrounding spaces, 'nan', 'inf', 'infinity' (any case);
 * rejects empty fields and JavaScript-only forms such as '0x1F'.
 */
export function parseNumber(raw: string): number | undefined {
  const v = +raw;
  if (v === v) {
    if (v === 0 && raw.trim() === '') return undefined; // Number('') and Number(' ') are 0
    // Decimal text has no x, b or o; Number() also reads 0x1F, 0b1, 0o7 (integers all).
    const p = v % 1 === 0 ? raw.indexOf('0') : -1;
    if (p !== -1) {
      const c = raw.charCodeAt(p + 1) | 0x20;
      if (c === 0x78 || c === 0x62 || c === 0x6f) return undefined;
    }
    return v;
  }
  const t = raw.trim().toLowerCase();
  if (t === 'nan' || t === '+nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return undefined;
}

interface ResizableArrayBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
}
// Resizable ArrayBuffers (ES2024; Node 20, Electron, current browsers) grow in
// place, without the copy that leaves old and new buffer alive at once. Node caps
// their maximum at 4 GiB; past it, and where they are missing, we copy.
const Resizable = ArrayBuffer as unknown as new (length: number, opts: { maxByteLength: number }) => ResizableArrayBuffer;
const HAS_RESIZABLE = typeof (ArrayBuffer.prototype as { resize?: unknown }).resize === 'function';
const MAX_RESIZABLE = 2 ** 32;

/**
 * The feature values, appended row by row. Grows in place when it can, so that
 * parsing peaks at about the values' size rather than two or three times it.
 */
class ValueBuffer {
  private buffer: ArrayBuffer;
  private resizable: ResizableArrayBuffer | null = null;
  data: Float64Array;
  capacity: number;
  length = 0;

  constructor() {
    const initial = 1 << 16;
    if (HAS_RESIZABLE) {
      try {
        this.resizable = new Resizable(initial * 8, { maxByteLength: MAX_RESIZABLE });
      } catch {
        this.resizable = null;
      }
    }
    this.buffer = this.resizable ?? new ArrayBuffer(initial * 8);
    this.data = new Float64Array(this.buffer);
    this.capacity = initial;
  }

  push(v: number): void {
    if (this.length === this.capacity) this.grow();
    this.data[this.length++] = v;
  }

  private grow(): void {
    const want = Math.ceil(this.capacity * 1.5);
    if (this.resizable && want * 8 <= MAX_RESIZABLE) {
      this.resizable.resize(want * 8);
      this.data = new Float64Array(this.resizable, 0, want);
    } else {
      const bigger = new Float64Array(want);
      bigger.set(this.data.subarray(0, this.length));
      this.resizable = null;
      this.buffer = bigger.buffer;
      this.data = bigger;
    }
    this.capacity = want;
  }

  /** The values, exactly `length` of them (shrinking the buffer where it can). */
  finish(): Float64Array {
    if (this.resizable) {
      this.resizable.resize(this.length * 8);
      return new Float64Array(this.resizable, 0, this.length);
    }
    return this.data.subarray(0, this.length);
  }
}

/** Class ids of the rows (at most 65536 classes). */
class IdBuffer {
  data = new Uint16Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint16Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
}

class CsvReader {
  private readonly name: string;
  private readonly policy: NonFinitePolicy;
  private readonly delimiter: string;

  private pending = '';
  private started = false;
  private parser: InstanceType<typeof Papa.Parser> | null = null;
  private baseIndex = 0;
  /** 1-based line number of the next row to come. */
  private line = 1;

  private firstRow: { fields: string[]; line: number } | null = null;
  private columns: { width: number; names: string[]; named: boolean; features: number[]; label: number } | null = null;

  private readonly values = new ValueBuffer();
  private scratch = new Float64Array(0);
  private readonly labelIds = new IdBuffer();
  private readonly labelIndex = new Map<string, number>();
  /** For each distinct label, in order of appearance: its text and first line. */
  private readonly labels: { text: string; line: number }[] = [];
  private readonly dropped: number[] = [];

  constructor(private readonly opts: CsvOptions) {
    this.name = opts.name ?? 'the CSV data';
    this.policy = opts.nonFinite ?? 'error';
    this.delimiter = opts.delimiter ?? ',';
    if (this.policy !== 'error' && this.policy !== 'drop') {
      throw new ImportError(`nonFinite must be 'error' or 'drop', got '${String(this.policy)}'`);
    }
  }

  push(chunk: string): void {
    if (!this.started) {
      if (chunk.length === 0) return;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      this.started = true;
    }
    let text = this.pending + chunk;
    if (!this.parser) {
      // Wait for the first line break to know which kind the file uses.
      const newline = detectNewline(text, false);
      if (!newline) {
        this.pending = text;
        this.checkPending();
        return;
      }
      this.parser = new Papa.Parser({ delimiter: this.delimiter, newline, quoteChar: '"' });
    }
    const res = this.parser.parse(text, this.baseIndex, true);
    this.rows(res, text);
    this.pending = text.substring(res.meta.cursor - this.baseIndex);
    this.baseIndex = res.meta.cursor;
    text = '';
    this.checkPending();
  }

  finish(): CsvResult {
    const text = this.pending;
    this.pending = '';
    if (text.length > 0) {
      this.parser ??= new Papa.Parser({
        delimiter: this.delimiter,
        newline: detectNewline(text, true) ?? '\n',
        quoteChar: '"',
      });
      this.rows(this.parser.parse(text, this.baseIndex, false), text);
    }
    if (this.firstRow) this.resolveColumns(this.firstRow, null);
    if (!this.columns) throw new ImportError(`${this.name} is empty`);
    return this.result();
  }

  private checkPending(): void {
    if (this.pending.length > MAX_PENDING) {
      throw new ImportError(
        `${this.name} line ${this.line}: a row runs on for more than ${MAX_PENDING >> 20} MB ` +
          `(a quoted field that is never closed?)`,
      );
    }
  }

  private rows(res: ReturnType<InstanceType<typeof Papa.Parser>['parse']>, text: string): void {
    const errorRows = res.errors.length ? new Map(res.errors.map((e) => [e.row ?? -1, e])) : null;
    const quoted = text.indexOf('"') !== -1;
    const rows = res.data;
    for (let r = 0; r < rows.length; r++) {
      const fields = rows[r];
      const line = this.line;
      this.line++;
      if (quoted) {
        for (const f of fields) for (let p = f.indexOf('\n'); p !== -1; p = f.indexOf('\n', p + 1)) this.line++;
      }
      const err = errorRows?.get(r);
      if (err) {
        const what =
          err.code === 'MissingQuotes'
            ? 'a quoted field is never closed (or text follows its closing quote)'
            : err.message.toLowerCase();
        throw new ImportError(`${this.name} line ${line}: ${what}`);
      }
      if (fields.length === 1 && fields[0].trim() === '') continue; // a blank line
      this.row(fields, line);
    }
  }

  private row(fields: string[], line: number): void {
    const cols = this.columns;
    if (!cols) {
      if (!this.firstRow) {
        this.firstRow = { fields, line };
        return;
      }
      const first = this.firstRow;
      this.firstRow = null;
      if (this.resolveColumns(first, fields)) this.data(first.fields, first.line);
      this.data(fields, line);
      return;
    }
    this.data(fields, line);
  }

  /** Decides on the header and the columns; true when the first row is data. */
  private resolveColumns(first: { fields: string[]; line: number }, second: string[] | null): boolean {
    const { opts, name } = this;
    const f = first.fields;
    const width = f.length;
    let header: boolean;
    if (opts.header === true || opts.header === false) {
      header = opts.header;
    } else if (typeof opts.label === 'string' || opts.features?.some((c) => typeof c === 'string')) {
      header = true;
    } else {
      header = looksLikeHeader(f, second);
    }
    const names = header ? f.map((v) => v.trim()) : f.map((_, i) => String(i));
    const pick = (c: string | number, role: string): number => {
      if (typeof c === 'number') {
        const i = c < 0 ? width + c : c;
        if (!Number.isInteger(c) || i < 0 || i >= width) {
          throw new ImportError(`${name}: ${role} column index ${c} is out of range; rows have ${width} fields`);
        }
        return i;
      }
      if (!header) {
        throw new ImportError(
          `${name}: has no header row, so the ${role} column must be given by index, not by the name '${c}'`,
        );
      }
      const i = names.indexOf(c);
      if (i < 0) {
        throw new ImportError(`${name}: no column '${c}'; columns are: ${names.join(', ')}`);
      }
      if (names.indexOf(c, i + 1) >= 0) {
        throw new ImportError(`${name}: column name '${c}' appears more than once; pick the ${role} column by index`);
      }
      return i;
    };
    const label = pick(opts.label, 'label');
    const features = opts.features
      ? opts.features.map((c) => pick(c, 'feature'))
      : names.map((_, i) => i).filter((i) => i !== label);
    if (features.includes(label)) {
      throw new ImportError(`${name}: column '${names[label]}' cannot be both the label and a feature`);
    }
    if (features.length === 0) throw new ImportError(`${name}: no feature columns`);
    this.columns = { width, names, named: header, features, label };
    this.scratch = new Float64Array(features.length);
    return !header;
  }

  private column(i: number): string {
    const c = this.columns!;
    return c.named ? `column '${c.names[i]}'` : `column ${i}`;
  }

  private data(fields: string[], line: number): void {
    const c = this.columns!;
    if (fields.length !== c.width) {
      throw new ImportError(`${this.name} line ${line}: ${fields.length} fields, expected ${c.width}`);
    }
    const feats = c.features;
    const scratch = this.scratch;
    let drop = false;
    for (let k = 0; k < feats.length; k++) {
      const raw = fields[feats[k]];
      const v = parseNumber(raw);
      if (v === undefined || !Number.isFinite(v)) {
        const missing = raw.trim() === '';
        if (v === undefined && !missing) {
          throw new ImportError(`${this.name} line ${line}, ${this.column(feats[k])}: '${raw}' is not a number`);
        }
        if (this.policy === 'error') {
          throw new ImportError(
            `${this.name} line ${line}, ${this.column(feats[k])}: ` +
              (missing ? 'missing value' : `${v} is not a finite number`) +
              ` (non_finite: 'drop' leaves such rows out)`,
          );
        }
        drop = true;
      }
      scratch[k] = v ?? NaN;
    }
    const labelText = fields[c.label].trim();
    const lv = parseNumber(labelText);
    if (labelText === '' || (lv !== undefined && !Number.isFinite(lv))) {
      if (this.policy === 'error') {
        throw new ImportError(
          `${this.name} line ${line}, ${this.column(c.label)}: ` +
            (labelText === '' ? 'missing label' : `label ${lv} is not a finite number`) +
            ` (non_finite: 'drop' leaves such rows out)`,
        );
      }
      drop = true;
    }
    if (drop) {
      this.dropped.push(line);
      return;
    }
    let id = this.labelIndex.get(labelText);
    if (id === undefined) {
      if (this.labels.length >= MAX_CLASSES) {
        throw new ImportError(
          `${this.name} line ${line}, ${this.column(c.label)}: more than ${MAX_CLASSES} distinct labels; is this the label column?`,
        );
      }
      id = this.labels.length;
      this.labelIndex.set(labelText, id);
      this.labels.push({ text: labelText, line });
    }
    this.labelIds.push(id);
    for (let k = 0; k < feats.length; k++) this.values.push(scratch[k]);
  }

  private result(): CsvResult {
    const c = this.columns!;
    const m = this.labelIds.length;
    if (m === 0) {
      throw new ImportError(
        this.dropped.length
          ? `${this.name}: every row was dropped for non-finite or missing values`
          : `${this.name} has a header but no data rows`,
      );
    }
    // Labels: numbers if every distinct label is one, else class names, sorted.
    const numeric = this.labels.map((l) => parseNumber(l.text));
    let classNames: string[] | null = null;
    let classOf: Float64Array;
    if (numeric.every((v) => v !== undefined)) {
      numeric.forEach((v, i) => {
        if (!Number.isInteger(v) || v! < 0) {
          const { text, line } = this.labels[i];
          throw new ImportError(
            `${this.name} line ${line}, ${this.column(c.label)}: label ${text} is not a class index ` +
              `(labels must be 0, 1, 2, … or names)`,
          );
        }
      });
      classOf = Float64Array.from(numeric as number[]);
    } else {
      classNames = this.labels.map((l) => l.text).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const rank = new Map(classNames.map((n, i) => [n, i]));
      classOf = Float64Array.from(this.labels, (l) => rank.get(l.text)!);
    }
    const precision = this.opts.precision ?? 'float64';
    const y = allocate(m, precision);
    const ids = this.labelIds.data;
    for (let j = 0; j < m; j++) y[j] = classOf[ids[j]];

    // values is (m, n_x) row-major; X is its transpose. Transposing in place keeps
    // the peak at one copy of the values.
    const n = c.features.length;
    const v = this.values.finish();
    let x: FloatArray;
    if (precision === 'float64') {
      transposeInPlace(v, m, n);
      x = v;
    } else {
      x = allocate(n * m, precision);
      for (let j = 0; j < m; j++) {
        const base = j * n;
        for (let i = 0; i < n; i++) x[i * m + j] = v[base + i];
      }
    }
    return {
      X: new Matrix(n, m, x),
      Y: new Matrix(1, m, y),
      featureNames: c.features.map((i) => c.names[i]),
      classNames,
      dropped: this.dropped,
    };
  }
}

/**
 * The line break the text uses, from its first one: '\r\n', '\n' or '\r'. Null
 * when there is none yet (or, unless `atEnd`, a final '\r' might start a '\r\n').
 */
function detectNewline(text: string, atEnd: boolean): '\r\n' | '\n' | '\r' | null {
  const n = text.indexOf('\n');
  const r = text.indexOf('\r');
  if (r !== -1 && (n === -1 || r < n)) {
    if (r + 1 < text.length) return text[r + 1] === '\n' ? '\r\n' : '\r';
    return atEnd ? '\r' : null;
  }
  return n !== -1 ? '\n' : null;
}
