/**
 * Weight checkpoints kept for replaying a run's decision boundary with a slider. The store
 * keeps only final weights, so the API keeps these itself, in `<store>/checkpoints/<run>.json`
 * (float64 weights as base64), written once when the run ends. Only 2-D runs have them.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Matrix } from '../../src-core/matrix';

export const CHECKPOINTS_DIR = 'checkpoints';

export interface Checkpoint {
  step: number;
  W: Float64Array[];
  b: Float64Array[];
}

interface CheckpointFile {
  format: 'layerlab-checkpoints';
  version: 1;
  /** Layer sizes [n_x, …, n_y]. */
  sizes: number[];
  checkpoints: { step: number; W: string[]; b: string[] }[];
}

const b64 = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const f64 = (s: string) => {
  const bytes = Buffer.from(s, 'base64');
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

function fileOf(storeDir: string, runId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw new Error(`not a run id: ${runId}`);
  return join(storeDir, CHECKPOINTS_DIR, `${runId}.json`);
}

export function saveCheckpoints(storeDir: string, runId: string, sizes: number[], list: Checkpoint[]): void {
  if (list.length === 0) return;
  mkdirSync(join(storeDir, CHECKPOINTS_DIR), { recursive: true });
  const file: CheckpointFile = {
    format: 'layerlab-checkpoints',
    version: 1,
    sizes,
    checkpoints: list.map((c) => ({ step: c.step, W: c.W.map(b64), b: c.b.map(b64) })),
  };
  const path = fileOf(storeDir, runId);
  read.delete(path);
  writeFileSync(`${path}.tmp`, JSON.stringify(file));
  renameSync(`${path}.tmp`, path);
}

/**
 * The last few files read, by path, with the size and modification time they had: a
 * replay asks for one step at a time, and the file (up to 60 steps of weights) is read and
 * decoded once. Callers must not change what they get.
 */
const read = new Map<string, { size: number; mtimeMs: number; value: { sizes: number[]; list: Checkpoint[] } }>();
const READ_FILES = 4;

/** The checkpoints of a run, or [] when it has none (or the file is unreadable). */
export function loadCheckpoints(storeDir: string, runId: string): { sizes: number[]; list: Checkpoint[] } {
  try {
    const path = fileOf(storeDir, runId);
    const { size, mtimeMs } = statSync(path);
    const kept = read.get(path);
    if (kept && kept.size === size && kept.mtimeMs === mtimeMs) return kept.value;
    const file = JSON.parse(readFileSync(path, 'utf8')) as CheckpointFile;
    if (file.format !== 'layerlab-checkpoints' || file.version !== 1) return { sizes: [], list: [] };
    const value = { sizes: file.sizes, list: file.checkpoints.map((c) => ({ step: c.step, W: c.W.map(f64), b: c.b.map(f64) })) };
    read.delete(path);
    read.set(path, { size, mtimeMs, value });
    if (read.size > READ_FILES) read.delete(read.keys().next().value!);
    return value;
  } catch {
    return { sizes: [], list: [] };
  }
}

export function removeCheckpoints(storeDir: string, runId: string): void {
  const path = fileOf(storeDir, runId);
  read.delete(path);
  rmSync(path, { force: true });
}

/** W and b of a checkpoint as matrices of the given layer sizes. */
export function checkpointMatrices(sizes: number[], c: Checkpoint): { W: Matrix[]; b: Matrix[] } {
  return {
    W: c.W.map((w, l) => new Matrix(sizes[l + 1], sizes[l], w)),
    b: c.b.map((b, l) => new Matrix(sizes[l + 1], 1, b)),
  };
}
