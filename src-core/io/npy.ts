/**
 * NumPy's .npy format: readNpy and writeNpy.
 *
 * The format (numpy.lib.format): the magic "\x93NUMPY", a major and a minor
 * version byte, the header length (uint16 little-endian in 1.0, uint32 in 2.0 and
 * 3.0), then a header that is a Python dict literal such as
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` (latin-1 in 1.0
 * and 2.0, UTF-8 in 3.0), then the raw data.
 *
 * The reader checks that the data the header declares is exactly the data present
 * BEFORE it allocates anything of that size, so a corrupt or hostile header cannot
 * make it allocate more than the file holds.
 */

import {
  DTYPES,
  ImportError,
  forEachColumnMajor,
  shapeText,
  sizeOf,
  unravel,
  type DType,
  type NdArray,
  type NdData,
} from './ndarray.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Deepest nesting of ( [ { accepted in a header: real headers nest two deep. */
const MAX_HEADER_DEPTH = 16;

/** A decoded .npy file's header. */
export interface NpyHeader {
  dtype: DType;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data in the file. */
  dataOffset: number;
}

/**
 * Reads a .npy file. `name` (e.g. "X.npy") starts every error message.
 * Fortran-order data is converted to C order; big-endian data to host order.
 */
export function readNpy(bytes: Uint8Array, name = 'the .npy data'): NdArray {
  const header = readNpyHeader(bytes, name);
  const { dtype, shape } = header;
  const info = DTYPES[dtype];
  const available = bytes.length - header.dataOffset;
  // A plain float product: it may be huge or inexact, but then it exceeds what is
  // there, and nothing has been allocated yet.
  const needed = sizeOf(shape) * info.bytes;
  if (needed !== available) {
    const what = `shape ${shapeText(shape)} of ${dtype} needs ${
      Number.isSafeInteger(needed) ? needed : `about ${needed.toExponential(2)}`
    } bytes, but the file has ${available} bytes of data`;
    throw new ImportError(
      needed > available ? `${name}: truncated data: ${what}` : `${name}: data size mismatch: ${what}`,
    );
  }
  const data = decode(bytes, header, needed / info.bytes, name);
  return { dtype, shape, data };
}

/** Parses and checks the magic, version and header of a .npy file. */
export function readNpyHeader(bytes: Uint8Array, name = 'the .npy data'): NpyHeader {
  const head = Math.min(bytes.length, MAGIC.length);
  if (bytes.length > 0 && bytes.length < MAGIC.length && MAGIC.slice(0, head).every((b, i) => bytes[i] === b)) {
    throw new ImportError(`${name}: truncated header: the file ends after ${bytes.length} bytes, inside the magic`);
  }
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    const start = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ImportError(
      `${name}: not a .npy file: it does not start with the magic \\x93NUMPY` +
        (bytes.length === 0 ? ' (the file is empty)' : ` (it starts with bytes ${start})`),
    );
  }
  if (bytes.length < 8) {
    throw new ImportError(`${name}: truncated header: the file ends after ${bytes.length} bytes, inside the version`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw new ImportError(
      `${name}: .npy format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`,
    );
  }
  const lenBytes = major === 1 ? 2 : 4;
  const prefix = 8 + lenBytes;
  if (bytes.length < prefix) {
    throw new ImportError(
      `${name}: truncated header: the file ends after ${bytes.length} bytes, inside the header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (prefix + headerLen > bytes.length) {
    throw new ImportError(
      `${name}: truncated header: it declares ${headerLen} bytes but only ${bytes.length - prefix} follow`,
    );
  }
  const raw = bytes.subarray(prefix, prefix + headerLen);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw new ImportError(`${name}: header is not valid UTF-8`);
    }
  } else {
    text = latin1(raw);
  }

  let dict: PyValue;
  try {
    dict = parsePyLiteral(text);
  } catch (e) {
    throw new ImportError(`${name}: header is not a Python dict literal: ${(e as Error).message}`);
  }
  if (!(dict instanceof Map)) {
    throw new ImportError(`${name}: header is not a Python dict literal: ${clip(text)}`);
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!dict.has(key)) throw new ImportError(`${name}: header has no '${key}': ${clip(text)}`);
  }
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shapeValue = dict.get('shape');
  if (typeof fortran !== 'boolean') {
    throw new ImportError(`${name}: header's 'fortran_order' must be True or False: ${clip(text)}`);
  }
  if (!(shapeValue instanceof PyTuple) || !shapeValue.items.every((d) => typeof d === 'number' && d >= 0)) {
    throw new ImportError(`${name}: header's 'shape' must be a tuple of non-negative integers: ${clip(text)}`);
  }
  const { dtype, littleEndian } = parseDescr(descr, name);
  return {
    dtype,
    littleEndian,
    fortranOrder: fortran,
    shape: shapeValue.items as number[],
    dataOffset: prefix + headerLen,
  };
}

function latin1(raw: Uint8Array): string {
  let s = '';
  for (let i = 0; i < raw.length; i += 8192) {
    s += String.fromCharCode(...raw.subarray(i, i + 8192));
  }
  return s;
}

/** The header text for a message: trimmed, shortened, control bytes shown as \xNN. */
function clip(text: string): string {
  const t = text.trim();
  const short = t.length > 120 ? `${t.slice(0, 117)}...` : t;
  return short.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const DESCR_TYPES: Record<string, DType> = {
  b1: 'bool',
  u1: 'uint8',
  i1: 'int8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  f4: 'float32',
  f8: 'float64',
};

/** Why a NumPy type character is unsupported, for the message. */
const UNSUPPORTED_KINDS: Record<string, string> = {
  O: 'object arrays',
  U: 'Unicode strings',
  S: 'byte strings',
  a: 'byte strings',
  c: 'complex numbers',
  V: 'raw bytes or structured arrays',
  M: 'dates',
  m: 'time deltas',
  f: 'a float size other than 4 or 8 bytes',
  g: 'long doubles',
  b: 'bool of a size other than 1',
};

function parseDescr(descr: PyValue | undefined, name: string): { dtype: DType; littleEndian: boolean } {
  if (descr instanceof PyList || descr instanceof PyTuple) {
    throw new ImportError(`${name}: dtype ${pyRepr(descr)} (structured arrays) is not supported`);
  }
  if (typeof descr !== 'string') {
    throw new ImportError(`${name}: header's 'descr' must be a dtype string such as '<f8'`);
  }
  const m = /^([<>|=]?)([A-Za-z?])(\d*)$/.exec(descr);
  const dtype = m ? DESCR_TYPES[m[2] + m[3]] : undefined;
  if (!m || !dtype) {
    const why = m ? UNSUPPORTED_KINDS[m[2]] : undefined;
    const supported = 'supported: u1 i1 u2 i2 u4 i4 u8 i8 f4 f8 b1';
    throw new ImportError(
      `${name}: dtype '${descr}'${why ? ` (${why})` : ''} is not supported (${supported})`,
    );
  }
  // '|' means byte order does not apply (1-byte types); '=' is the writer's native
  // order, which NumPy never writes to files: take both as little-endian.
  return { dtype, littleEndian: m[1] !== '>' };
}

/** Decodes n elements of the data into a new typed array in C order. */
function decode(bytes: Uint8Array, h: NpyHeader, n: number, name: string): NdData {
  const info = DTYPES[h.dtype];
  const size = info.bytes;
  const out = info.make(n);
  if (n === 0) return out;
  const start = bytes.byteOffset + h.dataOffset;
  const view = new DataView(bytes.buffer, start, n * size);
  const le = h.littleEndian;

  if (h.dtype === 'bool') {
    const src = bytes.subarray(h.dataOffset, h.dataOffset + n);
    if (h.fortranOrder) forEachColumnMajor(h.shape, (c, f) => (out[c] = src[f] ? 1 : 0));
    else for (let i = 0; i < n; i++) out[i] = src[i] ? 1 : 0;
    return out;
  }
  if (h.dtype === 'int64' || h.dtype === 'uint64') {
    const signed = h.dtype === 'int64';
    const get = (c: number, f: number): number => {
      const v = readInt64(view, f * size, le, signed);
      if (Number.isNaN(v)) {
        const exact = signed ? view.getBigInt64(f * size, le) : view.getBigUint64(f * size, le);
        throw new ImportError(
          `${name}: ${h.dtype} value ${exact} at index [${unravel(c, h.shape).join(', ')}] ` +
            `exceeds 2^53 in magnitude and cannot be held exactly as a number`,
        );
      }
      return v;
    };
    if (h.fortranOrder) forEachColumnMajor(h.shape, (c, f) => (out[c] = get(c, f)));
    else for (let i = 0; i < n; i++) out[i] = get(i, i);
    return out;
  }
  if (!h.fortranOrder && le === HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(h.dataOffset, h.dataOffset + n * size));
    return out;
  }
  const get = getter(view, h.dtype, le);
  if (h.fortranOrder) forEachColumnMajor(h.shape, (c, f) => (out[c] = get(f * size)));
  else for (let i = 0; i < n; i++) out[i] = get(i * size);
  return out;
}

/** A reader of one element at a byte offset, for the fixed-size numeric dtypes. */
export function getter(view: DataView, dtype: DType, le: boolean): (offset: number) => number {
  switch (dtype) {
    case 'uint8':
    case 'bool':
      return (o) => view.getUint8(o);
    case 'int8':
      return (o) => view.getInt8(o);
    case 'int16':
      return (o) => view.getInt16(o, le);
    case 'uint16':
      return (o) => view.getUint16(o, le);
    case 'int32':
      return (o) => view.getInt32(o, le);
    case 'uint32':
      return (o) => view.getUint32(o, le);
    case 'float32':
      return (o) => view.getFloat32(o, le);
    case 'float64':
      return (o) => view.getFloat64(o, le);
    case 'int64':
    case 'uint64':
      return (o) => readInt64(view, o, le, dtype === 'int64');
  }
}

const TWO_32 = 4294967296;
const TWO_21 = 2097152;

/**
 * A 64-bit integer as a number, or NaN when its magnitude exceeds 2^53 (beyond
 * which not every integer is a double). Reads two 32-bit halves: faster than BigInt.
 */
export function readInt64(view: DataView, offset: number, le: boolean, signed: boolean): number {
  const lo = view.getUint32(offset + (le ? 0 : 4), le);
  const hi = signed ? view.getInt32(offset + (le ? 4 : 0), le) : view.getUint32(offset + (le ? 4 : 0), le);
  // |v| <= 2^53  <=>  -2^21 <= hi < 2^21, or v is exactly 2^53.
  if (hi >= TWO_21 || hi < -TWO_21) return hi === TWO_21 && lo === 0 ? 2 ** 53 : NaN;
  return hi * TWO_32 + lo;
}

// ---------------------------------------------------------------------------
// Writing

const WRITE_DESCR: Record<DType, string> = {
  bool: '|b1',
  uint8: '|u1',
  int8: '|i1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  uint64: '<u8',
  float32: '<f4',
  float64: '<f8',
};

/**
 * A .npy file (format 1.0, or 2.0 when the header needs it) holding `a` in C
 * order, little-endian, with the header padded to 64 bytes as NumPy does.
 */
export function writeNpy(a: NdArray): Uint8Array {
  const info = DTYPES[a.dtype];
  if (!info) throw new ImportError(`writeNpy: unknown dtype '${String(a.dtype)}'`);
  let n = 1;
  for (const d of a.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ImportError(`writeNpy: invalid shape ${shapeText(a.shape)}`);
    n *= d;
  }
  if (a.data.length !== n) {
    throw new ImportError(`writeNpy: shape ${shapeText(a.shape)} needs ${n} values, got ${a.data.length}`);
  }
  const dict = `{'descr': '${WRITE_DESCR[a.dtype]}', 'fortran_order': False, 'shape': ${shapeText(a.shape)}, }`;
  let major = 1;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 0xffff) {
    major = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  const headerLen = total - prefix;
  const header = dict.padEnd(headerLen - 1, ' ') + '\n';
  const out = new Uint8Array(total + n * info.bytes);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);

  const d = a.data;
  if (a.dtype === 'int64' || a.dtype === 'uint64') {
    for (let i = 0; i < n; i++) {
      const v = d[i];
      if (!Number.isInteger(v)) throw new ImportError(`writeNpy: ${a.dtype} value ${v} at index ${i} is not an integer`);
      if (a.dtype === 'int64') view.setBigInt64(total + i * 8, BigInt(v), true);
      else view.setBigUint64(total + i * 8, BigInt(v), true);
    }
  } else if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), total);
  } else {
    const set = setter(view, a.dtype);
    for (let i = 0; i < n; i++) set(total + i * info.bytes, d[i]);
  }
  return out;
}

function setter(view: DataView, dtype: DType): (offset: number, v: number) => void {
  switch (dtype) {
    case 'int16':
      return (o, v) => view.setInt16(o, v, true);
    case 'uint16':
      return (o, v) => view.setUint16(o, v, true);
    case 'int32':
      return (o, v) => view.setInt32(o, v, true);
    case 'uint32':
      return (o, v) => view.setUint32(o, v, true);
    case 'float32':
      return (o, v) => view.setFloat32(o, v, true);
    case 'float64':
      return (o, v) => view.setFloat64(o, v, true);
    default:
      return (o, v) => view.setUint8(o, v);
  }
}

// ---------------------------------------------------------------------------
// The Python literal subset of .npy headers: dicts, tuples, lists, strings,
// integers, True, False and None.

class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
class PyList {
  constructor(readonly items: PyValue[]) {}
}
type PyValue = string | number | boolean | null | PyTuple | PyList | Map<string, PyValue>;

function pyRepr(v: PyValue): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v instanceof PyTuple) return `(${v.items.map(pyRepr).join(', ')}${v.items.length === 1 ? ',' : ''})`;
  if (v instanceof PyList) return `[${v.items.map(pyRepr).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(', ')}}`;
  return v === null ? 'None' : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
}

/** Parses one Python literal making up the whole text (surrounding whitespace allowed). */
export function parsePyLiteral(text: string): PyValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${pos}: ${clip(text)}`);
  };
  const skip = (): void => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const value = (depth: number): PyValue => {
    if (depth > MAX_HEADER_DEPTH) fail('nested too deeply');
    skip();
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      const map = new Map<string, PyValue>();
      for (;;) {
        skip();
        if (text[pos] === '}') {
          pos++;
          return map;
        }
        const key = value(depth + 1);
        if (typeof key !== 'string') fail('a dict key that is not a string');
        skip();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        map.set(key as string, value(depth + 1));
        skip();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== '}') fail("expected ',' or '}'");
      }
    }
    if (ch === '(' || ch === '[') {
      const close = ch === '(' ? ')' : ']';
      pos++;
      const items: PyValue[] = [];
      for (;;) {
        skip();
        if (text[pos] === close) {
          pos++;
          return ch === '(' ? new PyTuple(items) : new PyList(items);
        }
        items.push(value(depth + 1));
        skip();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    if (ch === "'" || ch === '"') {
      pos++;
      let s = '';
      while (pos < text.length && text[pos] !== ch) {
        if (text[pos] === '\\') pos++;
        s += text[pos++] ?? '';
      }
      if (pos >= text.length) fail('unterminated string');
      pos++;
      return s;
    }
    const word = /^(-?\d+)L?|^(True|False|None)/.exec(text.slice(pos, pos + 32));
    if (!word) return fail(pos >= text.length ? 'unexpected end' : `unexpected '${ch}'`);
    pos += word[0].length;
    if (word[2]) return word[2] === 'None' ? null : word[2] === 'True';
    const n = Number(word[1]);
    if (!Number.isSafeInteger(n)) fail(`integer ${word[1]} is too large`);
    return n;
  };
  const v = value(0);
  skip();
  if (pos !== text.length) fail('unexpected text after the literal');
  return v;
}
