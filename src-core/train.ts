/**
 * The training loop: full-batch iterations or mini-batch epochs, any optimizer,
 * learning-rate decay, L2, inverted dropout, early stopping, cancellation and
 * progress. It never throws for numerical trouble: a NaN or infinite cost ends the
 * run as `diverged` with the last parameters whose cost was finite.
 *
 * Costs are recorded as the course prints them: the cost at step i is computed in
 * step i's forward pass, before that step's update.
 *
 * Memory: with the WebAssembly kernels, everything an iteration touches lives in
 * their memory before the first step: the parameters, gradients and workspaces
 * (the network's), the spare parameters, the optimizer's moving averages, the
 * mini-batch buffers, and for full-batch training a copy of X and Y. So an
 * iteration copies nothing. The typed arrays the optimizer works on are re-read
 * if that memory grew in between (a view on it is detached by growth), which the
 * workspaces made up front for every batch size here normally prevent.
 */
import { type FloatArray, Matrix } from './matrix';
import { type ForwardOptions, type Network, gatherColumns } from './network';
import { OPTIMIZERS, type OptimizerName, type OptimizerSettings, DEFAULT_OPTIMIZER_SETTINGS } from './optimizers';
import { type DecaySchedule, learningRateAt } from './schedules';
import { createRng, type RngKind } from './random';
import { accuracy } from './metrics';

const NO_DROPOUT: ForwardOptions = {};

export type TrainStatus = 'completed' | 'stopped' | 'diverged' | 'cancelled';

export type EarlyStopMetric = 'train_cost' | 'train_accuracy' | 'test_cost' | 'test_accuracy';

export interface EarlyStopping {
  metric: EarlyStopMetric;
  /** How many logged evaluations without improvement end the run. */
  patience: number;
  /** The least change that counts as an improvement. */
  minDelta: number;
  /** Put back the parameters of the best evaluation when stopping early. */
  restoreBest: boolean;
}

export interface TrainSettings {
  optimizer: OptimizerName;
  learningRate: number;
  /** Full-batch iterations, or mini-batch epochs (batchSize ≥ m is full batch). */
  schedule: { iterations: number } | { epochs: number; batchSize: number };
  /** Epoch e is shuffled by a generator seeded with shuffleSeed + e. */
  shuffleSeed: number;
  /** Generator kind for shuffling and dropout masks. */
  rng: RngKind;
  /** Record a history entry every logEvery steps, and at the last step. */
  logEvery: number;
  l2: number;
  /** Keep probability per hidden layer (empty or all 1: no dropout). */
  keepProb: number[];
  optimizerSettings: OptimizerSettings;
  decay: DecaySchedule | null;
  earlyStopping: EarlyStopping | null;
}

export interface TrainData {
  X: Matrix;
  /** Targets in the output's form: 0/1 rows for sigmoid, one-hot for softmax, values for linear. */
  Y: Matrix;
  Xtest?: Matrix | null;
  Ytest?: Matrix | null;
}

export interface HistoryEntry {
  /** The step: an iteration, or an epoch when training in epochs. */
  iteration: number;
  /** Training cost at this step (the mean over the epoch's mini-batches in epoch mode). */
  cost: number;
  learning_rate: number;
  train_accuracy?: number;
  test_cost?: number;
  test_accuracy?: number;
}

export interface ProgressEvent {
  step: number;
  totalSteps: number;
  cost: number;
  elapsedMs: number;
  /** Present when this step was logged to the history. */
  entry?: HistoryEntry;
}

export interface TrainHooks {
  signal?: AbortSignalLike;
  onProgress?: (event: ProgressEvent) => void;
  /** Also report progress every this many steps (history entries are always reported). */
  progressEvery?: number;
  /**
   * Give the event loop a turn this often (ms), so that a cancel message can
   * arrive while training runs in a worker or child process.
   */
  yieldEveryMs?: number;
  /**
   * How to give the event loop that turn; default: a zero timeout. Node hosts pass
   * setImmediate: Node makes a zero timeout at least 1 ms, which every 50 ms is 2% of a
   * run spent asleep (and browsers clamp nested timeouts to 4 ms).
   */
  yieldTurn?: () => Promise<void>;
  /** A fixed dropout mask source, for tests; default: the run's generator. */
  uniform?: (count: number) => Float64Array;
}

export interface TrainResult {
  status: TrainStatus;
  unit: 'iteration' | 'epoch';
  /** Steps completed (updates applied, counted in the unit). */
  steps: number;
  history: HistoryEntry[];
  /** Why the run ended other than by completing. */
  reason?: string;
  /** With early stopping: the step of the best evaluation. */
  bestStep?: number;
}

interface StepOutcome {
  /** Null where it was not computed (neither recorded nor reported, and certainly finite). */
  cost: number | null;
  entry?: HistoryEntry;
  stop?: boolean;
}

/** An epoch's progress between mini-batches, kept while it pauses for a turn of the event loop. */
interface EpochProgress {
  /** The first example (in the epoch's order) of the next mini-batch. */
  next: number;
  /** The example-weighted sum of the mini-batch costs so far. */
  costSum: number;
  /** The epoch's shuffled order of examples, or null for one full batch. */
  order: Int32Array | null;
}

/**
 * What epoch() returns when it paused between mini-batches for a turn of the event loop
 * (the same step goes on after it). The loop knows it by identity, a pointer compare.
 */
const PAUSED: StepOutcome = { cost: null };

export interface Evaluation {
  cost: number;
  accuracy: number | null;
}

/** Columns per forward pass when evaluating. */
const EVALUATION_BATCH = 4096;

/** Cost (with the L2 term) and accuracy of the network on (X, Y), without dropout. */
export function evaluate(net: Network, X: Matrix, Y: Matrix, l2 = 0): Evaluation {
  let lossSum = 0;
  let correct = 0;
  const batch = EVALUATION_BATCH;
  for (let start = 0; start < X.cols; start += batch) {
    const end = Math.min(X.cols, start + batch);
    const Xb = sliceIfNeeded(X, start, end);
    const Yb = sliceIfNeeded(Y, start, end);
    const A = net.forward(Xb);
    lossSum += net.lossSum(Yb);
    const acc = accuracy(A, Yb, net.output.name);
    if (acc !== null) correct += acc * (end - start);
  }
  const m = X.cols;
  const acc = net.output.name === 'linear' ? null : correct / m;
  return { cost: lossSum / m + net.l2Term(l2, m), accuracy: acc };
}

function sliceIfNeeded(M: Matrix, start: number, end: number): Matrix {
  if (start === 0 && end === M.cols) return M;
  const idx = new Int32Array(end - start);
  for (let j = 0; j < idx.length; j++) idx[j] = start + j;
  return gatherColumns(M, idx);
}

const BETTER_WHEN_LOWER: Record<EarlyStopMetric, boolean> = {
  train_cost: true,
  test_cost: true,
  train_accuracy: false,
  test_accuracy: false,
};

/** Trains `net` in place. Resolves when done; never rejects for numerical trouble. */
export async function train(
  net: Network,
  data: TrainData,
  settings: TrainSettings,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  let trainer: Trainer | null = null;
  try {
    trainer = new Trainer(net, data, settings, hooks);
    return await trainer.run();
  } finally {
    // The packed copy of X (Trainer.prepare) is for this run only, whatever ends it.
    net.packInput(null);
    trainer?.release();
  }
}

/**
 * The data of one run, where its steps read it: a class rather than an object literal,
 * for the same reason as the trainer's copies of its settings (see Trainer.unit).
 */
class RunData implements TrainData {
  constructor(
    readonly X: Matrix,
    readonly Y: Matrix,
    readonly Xtest: Matrix | null,
    readonly Ytest: Matrix | null,
  ) {}
}

class Trainer {
  private readonly optimizer;
  private readonly state;
  private readonly params;
  private readonly spare: Matrix[];
  /** The parameters and gradients as matrices, kept in step with swaps (for the kernels' optimizer steps). */
  private readonly paramMatrices: Matrix[];
  private readonly gradMatrices: Matrix[];
  /** The matrices behind state.v and state.s (to re-read their arrays after growth). */
  private readonly stateHomes: { v: Matrix[]; s: Matrix[] };
  /** The typed arrays of params, grads and spare, kept in step with swaps. */
  private readonly paramData: FloatArray[];
  private readonly gradData: FloatArray[];
  private readonly spareData: FloatArray[];
  /** The data, where the network's kernels use it in place (see Network.resident). */
  private readonly data: RunData;
  /** The kernels' memory growths seen when the arrays above were read. */
  private generation: number;
  private readonly history: HistoryEntry[] = objectArray();
  private readonly started = performance.now();
  private lastYield = performance.now();
  private readonly dropoutRng;
  private readonly hasDropout: boolean;
  private updates = 0;
  /** The first step the loop has not run yet (see steps). */
  private nextStep = 0;
  /** The current epoch's progress while it pauses between mini-batches (see epoch), else null. */
  private epochProgress: EpochProgress | null = null;
  /** Copies of the data this run made in the kernels' memory (Network.resident), disposed when it ends. */
  private readonly copies: Matrix[] = [];
  private best: { value: number; step: number; params: Float64Array[] | null; waited: number } | null = null;
  /**
   * What the loop reads of the settings and hooks, kept on the trainer. Both are object
   * literals made once per run; V8 makes a literal site's template on its second run and
   * widens its fields' types then, which threw away the code of every method that read
   * through them (run, iteration, backwardAndUpdate) at the start of a process's second
   * trial, to compile it again. A class's fields keep their types.
   */
  readonly unit: 'iteration' | 'epoch';
  private readonly signal: AbortSignalLike | null;
  private readonly onProgress: ((event: ProgressEvent) => void) | null;
  private readonly progressEvery: number;
  private readonly yieldTurn: () => Promise<void>;
  private readonly yieldEveryMs: number;
  private readonly total: number;
  /** Examples per mini-batch (epochs only). */
  private readonly batchSize: number;
  private readonly optimizerSettings: OptimizerSettings;

  constructor(
    private readonly net: Network,
    data: TrainData,
    private readonly settings: TrainSettings,
    private readonly hooks: TrainHooks,
  ) {
    this.optimizer = OPTIMIZERS[settings.optimizer];
    const { schedule } = settings;
    this.unit = 'iterations' in schedule ? 'iteration' : 'epoch';
    this.total = 'iterations' in schedule ? schedule.iterations : schedule.epochs;
    this.batchSize = 'batchSize' in schedule ? schedule.batchSize : Infinity;
    this.optimizerSettings = settings.optimizerSettings;
    this.signal = hooks.signal ?? null;
    this.onProgress = hooks.onProgress ?? null;
    this.progressEvery = hooks.progressEvery ?? 0;
    this.yieldTurn = hooks.yieldTurn ?? zeroTimeout;
    this.yieldEveryMs = hooks.yieldEveryMs ?? 50;
    this.params = net.parameters();
    this.data = this.prepare(data);
    const homes = new Map<Float64Array, Matrix>();
    this.state = this.optimizer.createState(
      this.params.map((p) => p.value.size),
      (n) => {
        const m = net.allocate(n, 1, 'float64');
        homes.set(m.data as Float64Array, m);
        return m.data as Float64Array;
      },
    );
    this.stateHomes = { v: this.state.v.map((a) => homes.get(a)!), s: this.state.s.map((a) => homes.get(a)!) };
    this.spare = this.params.map((p) => net.allocate(p.value.rows, p.value.cols));
    this.paramMatrices = this.params.map((p) => p.value);
    this.gradMatrices = this.params.map((p) => p.grad);
    this.paramData = this.params.map((p) => p.value.data);
    this.gradData = this.params.map((p) => p.grad.data);
    this.spareData = this.spare.map((m) => m.data);
    this.generation = net.kernels.arena?.generation ?? 0;
    this.dropoutRng = createRng(settings.shuffleSeed, settings.rng);
    this.hasDropout = settings.keepProb.some((p) => p < 1);
    this.dropout = { keepProb: settings.keepProb, uniform: this.uniform };
  }

  /**
   * Puts what every step uses where the kernels use it in place, before the
   * first step: X and Y for full-batch training, and a workspace for every batch
   * size a step or an evaluation will use, so that the loop allocates nothing.
   */
  private prepare(data: TrainData): RunData {
    const net = this.net;
    const { schedule } = this.settings;
    const m = data.X.cols;
    const batch = 'batchSize' in schedule ? Math.min(schedule.batchSize, m) : m;
    const evaluated = [m, ...(data.Xtest ? [data.Xtest.cols] : [])];
    const sizes = new Set<number>([batch, m % batch || batch]);
    for (const n of evaluated) for (const s of [Math.min(n, EVALUATION_BATCH), n % EVALUATION_BATCH]) if (s > 0) sizes.add(s);
    for (const s of sizes) net.workspace(s);
    // The test set is evaluated in place when it fits one evaluation batch.
    const inPlace = data.Xtest && data.Ytest && data.Xtest.cols <= EVALUATION_BATCH;
    const Xtest = inPlace ? this.resident(data.Xtest!) : (data.Xtest ?? null);
    const Ytest = inPlace ? this.resident(data.Ytest!) : (data.Ytest ?? null);
    if (batch < m) {
      for (const s of new Set([batch, m % batch || batch])) {
        this.batchBuffer('X', data.X.rows, s);
        this.batchBuffer('Y', data.Y.rows, s);
      }
      return new RunData(data.X, data.Y, Xtest, Ytest);
    }
    const X = this.resident(data.X);
    // Full-batch data does not change during the run: the first layer's product
    // reads a copy of X packed once (forgotten when train returns or throws).
    net.packInput(X);
    return new RunData(X, this.resident(data.Y), Xtest, Ytest);
  }

  /** A copy of M where the kernels use it in place (or M itself), noted if it is a copy. */
  private resident(M: Matrix): Matrix {
    const R = this.net.resident(M);
    if (R !== M) this.copies.push(R);
    return R;
  }

  /**
   * Gives the run's copies of the data back to the kernels' memory at once (the
   * trainer alone holds them), so that the next run reuses pages already touched.
   */
  release(): void {
    const arena = this.net.kernels.arena;
    if (arena) for (const m of this.copies.splice(0)) arena.dispose(m);
  }

  /** Re-reads the typed arrays the optimizer keeps if the kernels' memory grew since. */
  private refreshViews(): void {
    const arena = this.net.kernels.arena;
    if (!arena || arena.generation === this.generation) return;
    this.generation = arena.generation;
    for (let i = 0; i < this.params.length; i++) {
      this.paramData[i] = this.params[i].value.data;
      this.gradData[i] = this.params[i].grad.data;
      this.spareData[i] = this.spare[i].data;
    }
    this.stateHomes.v.forEach((m, i) => (this.state.v[i] = m.data as Float64Array));
    this.stateHomes.s.forEach((m, i) => (this.state.s[i] = m.data as Float64Array));
  }

  async run(): Promise<TrainResult> {
    for (;;) {
      const ended = this.steps();
      if (ended) return ended;
      if (this.nextStep >= this.total) return this.finish('completed', this.total);
      await this.yieldTurn();
    }
  }

  /**
   * The training loop, from nextStep until a turn of the event loop is due or the last
   * step ran (null, with nextStep after it), or until the run ends early (how it ended).
   * It is synchronous: an async function creates its promise on entry, and code V8
   * optimized during a process's first run could lack feedback there and was thrown away
   * when the second run entered it. A run's normal end is recorded by run(), outside this
   * loop's optimized code: that path runs once, at the end of a process's first trial, and
   * reaching it inside the loop's code threw that code away (no type feedback there yet)
   * to compile it again.
   */
  private steps(): TrainResult | null {
    // Everything is read inside the loop: what a function reads before its loop on its
    // first calls has no type feedback yet (V8 allots it after a few calls), so its
    // compiled code would stop there at a later entry.
    for (let step = this.nextStep; step < this.total; step++) {
      const total = this.total;
      if (this.signal?.aborted) return this.finish('cancelled', step, 'cancelled by request');
      const lr = learningRateAt(this.settings.learningRate, step, this.settings.decay);
      const logged = step % this.settings.logEvery === 0 || step === total - 1;
      const outcome = this.unit === 'iteration' ? this.iteration(step, lr, logged) : this.epoch(step, lr, logged);
      if (outcome === PAUSED) {
        this.nextStep = step;
        return null;
      }
      if (outcome.cost !== null && !Number.isFinite(outcome.cost)) {
        return this.finish('diverged', step, `the cost became ${outcome.cost} at ${this.unit} ${step}`);
      }
      if (outcome.cost !== null) this.report(step, total, outcome.cost, outcome.entry);
      if (outcome.stop) {
        const done = this.unit === 'iteration' ? step : step + 1;
        return this.finish('stopped', done, `no improvement in ${this.settings.earlyStopping!.metric}`);
      }
      // Returning to run() only when a turn is due (an await per iteration costs more
      // than a small network's whole iteration), and after the last step by the same
      // path: code after the loop would be reached first at a process's first run's end.
      if (step === total - 1 || this.yieldDue(step)) {
        this.nextStep = step + 1;
        return null;
      }
    }
    return null;
  }

  /**
   * One full-batch iteration. When logged, everything is measured at the
   * parameters before the update, like the cost; an early stop skips the update.
   */
  private iteration(step: number, lr: number, logged: boolean): StepOutcome {
    const { X, Y } = this.data;
    const test = logged ? this.testMetrics() : null;
    const trainAccuracy = logged && this.hasDropout ? evaluate(this.net, X, Y).accuracy : null;
    this.net.forward(X, this.hasDropout ? this.dropout : NO_DROPOUT);
    // The cost is computed where it is recorded or reported. In between it is only
    // needed to catch divergence, and bounded outputs prove it finite (see
    // Network.costCertainlyFinite) at a fraction of the price of the logarithms.
    const needed = logged || this.progressDue(step) || !this.net.costCertainlyFinite(X.cols, this.settings.l2);
    if (!needed) {
      this.backwardAndUpdate(X, Y, lr);
      return { cost: null };
    }
    const cost = this.net.cost(Y, this.settings.l2);
    if (!Number.isFinite(cost)) return { cost };
    let entry: HistoryEntry | undefined;
    if (logged) {
      const A = this.net.workspace(X.cols).A[this.net.depth - 1];
      const acc = this.hasDropout ? trainAccuracy : accuracy(A, Y, this.net.output.name);
      entry = this.record(step, cost, lr, acc, test);
      if (this.shouldStop(step, entry)) return { cost, entry, stop: true };
    }
    this.backwardAndUpdate(X, Y, lr);
    return { cost, entry };
  }

  /**
   * One epoch of mini-batches. Its cost is the example-weighted mean of the
   * mini-batch costs; when logged, the other metrics are measured after the epoch.
   */
  private epoch(epoch: number, lr: number, logged: boolean): StepOutcome {
    const { X, Y } = this.data;
    const m = X.cols;
    const size = Math.min(this.batchSize, m);
    const progress = (this.epochProgress ??= this.newEpoch(epoch, m, size));
    const order = progress.order;
    for (let start = progress.next; start < m; start += size) {
      const end = Math.min(m, start + size);
      const idx = order ? order.subarray(start, end) : null;
      const Xb = idx ? gatherColumns(X, idx, this.batchBuffer('X', X.rows, end - start)) : X;
      const Yb = idx ? gatherColumns(Y, idx, this.batchBuffer('Y', Y.rows, end - start)) : Y;
      const cost = this.forward(Xb, Yb);
      if (!Number.isFinite(cost)) {
        this.epochProgress = null;
        return { cost };
      }
      progress.costSum += cost * (end - start);
      this.backwardAndUpdate(Xb, Yb, lr);
      // An epoch of a large dataset can take seconds: it pauses between mini-batches when
      // a turn of the event loop is due, so that a cancel or stop is heard within one. The
      // clock is read every 16 mini-batches (a small one takes a few microseconds).
      if (((start / size) & 15) === 15 && end < m && this.turnDue()) {
        progress.next = end;
        return PAUSED;
      }
    }
    this.epochProgress = null;
    const cost = progress.costSum / m;
    if (!logged) return { cost };
    const entry = this.record(epoch, cost, lr, evaluate(this.net, X, Y).accuracy, this.testMetrics());
    return { cost, entry, stop: this.shouldStop(epoch, entry) };
  }

  private testMetrics(): Evaluation | null {
    const { Xtest, Ytest } = this.data;
    return Xtest && Ytest ? evaluate(this.net, Xtest, Ytest, this.settings.l2) : null;
  }

  private batchBuffers = new Map<string, Matrix>();

  private batchBuffer(kind: string, rows: number, cols: number): Matrix {
    const key = `${kind}:${cols}`;
    let b = this.batchBuffers.get(key);
    if (!b) {
      b = this.net.allocate(rows, cols);
      this.batchBuffers.set(key, b);
    }
    return b;
  }

  private forward(X: Matrix, Y: Matrix): number {
    this.net.forward(X, this.hasDropout ? this.dropout : NO_DROPOUT);
    return this.net.cost(Y, this.settings.l2);
  }

  private readonly uniform = (count: number): Float64Array =>
    this.hooks.uniform ? this.hooks.uniform(count) : this.dropoutRng.rand(count);

  private readonly dropout: ForwardOptions;

  /**
   * Gradients, then the optimizer writes the new parameters into the spare
   * buffers, which are swapped in: the previous parameters stay intact there until
   * the next update, in case the new ones turn out to give a non-finite cost.
   */
  private backwardAndUpdate(X: Matrix, Y: Matrix, lr: number): void {
    this.net.backward(X, Y, this.settings.l2);
    this.updates++;
    const { name } = this.optimizer;
    const settings = this.optimizerSettings;
    const homes = this.stateHomes;
    if (this.net.kernels.optimizerStep(name, this.paramMatrices, this.gradMatrices, this.spare, homes.v, homes.s, lr, this.updates, settings)) {
      this.swapParameters();
      return;
    }
    this.refreshViews();
    this.optimizer.step(
      this.paramData,
      this.gradData,
      this.spareData,
      this.state,
      lr,
      this.updates,
      settings,
    );
    this.swapParameters();
  }

  private swapParameters(): void {
    const depth = this.net.depth;
    for (let l = 0; l < depth; l++) {
      const w = this.net.W[l];
      const b = this.net.b[l];
      this.net.W[l] = this.spare[2 * l];
      this.net.b[l] = this.spare[2 * l + 1];
      this.spare[2 * l] = w;
      this.spare[2 * l + 1] = b;
      this.params[2 * l].value = this.net.W[l];
      this.params[2 * l + 1].value = this.net.b[l];
    }
    for (let i = 0; i < this.params.length; i++) {
      this.paramMatrices[i] = this.params[i].value;
      this.paramData[i] = this.params[i].value.data;
      this.spareData[i] = this.spare[i].data;
    }
  }

  private record(
    step: number,
    cost: number,
    lr: number,
    trainAccuracy: number | null,
    test: Evaluation | null,
  ): HistoryEntry {
    const entry: HistoryEntry = { iteration: step, cost, learning_rate: lr };
    if (trainAccuracy !== null) entry.train_accuracy = trainAccuracy;
    if (test) {
      entry.test_cost = test.cost;
      if (test.accuracy !== null) entry.test_accuracy = test.accuracy;
    }
    this.history.push(entry);
    return entry;
  }

  /** Whether step is reported to onProgress without being logged. */
  private progressDue(step: number): boolean {
    return this.onProgress !== null && this.progressEvery > 0 && step % this.progressEvery === 0;
  }

  private report(step: number, total: number, cost: number, entry?: HistoryEntry): void {
    const onProgress = this.onProgress;
    if (onProgress && (entry || this.progressDue(step))) {
      onProgress({ step, totalSteps: total, cost, elapsedMs: performance.now() - this.started, entry });
    }
  }

  /** Early stopping: tracks the best logged value of the metric and counts patience. */
  private shouldStop(step: number, entry: HistoryEntry): boolean {
    const rule = this.settings.earlyStopping;
    if (!rule) return false;
    const value = rule.metric === 'train_cost' ? entry.cost : entry[rule.metric];
    if (value === undefined || !Number.isFinite(value)) return false;
    const lower = BETTER_WHEN_LOWER[rule.metric];
    const improved = !this.best || (lower ? value < this.best.value - rule.minDelta : value > this.best.value + rule.minDelta);
    if (improved) {
      const params = rule.restoreBest ? this.params.map((p) => Float64Array.from(p.value.data)) : null;
      this.best = { value, step, params, waited: 0 };
      return false;
    }
    this.best!.waited++;
    return this.best!.waited >= rule.patience;
  }

  private finish(status: TrainStatus, steps: number, reason?: string): TrainResult {
    if (status === 'diverged' && this.updates > 0) {
      // The current parameters gave the non-finite cost; the previous ones did not.
      this.swapParameters();
    }
    if (status === 'stopped' && this.best?.params) {
      this.best.params.forEach((saved, i) => this.params[i].value.data.set(saved));
    }
    const result: TrainResult = { status, unit: this.unit, steps, history: this.history };
    if (reason) result.reason = reason;
    if (this.best) result.bestStep = this.best.step;
    return result;
  }

  /** A new epoch's progress: its examples shuffled, unless one mini-batch takes them all. */
  private newEpoch(epoch: number, m: number, size: number): EpochProgress {
    // Seeds wrap at 2^32, the range NumPy accepts.
    const seed = (this.settings.shuffleSeed + epoch) % 2 ** 32;
    return { next: 0, costSum: 0, order: size >= m ? null : createRng(seed, this.settings.rng).permutation(m) };
  }

  /**
   * Whether to give the event loop a turn now. The clock is read every 16 iterations (a
   * small network's iteration takes microseconds) and after every epoch: an epoch of a
   * large dataset can take seconds, and a cancel or stop waited for 16 of them.
   */
  private yieldDue(step: number): boolean {
    if (this.unit === 'iteration' && (step & 15) !== 15) return false;
    return this.turnDue();
  }

  /** Whether yieldEveryMs have passed since the last turn (noting the time of this one if so). */
  private turnDue(): boolean {
    const now = performance.now();
    if (now - this.lastYield < this.yieldEveryMs) return false;
    this.lastYield = now;
    return true;
  }
}

/**
 * An empty array that will hold objects. V8 makes `[]` an array of small integers, which
 * the first object pushed turns into an array of objects; code optimized while it saw both
 * kinds stopped at the first push into the next run's fresh array ('not a Smi') and was
 * compiled again. This one is an array of objects from the start.
 */
export function objectArray<T extends object>(): T[] {
  const array = [null] as unknown as T[];
  array.length = 0;
  return array;
}

function zeroTimeout(): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, 0));
}

export const DEFAULT_TRAIN_SETTINGS: Omit<TrainSettings, 'schedule' | 'learningRate'> = {
  optimizer: 'gd',
  shuffleSeed: 0,
  rng: 'default',
  logEvery: 100,
  l2: 0,
  keepProb: [],
  optimizerSettings: DEFAULT_OPTIMIZER_SETTINGS,
  decay: null,
  earlyStopping: null,
};
