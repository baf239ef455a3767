/**
 * MATLAB v5 (and v6/v7) .mat files: numeric matrices only.
 *
 * Layout (MathWorks, "MAT-File Format", level 5): a 128-byte header (116 bytes of
 * text, 8 bytes of subsystem offset, a version uint16 and the endian indicator
 * "IM" or "MI"), then data elements, each an 8-byte tag (type uint32, byte count
 * uint32) and its data. A variable is an miMATRIX element holding sub-elements:
 * array flags (class, logical/complex bits), dimensions, name, and the real part.
 * Since v7, variables may be wrapped in miCOMPRESSED elements (zlib streams).
 * Sub-elements are padded to 8 bytes; a "small" element packs a count of at most
 * 4 bytes into its tag.
 *
 * Values are column-major in the file and row-major in the NdArray. The dtype is
 * the variable's MATLAB class (a double stored as uint8 to save space, as MATLAB
 * does for integer-valued data, reads as float64: what MATLAB itself shows; SciPy's
 * loadmat returns the storage type unless mat_dtype=True, with the same values).
 * Logical arrays read as bool. Other classes (char, cell, struct, sparse, complex,
 * objects) are listed by listMat but skipped by readMat.
 *
 * mat-for-js (npm) was considered and not used: it is GPL-3.0 (this project is
 * MIT), has one release and few users, and brings pako where we already have fflate.
 */

import { unzlibSync } from 'fflate';
import { DTYPES, ImportError, forEachColumnMajor, sizeOf, shapeText, type DType, type NdArray } from './ndarray.js';
import { getter } from './npy.js';

/** Element types (miXXX). */
const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

/** The storage dtype of each numeric element type. */
const MI_DTYPE: Record<number, DType> = {
  [MI.INT8]: 'int8',
  [MI.UINT8]: 'uint8',
  [MI.INT16]: 'int16',
  [MI.UINT16]: 'uint16',
  [MI.INT32]: 'int32',
  [MI.UINT32]: 'uint32',
  [MI.SINGLE]: 'float32',
  [MI.DOUBLE]: 'float64',
  [MI.INT64]: 'int64',
  [MI.UINT64]: 'uint64',
};

/** Array classes (mxXXX_CLASS): the numeric ones map to a dtype. */
const MX_DTYPE: Record<number, DType> = {
  6: 'float64',
  7: 'float32',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};
const MX_NAME: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  16: 'function handle',
  17: 'opaque object',
};

const FLAG_COMPLEX = 0x0800;
const FLAG_LOGICAL = 0x0200;

/** One variable of a .mat file, as listMat reports it. */
export interface MatVariable {
  name: string;
  /** MATLAB's class name: 'double', 'single', 'int8', …, 'logical', 'char', 'struct', … */
  matlabClass: string;
  shape: number[];
  /** The NdArray dtype it reads as, or null when readMat skips it. */
  dtype: DType | null;
  /** Why readMat skips it (null when it reads it). */
  skipped: string | null;
}

/**
 * The numeric variables of a MATLAB v5 .mat file, by name, as row-major NdArrays.
 * Non-numeric variables are skipped (see listMat); a file with none is an error.
 */
export function readMat(bytes: Uint8Array, name = 'the .mat data'): Map<string, NdArray> {
  const out = new Map<string, NdArray>();
  const vars = parseMat(bytes, name, true);
  for (const v of vars) if (v.array) out.set(v.info.name, v.array);
  if (out.size === 0) {
    const list = vars.map((v) => `${v.info.name} (${v.info.matlabClass}: ${v.info.skipped})`).join(', ');
    throw new ImportError(
      `${name}: no numeric matrices` + (vars.length ? `; its variables are: ${list}` : '; it holds no variables'),
    );
  }
  return out;
}

/** Every variable of a .mat file with its class and shape, for a picker. */
export function listMat(bytes: Uint8Array, name = 'the .mat data'): MatVariable[] {
  return parseMat(bytes, name, false).map((v) => v.info);
}

interface Parsed {
  info: MatVariable;
  array: NdArray | null;
}

function parseMat(bytes: Uint8Array, name: string, readValues: boolean): Parsed[] {
  checkHeader(bytes, name);
  const le = bytes[126] === 0x49 && bytes[127] === 0x4d; // 'I','M' in file order
  const vars: Parsed[] = [];
  let pos = 128;
  while (pos < bytes.length) {
    if (bytes.length - pos < 8) {
      throw new ImportError(`${name}: truncated: ${bytes.length - pos} stray bytes at offset ${pos}`);
    }
    const view = viewOf(bytes);
    const type = view.getUint32(pos, le);
    const size = view.getUint32(pos + 4, le);
    const end = pos + 8 + size;
    if (end > bytes.length) {
      throw new ImportError(
        `${name}: truncated: the element at offset ${pos} declares ${size} bytes, only ${bytes.length - pos - 8} follow`,
      );
    }
    let el: Uint8Array;
    let at: string;
    if (type === MI.COMPRESSED) {
      at = `the compressed variable at offset ${pos}`;
      try {
        el = unzlibSync(bytes.subarray(pos + 8, end));
      } catch (e) {
        throw new ImportError(`${name}: ${at} does not decompress: ${(e as Error).message}`);
      }
      const inner = new Element(el, 0, le, `${name}: ${at}`);
      if (inner.type !== MI.MATRIX) {
        throw new ImportError(`${name}: ${at} holds element type ${inner.type}, not a matrix`);
      }
      vars.push(readMatrix(inner, name, readValues));
    } else if (type === MI.MATRIX) {
      at = `the variable at offset ${pos}`;
      vars.push(readMatrix(new Element(bytes.subarray(0, end), pos, le, `${name}: ${at}`), name, readValues));
    } else {
      throw new ImportError(`${name}: unexpected element type ${type} at offset ${pos} (expected a matrix)`);
    }
    // Top-level elements are not padded (matrices are whole multiples of 8 anyway).
    pos = end;
  }
  // An unnamed variable is MATLAB's subsystem data (__function_workspace__), not the user's.
  return vars.filter((v) => v.info.name !== '');
}

function checkHeader(bytes: Uint8Array, name: string): void {
  const text = bytes.length >= 116 ? asciiText(bytes.subarray(0, 116)) : '';
  const hdf5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  const hdf5At512 = bytes.length >= 520 && hdf5.every((b, i) => bytes[512 + i] === b);
  if (text.startsWith('MATLAB 7.3') || hdf5At512) {
    throw new ImportError(`${name} is a MATLAB v7.3 file; load it as HDF5`);
  }
  if (bytes.length < 128) {
    throw new ImportError(`${name}: not a MATLAB v5 .mat file: ${bytes.length} bytes is shorter than its 128-byte header`);
  }
  const e0 = bytes[126];
  const e1 = bytes[127];
  const okEndian = (e0 === 0x49 && e1 === 0x4d) || (e0 === 0x4d && e1 === 0x49);
  if (!text.startsWith('MATLAB') || !okEndian) {
    throw new ImportError(
      `${name}: not a MATLAB v5 .mat file (no 'MATLAB 5.0 MAT-file' header; MATLAB v4 files are not supported)`,
    );
  }
}

function asciiText(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** One data element: its type and the bytes of its data; `next` is where the following one starts. */
class Element {
  readonly type: number;
  readonly data: Uint8Array;
  readonly next: number;

  constructor(buf: Uint8Array, pos: number, readonly le: boolean, readonly where: string) {
    if (buf.length - pos < 8) throw new ImportError(`${where}: truncated (an element tag is cut off)`);
    const view = viewOf(buf);
    const first = view.getUint32(pos, le);
    if (first >>> 16 !== 0) {
      // Small element: 2 bytes of count and 2 of type in the tag, data in the next 4.
      this.type = first & 0xffff;
      const size = first >>> 16;
      if (size > 4) throw new ImportError(`${where}: a small element claims ${size} bytes (at most 4 fit)`);
      this.data = buf.subarray(pos + 4, pos + 4 + size);
      this.next = pos + 8;
    } else {
      this.type = first;
      const size = view.getUint32(pos + 4, le);
      if (size > buf.length - pos - 8) {
        throw new ImportError(
          `${where}: truncated: an element declares ${size} bytes, only ${buf.length - pos - 8} follow`,
        );
      }
      this.data = buf.subarray(pos + 8, pos + 8 + size);
      this.next = pos + 8 + Math.ceil(size / 8) * 8;
    }
  }

  /** The sub-elements of an miMATRIX, in order. */
  children(): Element[] {
    const out: Element[] = [];
    let p = 0;
    while (p < this.data.length) {
      const e = new Element(this.data, p, this.le, this.where);
      out.push(e);
      p = e.next;
    }
    return out;
  }
}

function readMatrix(el: Element, file: string, readValues: boolean): Parsed {
  const parts = el.children();
  const where = el.where;
  if (parts.length < 2) throw new ImportError(`${where}: a matrix without flags and dimensions`);
  const [flagsEl, dimsEl] = parts;
  if (flagsEl.type !== MI.UINT32 || flagsEl.data.length < 8) {
    throw new ImportError(`${where}: the array flags element is malformed`);
  }
  const flags = viewOf(flagsEl.data).getUint32(0, el.le);
  const mxClass = flags & 0xff;
  const text = (e: Element | undefined): string =>
    e && (e.type === MI.INT8 || e.type === MI.UINT8 || e.type === MI.UTF8) ? new TextDecoder('utf-8').decode(e.data) : '';
  if (mxClass === 17) {
    // Opaque objects (MATLAB strings, tables, …) have no dimensions element: flags, name, type, class, data.
    const info = { name: text(dimsEl), matlabClass: `opaque object (${text(parts[3]) || 'unknown class'})`, shape: [], dtype: null };
    return { info: { ...info, skipped: 'opaque objects are not numeric matrices' }, array: null };
  }
  const numericClass = MX_DTYPE[mxClass] !== undefined;
  const shape: number[] = [];
  if (dimsEl.type === MI.INT32 && dimsEl.data.length % 4 === 0) {
    const dv = viewOf(dimsEl.data);
    for (let i = 0; i < dimsEl.data.length; i += 4) shape.push(dv.getInt32(i, el.le));
  }
  if (numericClass && (shape.length < 2 || shape.some((d) => d < 0))) {
    throw new ImportError(`${where}: the dimensions element is malformed`);
  }
  const varName = text(parts[2]);
  const logical = (flags & FLAG_LOGICAL) !== 0;
  const complex = (flags & FLAG_COMPLEX) !== 0;
  const classDtype = MX_DTYPE[mxClass];
  const matlabClass = logical
    ? 'logical'
    : (MX_NAME[mxClass] ?? (classDtype ? classDtype.replace('float64', 'double').replace('float32', 'single') : `class ${mxClass}`));
  let skipped: string | null = null;
  if (!classDtype) skipped = `${matlabClass} arrays are not numeric matrices`;
  else if (complex) skipped = 'complex numbers are not supported';
  const dtype: DType | null = skipped ? null : logical ? 'bool' : classDtype;
  const info: MatVariable = { name: varName, matlabClass, shape, dtype, skipped };
  if (skipped || !readValues || !dtype) return { info, array: null };

  const what = `${file}: variable '${varName}'`;
  const real = parts[3];
  if (!real) throw new ImportError(`${what}: has no data element`);
  const storage = MI_DTYPE[real.type];
  if (!storage) throw new ImportError(`${what}: data element type ${real.type} is not numeric`);
  const n = sizeOf(shape);
  const itemBytes = DTYPES[storage].bytes;
  // Check before allocating: the element must hold exactly n values.
  if (n * itemBytes !== real.data.length) {
    throw new ImportError(
      `${what}: shape ${shapeText(shape)} needs ${n} values of ${storage} (${n * itemBytes} bytes), ` +
        `the data element has ${real.data.length} bytes`,
    );
  }
  const out = DTYPES[dtype].make(n);
  const get = getter(viewOf(real.data), storage, el.le);
  let bad = -1;
  forEachColumnMajor(shape, (c, f) => {
    const v = get(f * itemBytes);
    if (Number.isNaN(v) && (storage === 'int64' || storage === 'uint64') && bad < 0) bad = c;
    out[c] = dtype === 'bool' ? (v ? 1 : 0) : v;
  });
  if (bad >= 0) {
    throw new ImportError(`${what}: a 64-bit integer at flat index ${bad} exceeds 2^53 in magnitude`);
  }
  return { info, array: { dtype, shape, data: out } };
}
