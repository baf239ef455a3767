// A ~100 MB CSV streamed from disk in chunks into parseCsv: it must take well under
// 20 s here (2 cores) and never hold the text twice. The file is generated in a temp
// dir (from a seeded PRNG) and deleted afterwards.
import { createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseCsv } from '../../src-core/io/csv.js';

const TARGET_BYTES = 100 * 1024 * 1024;
const N_FEATURES = 8;
const dir = mkdtempSync(join(tmpdir(), 'layerlab-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes the file; returns its rows and, per feature, the sum of the values as parsed. */
function generate(path: string): { rows: number; sums: number[]; labelCounts: number[] } {
  const rand = prng(42);
  const fd = openSync(path, 'w');
  const header = [...Array.from({ length: N_FEATURES }, (_, i) => `x${i}`), 'label'].join(',') + '\n';
  writeSync(fd, header);
  let written = header.length;
  const sums = new Array<number>(N_FEATURES).fill(0);
  const labelCounts = [0, 0, 0];
  let rows = 0;
  const classes = ['cat', 'dog', 'non-cat'];
  while (written < TARGET_BYTES) {
    const lines: string[] = [];
    for (let r = 0; r < 10000; r++) {
      const fields: string[] = [];
      for (let i = 0; i < N_FEATURES; i++) {
        // A mix of notations: plain decimals, exponents, integers.
        const u = rand();
        const text = i % 3 === 0 ? (u * 200 - 100).toFixed(5) : i % 3 === 1 ? (u * 1e-3).toExponential(4) : String(Math.floor(u * 1000));
        fields.push(text);
        sums[i] += Number(text);
      }
      const c = Math.floor(rand() * 3);
      labelCounts[c]++;
      fields.push(classes[c]);
      lines.push(fields.join(','));
      rows++;
    }
    const block = lines.join('\n') + '\n';
    writeSync(fd, block);
    written += block.length;
  }
  closeSync(fd);
  return { rows, sums, labelCounts };
}

it('parses a ~100 MB CSV from a file stream in reasonable time and memory', async () => {
  const path = join(dir, 'big.csv');
  const t0 = performance.now();
  const expected = generate(path);
  const genMs = performance.now() - t0;
  const size = statSync(path).size;

  const before = process.memoryUsage();
  let peakHeap = 0;
  let peakBuffers = 0;
  let peakRss = 0;
  let chunks = 0;
  // Raw byte chunks, as the main process would pass a file stream's; the core decodes.
  async function* sampled(): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      if (++chunks % 8 === 0) {
        const m = process.memoryUsage();
        peakHeap = Math.max(peakHeap, m.heapUsed - before.heapUsed);
        peakBuffers = Math.max(peakBuffers, m.arrayBuffers - before.arrayBuffers);
        peakRss = Math.max(peakRss, m.rss - before.rss);
      }
      yield chunk as Uint8Array;
    }
  }
  const t1 = performance.now();
  const r = await parseCsv(sampled(), { label: 'label', name: 'big.csv' });
  const parseMs = performance.now() - t1;
  const after = process.memoryUsage();
  peakHeap = Math.max(peakHeap, after.heapUsed - before.heapUsed);
  peakBuffers = Math.max(peakBuffers, after.arrayBuffers - before.arrayBuffers);
  peakRss = Math.max(peakRss, after.rss - before.rss);

  const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MB`;
  console.log(
    `io-csv-large: ${mb(size)}, ${expected.rows} rows × ${N_FEATURES + 1} fields; generated in ${(genMs / 1000).toFixed(1)} s, ` +
      `parsed in ${(parseMs / 1000).toFixed(1)} s (${chunks} chunks); peak heapUsed +${mb(peakHeap)}, ` +
      `peak arrayBuffers +${mb(peakBuffers)}, peak RSS +${mb(peakRss)}; X alone is ${mb(r.X.data.byteLength)}`,
  );

  expect(r.X.shapeText).toBe(`(${N_FEATURES}, ${expected.rows})`);
  expect(r.classNames).toEqual(['cat', 'dog', 'non-cat']);
  for (let i = 0; i < N_FEATURES; i++) {
    let s = 0;
    for (let j = 0; j < r.X.cols; j++) s += r.X.data[i * r.X.cols + j];
    expect(s, `sum of feature ${i}`).toBe(expected.sums[i]);
  }
  const counts = [0, 0, 0];
  for (const y of r.Y.data) counts[y]++;
  expect(counts).toEqual(expected.labelCounts);

  expect(size).toBeGreaterThan(TARGET_BYTES);
  expect(parseMs).toBeLessThan(20_000);
  // The text is never held whole: the JS heap grows by far less than the file
  // (measured here: +20 to +35 MB for 101 MB). The values are held once: they grow
  // in place in a resizable buffer and X is transposed in place, so the process
  // grows by X (90 MB) plus heap slack (measured: +125 to +165 MB RSS; resizable
  // buffers do not show in arrayBuffers). Holding the text or the values twice
  // would break these bounds.
  expect(peakHeap).toBeLessThan(0.5 * size);
  expect(peakBuffers).toBeLessThan(0.5 * size);
  expect(peakRss).toBeLessThan(2 * size);
}, 90_000);
