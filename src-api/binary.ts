/**
 * Binary arrays inside JSON messages: base64 of the array's little-endian bytes.
 * Decision-boundary grids and point clouds travel this way over both transports
 * (WebSocket text frames and Electron IPC), so one schema describes them.
 * Pure: no imports, no atob; runs in Node, a worker and the renderer alike. Where the
 * platform has a fast base64 of its own (Chromium's Uint8Array.toBase64/fromBase64, Node's
 * Buffer), that does the work: the code below is the fallback, and the reference that
 * says what is and is not base64.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Uint8Array(128).fill(255);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** The platform's own base64 (Chromium 140+, Node 25+), when it has it: many times faster. */
const native = Uint8Array as unknown as {
  fromBase64?: (text: string) => Uint8Array;
  prototype: { toBase64?: (this: Uint8Array) => string };
};

/**
 * Node's Buffer, found at run time (src-api is typed without Node): before Node 25 has
 * toBase64, it encodes a 200×200 grid 20 times faster than the loop below.
 */
const nodeBuffer = (globalThis as { Buffer?: { from(buffer: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'base64'): string } } }).Buffer;

/** Base64 of bytes. */
export function bytesToBase64(bytes: Uint8Array): string {
  if (native.prototype.toBase64) return native.prototype.toBase64.call(bytes);
  if (nodeBuffer) return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const parts: string[] = [];
  const chunk = 3 * 4096;
  for (let start = 0; start < bytes.length; start += chunk) {
    const end = Math.min(bytes.length, start + chunk);
    const codes: number[] = [];
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      codes.push(
        ALPHABET.charCodeAt(n >> 18),
        ALPHABET.charCodeAt((n >> 12) & 63),
        ALPHABET.charCodeAt((n >> 6) & 63),
        ALPHABET.charCodeAt(n & 63),
      );
    }
    if (i < end) {
      const rest = end - i;
      const n = (bytes[i] << 16) | (rest === 2 ? bytes[i + 1] << 8 : 0);
      codes.push(ALPHABET.charCodeAt(n >> 18), ALPHABET.charCodeAt((n >> 12) & 63));
      codes.push(rest === 2 ? ALPHABET.charCodeAt((n >> 6) & 63) : 61, 61);
    }
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
}

/** Bytes of base64 text; throws on characters outside the alphabet or a bad length. */
export function base64ToBytes(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error(`base64 length ${text.length} is not a multiple of 4`);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (native.fromBase64) {
    // The native decoder also skips whitespace, which is not base64 here: such text comes
    // out shorter than its length says, and goes to the decoder below, which says where.
    try {
      const bytes = native.fromBase64(text);
      if (bytes.length === (text.length / 4) * 3 - padding) return bytes;
    } catch {
      // A character outside the alphabet, or misplaced padding: the decoder below says where.
    }
  }
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const v = c === 61 && i + j >= text.length - padding ? 0 : c < 128 ? LOOKUP[c] : 255;
      if (v === 255) throw new Error(`invalid base64 character at ${i + j}`);
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** Base64 of a Float32Array (little-endian, as every platform Layerlab runs on). */
export function float32ToBase64(values: Float32Array): string {
  return bytesToBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/** The Float32Array of base64 text; throws when the byte count is not a multiple of 4. */
export function base64ToFloat32(text: string): Float32Array {
  const bytes = base64ToBytes(text);
  if (bytes.length % 4 !== 0) throw new Error(`${bytes.length} bytes are not whole float32 values`);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

/** Base64 of a Float64Array (little-endian). */
export function float64ToBase64(values: Float64Array): string {
  return bytesToBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/** The Float64Array of base64 text; throws when the byte count is not a multiple of 8. */
export function base64ToFloat64(text: string): Float64Array {
  const bytes = base64ToBytes(text);
  if (bytes.length % 8 !== 0) throw new Error(`${bytes.length} bytes are not whole float64 values`);
  // A copy when the bytes are not 8-aligned (a Float64Array needs them to be).
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  return new Float64Array(aligned.buffer, aligned.byteOffset, aligned.length / 8);
}
