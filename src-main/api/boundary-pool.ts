/**
 * The API process's decision boundaries, computed in a small pool of worker threads
 * (boundary-worker.ts), never in the API's own thread (in Electron, the main process).
 * A grid is cut by rows into one part per worker, computed at once, and joined: with two
 * workers on two free cores, a 200×200 picture takes the time of half of it.
 *
 * Networks are sent once per key (a run and step) to each worker, which keeps them (least
 * recently used dropped first); the pool keeps the same list per worker, in the same order,
 * so it knows when to send one again. A worker that dies is replaced, and the parts it had
 * are tried once more on its replacement; a second failure fails the request with a
 * message that says so. A worker that does not answer a part in time (stuck, not dead) is
 * ended and counts as one that died. The workers start on the first request and end with
 * close().
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ActivationName } from '../../src-core/activations';
import { Network } from '../../src-core/network';
import type { OutputName } from '../../src-core/outputs';
import type { Preprocessing } from '../../src-core/preprocess';
import { API_LIMITS, type Bounds } from '../../src-api/schemas';
import type { GridValues } from './boundary';

export interface BoundaryPoolOptions {
  /** Worker threads; default min(2, cores). */
  workers?: number;
  /** The worker's module: the .mjs entry for the TS sources, a built file in Electron. */
  workerUrl?: URL;
  /** How long a worker may take over one part before it is ended as stuck; default ANSWER_TIMEOUT_MS. */
  answerTimeoutMs?: number;
}

/**
 * A part's answer is due within a minute: the largest grid the API allows, 400×400, of a
 * large network takes seconds, a 200×200 picture of [2, 50, 50, 1] about 10 ms.
 */
export const ANSWER_TIMEOUT_MS = 60_000;

export interface BoundaryRequest {
  /** Names the network's parameters: the same key must mean the same parameters (e.g. "run@step"). */
  key: string;
  /** The network (float64 or float32), or a function that gives it: called only when a worker needs it. */
  network: Network | (() => Network);
  grid: number;
  bounds: Bounds;
  preprocessing: Preprocessing;
}

/** Networks (parameters) each worker keeps; the pool mirrors its list to know what to send. */
export const WORKER_NETWORKS = 32;

/** A network as sent to a worker: architecture and float64 (or float32) parameters. */
export interface NetworkSpec {
  sizes: number[];
  activations: ActivationName[];
  output: OutputName;
  leakySlope: number;
  W: (Float64Array | Float32Array)[];
  b: (Float64Array | Float32Array)[];
}

/** Messages the pool sends a boundary worker. */
export type ToBoundaryWorker = {
  type: 'grid';
  id: number;
  /** The network's key; `network` comes along the first time this worker sees it. */
  key: string;
  network?: NetworkSpec;
  grid: number;
  bounds: Bounds;
  preprocessing: Preprocessing;
  /** The rows [first, end) of the grid to compute. */
  rows: [number, number];
};

/** Messages a boundary worker posts back: 'ready' once loaded, then one per request. */
export type FromBoundaryWorker =
  | { type: 'ready' }
  /** `ms`: the worker's own time for the part, from the message's arrival to the answer. */
  | { type: 'grid'; id: number; outputs: number; probs: Float32Array; ms: number }
  /** The worker does not have the network `key` (it was not sent, or was dropped). */
  | { type: 'missing'; id: number }
  | { type: 'error'; id: number; message: string };

const DEFAULT_WORKER = new URL('./boundary-worker-entry.mjs', import.meta.url);

/** One part of a request: some rows of the grid, on one worker. */
interface Part {
  request: Pending;
  rows: [number, number];
  attempts: number;
  /** The worker's own time for it, once answered. */
  ms?: number;
  /** Ends the worker if the part is not answered in time. */
  deadline?: ReturnType<typeof setTimeout>;
}

interface Pending {
  parts: Part[];
  left: number;
  grid: number;
  outputs: number;
  probs: Float32Array | null;
  settled: boolean;
  request: BoundaryRequest;
  spec: NetworkSpec | null;
  resolve: (values: GridValues) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The keys this worker holds, least recently used first (mirrors the worker's list). */
  known: Map<string, true>;
  /** Parts sent and not yet answered, by message id. */
  inFlight: Map<number, Part>;
  /** Why the worker ended, when we know better than its exit code. */
  why: string;
  /** Loaded: parts' deadlines run from here (loading the core from sources takes seconds). */
  ready: boolean;
}

export class BoundaryPool {
  readonly size: number;
  private readonly slots: (Slot | null)[];
  private nextId = 1;
  private closed = false;
  /** Workers started in all (replacements included): for tests and diagnostics. */
  started = 0;
  /** The workers' own times (ms) for the parts of the last request answered: for benchmarks. */
  lastPartTimes: number[] = [];

  constructor(private readonly options: BoundaryPoolOptions = {}) {
    const wanted = options.workers ?? Math.min(2, availableParallelism());
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > 16) throw new Error(`a boundary pool needs 1 to 16 workers; got ${wanted}`);
    this.size = wanted;
    this.slots = Array.from({ length: wanted }, () => null);
  }

  /** The network's output over the grid, each worker computing a band of rows. */
  grid(request: BoundaryRequest): Promise<GridValues> {
    if (this.closed) return Promise.reject(new Error('the boundary workers were shut down'));
    const problem = checkRequest(request);
    if (problem) return Promise.reject(new Error(problem));
    return new Promise((resolve, reject) => {
      const { grid } = request;
      const count = Math.min(this.size, grid);
      const pending: Pending = { parts: [], left: count, grid, outputs: 0, probs: null, settled: false, request, spec: null, resolve, reject };
      for (let k = 0; k < count; k++) {
        const rows: [number, number] = [Math.round((k * grid) / count), Math.round(((k + 1) * grid) / count)];
        const part: Part = { request: pending, rows, attempts: 0 };
        pending.parts.push(part);
        this.send(k, part);
      }
    });
  }

  /**
   * Starts the workers now, each drawing a tiny grid, so that the first real picture does
   * not wait for a thread to load the core (seconds from the TypeScript sources).
   */
  warm(): void {
    if (this.closed || this.slots.every((slot) => slot !== null)) return;
    const tiny = () => new Network({ sizes: [2, 1], activations: [], output: 'sigmoid' });
    const area = { x0: 0, x1: 1, y0: 0, y1: 1 };
    this.grid({ key: 'warm-up', network: tiny, grid: Math.max(2, this.size), bounds: area, preprocessing: { scale: 1, standardize: null } }).catch(() => {});
  }

  /** Ends the workers; requests still waiting fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const ending: Promise<number>[] = [];
    this.slots.forEach((slot, k) => {
      if (!slot) return;
      this.slots[k] = null;
      for (const part of slot.inFlight.values()) {
        clearTimeout(part.deadline);
        this.fail(part.request, new Error('the boundary workers were shut down'));
      }
      ending.push(slot.worker.terminate());
    });
    await Promise.all(ending);
  }

  private send(k: number, part: Part): void {
    const pending = part.request;
    if (pending.settled) return;
    const slot = this.slotAt(k);
    const { key, grid, bounds, preprocessing } = pending.request;
    const id = this.nextId++;
    let network: NetworkSpec | undefined;
    if (slot.known.has(key)) {
      slot.known.delete(key);
    } else {
      try {
        network = this.specOf(pending);
      } catch (error) {
        this.fail(pending, error as Error);
        return;
      }
    }
    slot.known.set(key, true);
    if (slot.known.size > WORKER_NETWORKS) slot.known.delete(slot.known.keys().next().value!);
    part.attempts++;
    slot.inFlight.set(id, part);
    slot.worker.ref();
    slot.worker.postMessage({ type: 'grid', id, key, network, grid, bounds, preprocessing, rows: part.rows } satisfies ToBoundaryWorker);
    if (slot.ready) this.arm(slot, part);
  }

  /** Ends the worker if `part` is not answered in time: stuck (a loop, a wait), not dead. Its exit replaces it and tries its parts once more. */
  private arm(slot: Slot, part: Part): void {
    const timeout = this.options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
    part.deadline = setTimeout(() => {
      slot.why = `did not answer within ${timeout / 1000} s`;
      void slot.worker.terminate();
    }, timeout);
    part.deadline.unref();
  }

  /** The network as a message: its float64 parameters are copied once per request, and only when a worker needs them. */
  private specOf(pending: Pending): NetworkSpec {
    if (!pending.spec) {
      const source = pending.request.network;
      const net = typeof source === 'function' ? source() : source;
      if (net.inputSize !== 2) throw new Error(`a decision boundary needs 2 inputs; this network has ${net.inputSize}`);
      const arch = net.architecture;
      pending.spec = {
        sizes: arch.sizes,
        activations: arch.activations,
        output: arch.output,
        leakySlope: net.leakySlope,
        W: net.W.map((W) => W.data.slice()),
        b: net.b.map((b) => b.data.slice()),
      };
    }
    return pending.spec;
  }

  private slotAt(k: number): Slot {
    const existing = this.slots[k];
    if (existing) return existing;
    const worker = new Worker(this.options.workerUrl ?? DEFAULT_WORKER);
    this.started++;
    const slot: Slot = { worker, known: new Map(), inFlight: new Map(), why: '', ready: false };
    this.slots[k] = slot;
    worker.on('message', (message: FromBoundaryWorker) => this.answer(k, slot, message));
    worker.on('error', (error) => (slot.why ||= `failed (${error.message})`));
    worker.on('exit', (code) => this.died(k, slot, slot.why || `exited with code ${code}`));
    worker.unref();
    return slot;
  }

  private answer(k: number, slot: Slot, message: FromBoundaryWorker): void {
    if (message.type === 'ready') {
      slot.ready = true;
      for (const waiting of slot.inFlight.values()) this.arm(slot, waiting);
      return;
    }
    const part = slot.inFlight.get(message.id);
    if (!part) return;
    clearTimeout(part.deadline);
    slot.inFlight.delete(message.id);
    if (slot.inFlight.size === 0) slot.worker.unref();
    const pending = part.request;
    if (pending.settled) return;
    if (message.type === 'missing') {
      // The worker's list and ours disagree: forget the key there and send it along.
      slot.known.delete(pending.request.key);
      this.send(k, part);
    } else if (message.type === 'error') {
      this.fail(pending, new Error(`the boundary of ${pending.request.key} could not be computed: ${message.message}`));
    } else {
      part.ms = message.ms;
      this.join(pending, part, message.outputs, message.probs);
    }
  }

  /** Copies a part's rows into the whole grid's planes (one per output). */
  private join(pending: Pending, part: Part, outputs: number, probs: Float32Array): void {
    const { grid } = pending;
    const n = grid * grid;
    const [first, end] = part.rows;
    const cols = (end - first) * grid;
    if (probs.length !== outputs * cols) {
      this.fail(pending, new Error(`a boundary worker answered ${probs.length} values for ${outputs}×${cols}`));
      return;
    }
    if (!pending.probs) {
      pending.outputs = outputs;
      pending.probs = new Float32Array(outputs * n);
    }
    for (let c = 0; c < outputs; c++) pending.probs.set(probs.subarray(c * cols, (c + 1) * cols), c * n + first * grid);
    if (--pending.left === 0) {
      pending.settled = true;
      this.lastPartTimes = pending.parts.map((p) => p.ms ?? NaN);
      const { bounds } = pending.request;
      pending.resolve({ grid, bounds, classes: Math.max(2, pending.outputs), probs: pending.probs });
    }
  }

  private died(k: number, slot: Slot, why: string): void {
    if (this.slots[k] !== slot) return; // closed, or already replaced
    this.slots[k] = null;
    for (const part of slot.inFlight.values()) {
      clearTimeout(part.deadline);
      const pending = part.request;
      if (part.attempts >= 2) {
        this.fail(pending, new Error(`the boundary worker ${why} twice while computing the boundary of ${pending.request.key}; try again (a new worker takes the next request)`));
      } else if (!this.closed) {
        this.send(k, part);
      }
    }
    slot.inFlight.clear();
  }

  private fail(pending: Pending, error: Error): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.reject(error);
  }
}

/** What is wrong with a request, or null. */
function checkRequest(r: BoundaryRequest): string | null {
  if (typeof r.key !== 'string' || r.key === '') return 'a boundary request needs a key naming its network';
  if (!Number.isInteger(r.grid) || r.grid < 2 || r.grid > API_LIMITS.maxGrid) return `grid must be a whole number from 2 to ${API_LIMITS.maxGrid}; got ${r.grid}`;
  const b = r.bounds;
  if (!b || ![b.x0, b.x1, b.y0, b.y1].every(Number.isFinite)) return `bounds must be four finite numbers; got ${JSON.stringify(b)}`;
  if (!(b.x1 > b.x0 && b.y1 > b.y0)) return `bounds must have x1 > x0 and y1 > y0; got ${JSON.stringify(b)}`;
  const p = r.preprocessing;
  if (!p || !Number.isFinite(p.scale)) return 'preprocessing must have a finite scale';
  return null;
}
