/**
 * safetensors files (Hugging Face's tensor format), read and written by its
 * specification:
 *
 *   8 bytes   N, the header's size: an unsigned 64-bit little-endian integer
 *   N bytes   the header: UTF-8 JSON, starting with '{', which may be padded at
 *             the end with spaces (0x20). One entry per tensor,
 *             {"dtype": "F64", "shape": [4, 2], "data_offsets": [begin, end]},
 *             plus an optional "__metadata__" map of strings to strings
 *   the rest  the data buffer: every tensor little-endian, in C order, at
 *             [begin, end) counted from the start of the buffer
 *
 * The reader checks every rule of the format before it allocates anything, so a
 * damaged or hostile file gives an ImportError that says what is wrong, and never
 * an allocation larger than the file: the header is at most the file's size (and
 * 100 MB, the reference implementation's limit); tensors must tile the buffer
 * exactly (in order of their offsets, from 0, no gap, no overlap, the last one
 * ending at the end of the file); each tensor's byte size must equal its shape's
 * element count times its dtype's size; keys are unique (JSON.parse would keep the
 * last of two silently). Tensors are copied out of the file into their own typed
 * arrays, whose total size is that of the data buffer.
 *
 * The writer pads the header with spaces so that the data starts at a multiple of
 * 8 bytes, as the reference implementation does: an F64 tensor in a memory-mapped
 * file is then aligned.
 */

import { DTYPES, ImportError, shapeText, type DType, type NdArray } from './ndarray.js';
import { HOST_LITTLE_ENDIAN, getter } from './npy.js';

/** The reference implementation's limit on the header's size. */
export const MAX_HEADER_BYTES = 100_000_000;
/** Deepest nesting of [ and { in a header: a valid one nests three deep. */
const MAX_DEPTH = 8;

/** safetensors dtype names and the NdArray dtypes they read into. */
const FROM_SAFETENSORS: Readonly<Record<string, DType>> = {
  F64: 'float64',
  F32: 'float32',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U64: 'uint64',
  U32: 'uint32',
  U16: 'uint16',
  U8: 'uint8',
  BOOL: 'bool',
};
const TO_SAFETENSORS: Readonly<Record<DType, string>> = Object.fromEntries(
  Object.entries(FROM_SAFETENSORS).map(([st, dt]) => [dt, st]),
) as Record<DType, string>;
/** dtypes of the format that Layerlab does not read, with their sizes (for messages). */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  F16: 'half precision',
  BF16: 'bfloat16',
  F8_E4M3: '8-bit float',
  F8_E5M2: '8-bit float',
  F8_E8M0: '8-bit float',
  F6_E2M3: '6-bit float',
  F6_E3M2: '6-bit float',
  F4: '4-bit float',
  C64: 'complex',
};

export interface Safetensors {
  /** The tensors by name, in the order of their data in the file. */
  tensors: Map<string, NdArray>;
  /** The "__metadata__" map, or null when the file has none. */
  metadata: Record<string, string> | null;
}

/**
 * Writes tensors (in the given order) and optional string metadata as a
 * safetensors file. Names must be non-empty and not "__metadata__".
 */
export function writeSafetensors(
  tensors: Iterable<readonly [string, NdArray]>,
  metadata: Record<string, string> | null = null,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) {
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ImportError(`writeSafetensors: metadata '${k}' must be a string`);
      define(meta, k, v);
    }
    header.__metadata__ = meta;
  }
  const parts: { a: NdArray; begin: number }[] = [];
  let offset = 0;
  for (const [name, a] of tensors) {
    if (name === '' || name === '__metadata__') throw new ImportError(`writeSafetensors: invalid tensor name '${name}'`);
    if (Object.hasOwn(header, name)) throw new ImportError(`writeSafetensors: tensor '${name}' given twice`);
    const info = DTYPES[a.dtype];
    let n = 1;
    for (const d of a.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new ImportError(`writeSafetensors: ${name} has invalid shape ${shapeText(a.shape)}`);
      n *= d;
    }
    if (a.data.length !== n) throw new ImportError(`writeSafetensors: ${name} has shape ${shapeText(a.shape)} but ${a.data.length} values`);
    const bytes = n * info.bytes;
    define(header, name, { dtype: TO_SAFETENSORS[a.dtype], shape: [...a.shape], data_offsets: [offset, offset + bytes] });
    parts.push({ a, begin: offset });
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerSize = Math.ceil(json.length / 8) * 8;
  const start = 8 + headerSize;
  const out = new Uint8Array(start + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerSize), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, start);
  for (const { a, begin } of parts) writeData(view, out, start + begin, a);
  return out;
}

function writeData(view: DataView, out: Uint8Array, at: number, a: NdArray): void {
  const d = a.data;
  if (a.dtype === 'int64' || a.dtype === 'uint64') {
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (!Number.isInteger(v)) throw new ImportError(`writeSafetensors: ${a.dtype} value ${v} is not an integer`);
      if (a.dtype === 'int64') view.setBigInt64(at + i * 8, BigInt(v), true);
      else view.setBigUint64(at + i * 8, BigInt(v), true);
    }
  } else if (a.dtype === 'bool') {
    for (let i = 0; i < d.length; i++) out[at + i] = d[i] ? 1 : 0;
  } else if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
  } else {
    const size = DTYPES[a.dtype].bytes;
    for (let i = 0; i < d.length; i++) {
      if (a.dtype === 'float64') view.setFloat64(at + i * size, d[i], true);
      else if (a.dtype === 'float32') view.setFloat32(at + i * size, d[i], true);
      else if (size === 4) view.setUint32(at + i * size, d[i] >>> 0, true);
      else if (size === 2) view.setUint16(at + i * size, d[i] & 0xffff, true);
      else out[at + i] = d[i] & 0xff;
    }
  }
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Reads a safetensors file. `name` (e.g. "model.safetensors") starts every error
 * message. Integer tensors beyond ±2^53 and the float formats Layerlab does not
 * compute in (F16, BF16, F8…) are errors.
 */
export function readSafetensors(bytes: Uint8Array, name = 'the safetensors data'): Safetensors {
  const fail = (why: string): never => {
    throw new ImportError(`${name}: ${why}`);
  };
  if (bytes.length === 0) fail('the file is empty');
  if (bytes.length < 8) fail(`the file has ${bytes.length} bytes, fewer than the 8 of the header size: not a safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hi = view.getUint32(4, true);
  const size = hi * 2 ** 32 + view.getUint32(0, true);
  if (size > bytes.length - 8) {
    fail(
      `the header size says ${hi >= 2 ** 21 ? `about ${size.toExponential(2)}` : size} bytes, but the file has ` +
        `${bytes.length - 8} after the size: truncated, or not a safetensors file`,
    );
  }
  if (size > MAX_HEADER_BYTES) fail(`the header is ${size} bytes, more than the format's limit of ${MAX_HEADER_BYTES}`);
  if (size < 2) fail(`the header is ${size} bytes; it must hold at least '{}'`);
  const headerBytes = bytes.subarray(8, 8 + size);
  if (headerBytes[0] !== 0x7b) fail(`the header must start with '{', not ${describeByte(headerBytes[0])}: not a safetensors file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    return fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header must be a JSON object');
  checkStructure(text, fail);

  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      metadata = readMetadata(value, fail);
      continue;
    }
    entries.push(readEntry(key, value, fail));
  }

  // The tensors must tile the data buffer: sorted by offset, each starts where the
  // previous one ended, and the last ends at the end of the file.
  const dataStart = 8 + size;
  const dataLength = bytes.length - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.end > dataLength) {
      fail(`tensor '${e.name}' has data_offsets [${e.begin}, ${e.end}] beyond the data buffer of ${dataLength} bytes: truncated file`);
    }
    if (e.begin < at) fail(`tensor '${e.name}' has data_offsets [${e.begin}, ${e.end}] overlapping the tensor before it, which ends at ${at}`);
    if (e.begin > at) fail(`tensor '${e.name}' starts at ${e.begin}, leaving bytes ${at}…${e.begin - 1} of the data buffer unused`);
    at = e.end;
  }
  if (at !== dataLength) {
    fail(`the tensors use ${at} bytes of data, but the file has ${dataLength} after the header: ${at < dataLength ? 'extra bytes at the end' : 'truncated'}`);
  }

  const tensors = new Map<string, NdArray>();
  for (const e of entries) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(bytes, view, dataStart, e, name) });
  return { tensors, metadata };
}

function describeByte(b: number): string {
  return b >= 0x20 && b < 0x7f ? `'${String.fromCharCode(b)}'` : `byte 0x${b.toString(16).padStart(2, '0')}`;
}

function readMetadata(value: unknown, fail: (why: string) => never): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('"__metadata__" must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`"__metadata__" value '${k}' must be a string, got ${jsonType(v)}`);
    define(out, k, v as string);
  }
  return out;
}

/** Sets an own property, even one named "__proto__" (which plain assignment would not). */
function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function readEntry(key: string, value: unknown, fail: (why: string) => never): Entry {
  const what = `tensor '${key}'`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${what} must be an object with dtype, shape and data_offsets`);
  const v = value as Record<string, unknown>;
  const extra = Object.keys(v).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
  if (extra.length) fail(`${what} has unknown field '${extra[0]}'`);
  if (typeof v.dtype !== 'string') fail(`${what} has no dtype string`);
  const st = v.dtype as string;
  const dtype = Object.hasOwn(FROM_SAFETENSORS, st) ? FROM_SAFETENSORS[st] : undefined;
  if (!dtype) {
    const why = Object.hasOwn(UNSUPPORTED, st) ? ` (${UNSUPPORTED[st]}) is not supported; convert it to F32 or F64` : ' is not a safetensors dtype';
    fail(`${what}: dtype '${st.slice(0, 40)}'${why}`);
  }
  const dt = dtype as DType;
  if (!Array.isArray(v.shape)) fail(`${what} has no shape list`);
  const shape = v.shape as unknown[];
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) fail(`${what}: shape entries must be integers ≥ 0, got ${JSON.stringify(d)}`);
  }
  const offsets = v.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2) fail(`${what}: data_offsets must be a list [begin, end]`);
  const [begin, end] = offsets as unknown[];
  for (const o of [begin, end]) {
    if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) fail(`${what}: data_offsets must be integers ≥ 0, got ${JSON.stringify(o)}`);
  }
  const b = begin as number;
  const e = end as number;
  if (e < b) fail(`${what}: data_offsets [${b}, ${e}] end before they begin`);
  // A plain float product: when it is huge or inexact it differs from end − begin,
  // which is a safe integer, and nothing has been allocated.
  let n = 1;
  for (const d of shape as number[]) n *= d;
  const needed = n * DTYPES[dt].bytes;
  if (needed !== e - b) {
    fail(
      `${what}: shape ${shapeText(shape as number[])} of ${st} needs ${Number.isSafeInteger(needed) ? needed : `about ${needed.toExponential(2)}`} ` +
        `bytes, but data_offsets [${b}, ${e}] hold ${e - b}`,
    );
  }
  return { name: key, dtype: dt, shape: shape as number[], begin: b, end: e };
}

function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Checks what JSON.parse lets through: no key twice in one object, and no nesting
 * deeper than MAX_DEPTH. `text` is valid JSON, so this only tracks strings,
 * brackets, colons and commas.
 */
function checkStructure(text: string, fail: (why: string) => never): void {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) fail(`the header has the key '${key.slice(0, 80)}' twice${stack.length === 1 ? '' : ' in one object'}`);
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push(c === 0x7b ? new Set() : null);
      if (stack.length > MAX_DEPTH) fail(`the header nests deeper than ${MAX_DEPTH} levels`);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] !== null;
    }
  }
}

/** Copies a tensor's bytes out of the file into a new typed array in host order. */
function decode(bytes: Uint8Array, view: DataView, dataStart: number, e: Entry, name: string): NdArray['data'] {
  const info = DTYPES[e.dtype];
  const n = (e.end - e.begin) / info.bytes;
  const out = info.make(n);
  const at = dataStart + e.begin;
  if (e.dtype === 'bool') {
    for (let i = 0; i < n; i++) {
      const b = bytes[at + i];
      if (b > 1) throw new ImportError(`${name}: tensor '${e.name}' is BOOL but holds the byte ${b} at index ${i}`);
      out[i] = b;
    }
    return out;
  }
  if (e.dtype === 'int64' || e.dtype === 'uint64') {
    const get = getter(view, e.dtype, true);
    for (let i = 0; i < n; i++) {
      const v = get(at + i * 8);
      if (Number.isNaN(v)) {
        throw new ImportError(`${name}: tensor '${e.name}': ${e.dtype} value at index ${i} exceeds 2^53 in magnitude and cannot be held exactly as a number`);
      }
      out[i] = v;
    }
    return out;
  }
  if (HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(at, at + n * info.bytes));
  } else {
    const get = getter(view, e.dtype, true);
    for (let i = 0; i < n; i++) out[i] = get(at + i * info.bytes);
  }
  return out;
}
