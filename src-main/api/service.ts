/**
 * The API's implementation: one handler per method of src-api's table, over the run
 * store, the trainer, the dataset generators and the exporters. Transports never call
 * handlers directly: each connection goes through `connect()`, whose `dispatch` takes a
 * raw message text and checks its size, its JSON, its envelope and its parameters before
 * any handler runs. Errors come back as values ({ ok: false, error }), never as throws.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToBase64, float32ToBase64 } from '../../src-api/binary';
import { ApiError, RequestSchema, type Response, paramIssues, summarizeIssues } from '../../src-api/messages';
import { API_METHODS, type MethodName, type ParsedParams, type Result, isMethodName } from '../../src-api/methods';
import { API_LIMITS, type Bounds, type ExportFormat, type Points, type ServerInfo } from '../../src-api/schemas';
import { sizeIssues } from '../../src-api/resources';
import { type RunConfig, parseRunConfig } from '../../src-core/config';
import { generateDataset, generators } from '../../src-core/datasets';
import { type PreparedExperiment, prepareExperiment } from '../../src-core/experiment';
import { Matrix } from '../../src-core/matrix';
import { modelFromJson } from '../../src-core/model-file';
import { Network } from '../../src-core/network';
import { filesRelativeTo } from '../data/files';
import { type RunStore, StoreError } from '../store';
import { DEFAULT_GRID, boundsOf, evaluatePoints, pointSet } from './boundary';
import { BoundaryPool } from './boundary-pool';
import { checkpointMatrices, loadCheckpoints } from './checkpoints';
import { type EventSink, EventHub, type Subscriber } from './events';
import { EXPORTERS, ExportError, exportFileName } from './exports';
import { toRow } from './rows';
import type { RawJson } from './raw-json';
import { listRunColumns, listRuns } from './runs-list';
import { Trainer } from './trainer';
import { FileAccess, IMPORTS_DIR } from './file-access';
import { inspectFile } from './imports';
import { SweepService } from './sweeps';
import { type SettingsHooks, SettingsService } from './settings';
import { forkHosts } from '../sweep/fork-host';
import type { TrialHostFactory } from '../sweep/trial-host';

export interface ApiOptions {
  store: RunStore;
  transport: ServerInfo['transport'];
  /** The training worker's module (see trainer.ts). */
  workerUrl?: URL;
  /** The boundary workers' module (see boundary-pool.ts). */
  boundaryWorkerUrl?: URL;
  /** Boundary worker threads (default min(2, cores)). */
  boundaryWorkers?: number;
  /** Runs trained at once. */
  concurrency?: number;
  batchMs?: number;
  /** How sweep trials get their processes: forked Node processes by default. */
  trialHosts?: TrialHostFactory;
  /** Folder that relative file paths in UI-made specs and configs start from (default cwd). */
  baseDir?: string;
  /** The desktop app's store dialog and file manager (see settings.ts); none in a browser. */
  settings?: SettingsHooks;
}

/** One connected renderer: a WebSocket, an Electron window, a test. */
export interface Connection {
  /** Handles one raw request message; resolves to the response (never rejects). */
  dispatch(raw: string): Promise<Response>;
  close(): void;
}

/** A run's boundary at one step, but for its grid (see LayerlabApi.boundaryBasis). */
interface BoundaryBasis {
  bounds: Bounds;
  train: Points;
  test: Points | null;
  confusion: number[][];
  confusionSet: 'train' | 'test';
  /** The network at that step (a shared float64 network, its parameters set): use it at once. */
  network: () => Network;
}

/** A handler's result, or its JSON text (RawJson: see raw-json.ts). */
type Answer<M extends MethodName> = Result<M> | RawJson<Result<M>>;
type Handler<M extends MethodName> = (params: ParsedParams<M>, subscriber: Subscriber) => Promise<Answer<M>> | Answer<M>;
type Handlers = { [M in MethodName]: Handler<M> };

const VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

export class LayerlabApi {
  readonly hub: EventHub;
  readonly trainer: Trainer;
  readonly sweeps: SweepService;
  /** Which files configs from the UI may name. */
  readonly files: FileAccess;
  readonly store: RunStore;
  readonly settings: SettingsService;
  /** Where runs.boundary computes its grids: worker threads, not this one. */
  readonly boundaries: BoundaryPool;
  private readonly prepared = new Map<string, Promise<PreparedExperiment>>();
  /** runs.boundary's points and confusion by run and step (see boundaryBasis). */
  private readonly bases = new Map<string, BoundaryBasis>();
  /** Float64 networks by architecture that predict the points' classes. */
  private readonly evaluators = new Map<string, Network>();
  private readonly handlers: Handlers;
  /** When this process last edited each run (tags, notes, name, deletion). */
  private readonly touched = new Map<string, number>();

  constructor(private readonly options: ApiOptions) {
    this.store = options.store;
    this.hub = new EventHub(options.batchMs);
    this.files = new FileAccess([join(options.store.dir, IMPORTS_DIR)]);
    this.trainer = new Trainer({
      store: options.store,
      emit: (event) => this.hub.emit(event),
      workerUrl: options.workerUrl,
      concurrency: options.concurrency,
    });
    this.sweeps = new SweepService({
      store: options.store,
      emit: (event) => this.hub.emit(event),
      files: this.files,
      hosts: options.trialHosts ?? forkHosts(),
      concurrency: options.concurrency ?? 2,
      baseDir: options.baseDir ?? process.cwd(),
    });
    this.settings = new SettingsService(options.store, options.settings ?? {}, () => this.busy());
    this.boundaries = new BoundaryPool({ workerUrl: options.boundaryWorkerUrl, workers: options.boundaryWorkers });
    this.handlers = this.makeHandlers();
  }

  /** A connection whose events go to `sink`. */
  connect(sink: EventSink): Connection {
    // A renderer is here: its first boundary should not wait for the workers to load. (An
    // in-process client, as in tests, starts them with its first boundary instead.)
    if (this.options.transport !== 'memory') this.boundaries.warm();
    const subscriber = this.hub.subscribe(sink);
    return {
      dispatch: (raw) => this.dispatch(raw, subscriber),
      close: () => this.hub.unsubscribe(subscriber),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.trainer.close(), this.sweeps.close(), this.boundaries.close()]);
  }

  /** Checks and runs one request message. */
  async dispatch(raw: string, subscriber: Subscriber): Promise<Response> {
    let id: number | null = null;
    try {
      if (typeof raw !== 'string') throw new ApiError('malformed', 'a request must be JSON text');
      const bytes = raw.length > API_LIMITS.maxRequestBytes / 4 ? new TextEncoder().encode(raw).length : raw.length;
      if (bytes > API_LIMITS.maxRequestBytes) {
        throw new ApiError('too-large', `a request may be at most ${API_LIMITS.maxRequestBytes} bytes; this one is ${bytes}`);
      }
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        throw new ApiError('malformed', `a request must be JSON: ${(error as Error).message}`);
      }
      const request = RequestSchema.safeParse(value);
      if (!request.success) {
        const issue = request.error.issues[0];
        throw new ApiError('malformed', `not a request: ${issue.path.join('.') || 'the message'}: ${issue.message}`);
      }
      id = request.data.id;
      const { method } = request.data;
      if (!isMethodName(method)) throw new ApiError('unknown-method', `there is no method '${method}'`);
      const parsed = API_METHODS[method].params.safeParse(request.data.params ?? {}, { reportInput: true });
      if (!parsed.success) {
        const issues = paramIssues(parsed.error);
        throw new ApiError('invalid', summarizeIssues(issues), issues);
      }
      const handler = this.handlers[method] as Handler<MethodName>;
      const result = await handler(parsed.data as never, subscriber);
      return { id, ok: true, result };
    } catch (error) {
      return { id, ok: false, error: toApiError(error).toData() };
    }
  }

  private makeHandlers(): Handlers {
    const store = this.store;
    return {
      'server.info': () => ({
        version: VERSION,
        storeDir: store.dir,
        transport: this.options.transport,
        sweeps: true,
        exportFormats: (Object.keys(EXPORTERS) as ExportFormat[]).map((format) => ({
          format,
          label: EXPORTERS[format].label,
          available: true,
          reason: null,
        })),
      }),

      'runs.list': (params) => listRuns(store, params, this.touched),
      'runs.table': (params) => listRunColumns(store, params, this.touched, (id) => this.trainer.unrecorded(id)),

      'runs.get': ({ id }) => {
        const run = store.getRun(id);
        const sweepName = run.sweepId ? store.getSweep(run.sweepId).name : null;
        const summary = run.summary ? parseSummary(run.summary) : null;
        const config = JSON.parse(run.config) as Record<string, unknown>;
        const checkpoints = loadCheckpoints(store.dir, id);
        const unrecorded = run.status === 'queued' || run.status === 'running' ? this.trainer.unrecorded(id) : undefined;
        return {
          ...toRow(run, run.hp, sweepName),
          ...unrecorded,
          config,
          summary,
          hasWeights: run.weights !== null,
          checkpoints: checkpoints.list.map((c) => c.step),
          inputs: checkpoints.sizes[0] ?? inputCount(config),
        };
      },

      'runs.history': ({ id, after }) => {
        const run = store.getRun(id);
        const all = store.history(id);
        const points = after === undefined ? all : all.filter((p) => p.step > after);
        const series: Record<string, { steps: number[]; values: (number | null)[] }> = {};
        for (const p of points) {
          const s = (series[p.key] ??= { steps: [], values: [] });
          s.steps.push(p.step);
          s.values.push(Number.isFinite(p.value) ? p.value : null);
        }
        const config = JSON.parse(run.config) as { train?: { epochs?: number } };
        return { unit: config.train?.epochs !== undefined ? 'epoch' : 'iteration', series };
      },

      'runs.boundary': async ({ id, step, grid }) => {
        const run = store.getRun(id);
        const prepared = await this.prepare(id, run.config);
        if (prepared.network.inputSize !== 2) {
          throw new ApiError('conflict', `run ${id} has ${prepared.network.inputSize} inputs; a decision boundary needs 2`);
        }
        if (prepared.classes === null) throw new ApiError('conflict', `run ${id} is a regression; it has no decision boundary`);
        const at = step ?? null;
        const key = `${id}@${at ?? 'final'}`;
        const basis = this.boundaryBasis(key, () => {
          if (step === undefined) {
            const weights = store.loadWeights(id);
            if (!weights) throw new ApiError('conflict', `run ${id} has no final weights yet (status ${run.status})`);
            const model = modelFromJson(JSON.parse(new TextDecoder().decode(weights.bytes)), `the weights of run ${id}`).network;
            return { W: model.W, b: model.b };
          }
          const { sizes, list } = loadCheckpoints(store.dir, id);
          const checkpoint = list.find((c) => c.step === step);
          if (!checkpoint) throw new ApiError('not-found', `run ${id} has no checkpoint at step ${step}`);
          return checkpointMatrices(sizes, checkpoint);
        }, prepared);
        // The points were predicted here (a few hundred columns); the grid is drawn by the boundary workers.
        const g = await this.boundaries.grid({ key, network: basis.network, grid: grid ?? DEFAULT_GRID, bounds: basis.bounds, preprocessing: prepared.preprocessing });
        return {
          boundary: { grid: g.grid, bounds: g.bounds, classes: g.classes, probs: float32ToBase64(g.probs), step: at },
          train: basis.train,
          test: basis.test,
          confusion: basis.confusion,
          confusionSet: basis.confusionSet,
          classNames: prepared.classNames,
        };
      },

      'runs.start': ({ config }) => {
        const issues = [...this.files.check(config, 'config.'), ...sizeIssues(config, {}, 'config.')];
        if (issues.length > 0) throw new ApiError('invalid', summarizeIssues(issues), issues);
        return { id: this.trainer.start(config as RunConfig) };
      },

      'runs.cancel': ({ id }) => {
        store.getRun(id);
        if (!this.trainer.cancel(id)) throw new ApiError('conflict', `run ${id} is not training here`);
        return { ok: true };
      },

      'runs.update': ({ id, name, notes, addTags, removeTags }) => {
        if (name !== undefined) store.rename(id, name);
        if (notes !== undefined) store.setNote(id, notes);
        for (const tag of addTags ?? []) store.tag(id, tag);
        for (const tag of removeTags ?? []) store.untag(id, tag);
        this.touch([id]);
        this.hub.emit({ type: 'runs.changed', since: Date.now() - 1 });
        return { ok: true };
      },

      'runs.delete': ({ ids }) => {
        const active = ids.filter((id) => this.trainer.has(id));
        if (active.length > 0) throw new ApiError('conflict', `run ${active[0]} is still training; cancel it first`);
        for (const id of ids) store.softDelete(id);
        this.touch(ids);
        this.hub.emit({ type: 'runs.changed', since: Date.now() - 1 });
        return { ok: true };
      },

      'runs.restore': ({ ids }) => {
        for (const id of ids) store.restore(id);
        this.touch(ids);
        this.hub.emit({ type: 'runs.changed', since: Date.now() - 1 });
        return { ok: true };
      },

      'runs.watch': ({ ids }, subscriber) => {
        subscriber.watched = new Set(ids);
        return { ok: true };
      },

      'runs.export': async ({ id, format }) => {
        const run = store.getRun(id);
        const exporter = EXPORTERS[format];
        if (exporter.needsWeights && !run.weights) throw new ApiError('conflict', `run ${id} has no final weights yet (status ${run.status})`);
        const bytes = exporter.make(store, id, VERSION);
        return { filename: exportFileName(run.name, id, exporter.extension), mime: exporter.mime, data: bytesToBase64(bytes) };
      },

      'sweeps.list': () => this.sweeps.list(),
      'sweeps.get': ({ id }) => this.sweeps.get(id),
      'sweeps.start': ({ spec }) => this.sweeps.start(spec),
      'sweeps.cancel': ({ id }) => {
        this.sweeps.cancel(id);
        return { ok: true };
      },
      'sweeps.resume': ({ id }) => this.sweeps.resume(id),
      'sweeps.pause': ({ id, paused }) => {
        this.sweeps.pause(id, paused);
        return { ok: true };
      },

      'settings.get': () => this.settings.get(),
      'settings.update': (changes) => this.settings.update(changes),
      'settings.chooseStore': ({ useDefault }) => this.settings.chooseStore(useDefault ?? false),
      'settings.revealStore': async () => {
        await this.settings.revealStore();
        return { ok: true };
      },

      'datasets.generators': () =>
        Object.entries(generators).map(([name, g]) => ({ name, description: g.description, defaultNoise: g.defaultNoise, classes: g.classes })),

      'datasets.inspect': async ({ file }) => {
        if (!this.files.allowed(file)) throw new ApiError('invalid', `the workbench was not given ${file}: import it first`, [{ path: 'file', message: 'is not a file the workbench was given' }]);
        try {
          return await inspectFile(file);
        } catch (error) {
          throw new ApiError('invalid', (error as Error).message);
        }
      },

      'datasets.preview': ({ source }) => {
        const m = Math.min(source.m, API_LIMITS.maxPreviewExamples);
        let d;
        try {
          d = generateDataset(source.generator, { m, noise: source.noise, seed: source.seed, rng: source.rng, classes: source.classes });
        } catch (error) {
          throw new ApiError('invalid', (error as Error).message);
        }
        const p = pointSet(d.X, d.Y as Matrix);
        return {
          points: { count: p.count, xy: float32ToBase64(p.xy), label: bytesToBase64(p.label) },
          classes: d.classes,
          bounds: boundsOf(d.X),
        };
      },
    };
  }

  /** What is training in this store now ("2 runs are training"), or null. */
  private busy(): string | null {
    // A store opened for writing marks dead processes' running runs and sweeps interrupted,
    // so those still running are this process's; a queued run may be a crashed one's.
    const runs = this.store.listRuns({ status: ['queued', 'running'] }).filter((r) => r.status === 'running' || this.trainer.has(r.id)).length;
    const sweeps = this.store.listSweeps().filter((s) => s.status === 'running').length;
    if (sweeps > 0) return `${sweeps} sweep${sweeps === 1 ? ' is' : 's are'} running`;
    if (runs > 0) return `${runs} run${runs === 1 ? ' is' : 's are'} training`;
    return null;
  }

  private touch(ids: string[]): void {
    const now = Date.now();
    for (const id of ids) this.touched.set(id, now);
  }

  /**
   * What a run's boundary at one step needs besides its grid: the points with their
   * predicted classes, the confusion matrix and the extent, kept for the last 32 (run, step)
   * pairs (weights at a step never change), so a replay that goes back, a sweep view
   * opened again or a compare view costs this process nothing but the answer. The points
   * are predicted by a float64 network kept per architecture (a new network pays for its
   * workspaces on its first predict); `network` rebuilds it for a worker that needs it.
   */
  private boundaryBasis(key: string, parameters: () => { W: Matrix[]; b: Matrix[] }, prepared: PreparedExperiment): BoundaryBasis {
    const kept = this.bases.get(key);
    if (kept) {
      this.bases.delete(key);
      this.bases.set(key, kept);
      return kept;
    }
    const { W, b } = parameters();
    const arch = { ...prepared.network.architecture, leakySlope: prepared.config.model.leaky_slope };
    const archKey = JSON.stringify([arch.sizes, arch.activations, arch.output, arch.leakySlope]);
    const network = () => {
      let net = this.evaluators.get(archKey);
      if (!net) {
        net = new Network(arch);
        this.evaluators.set(archKey, net);
        if (this.evaluators.size > 4) this.evaluators.delete(this.evaluators.keys().next().value!);
      }
      net.setParameters(W, b);
      return net;
    };
    const e = evaluatePoints(prepared, network());
    const points = (p: ReturnType<typeof pointSet>) => ({
      count: p.count,
      xy: float32ToBase64(p.xy),
      label: bytesToBase64(p.label),
      predicted: p.predicted ? bytesToBase64(p.predicted) : undefined,
    });
    const basis: BoundaryBasis = {
      bounds: e.bounds,
      train: points(e.train),
      test: e.test ? points(e.test) : null,
      confusion: e.confusion,
      confusionSet: e.confusionSet,
      network,
    };
    this.bases.set(key, basis);
    if (this.bases.size > 32) this.bases.delete(this.bases.keys().next().value!);
    return basis;
  }

  /** The run's data, prepared as for training; the last few are kept for replays. */
  private prepare(id: string, configText: string): Promise<PreparedExperiment> {
    let prepared = this.prepared.get(id);
    if (!prepared) {
      const raw = JSON.parse(configText) as unknown;
      const parsed = parseRunConfig(raw);
      const config = parsed.ok ? parsed.config : (raw as RunConfig);
      prepared = prepareExperiment(config, filesRelativeTo('/', { regression: config.model.output === 'linear' }));
      prepared.catch(() => this.prepared.delete(id));
      this.prepared.set(id, prepared);
      if (this.prepared.size > 16) this.prepared.delete(this.prepared.keys().next().value!);
    }
    return prepared;
  }
}

function parseSummary(text: string): Result<'runs.get'>['summary'] {
  const s = JSON.parse(text) as { final?: Record<string, number | null>; unit?: string; steps?: number; reason?: string };
  const f = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    unit: s.unit === 'epoch' ? 'epoch' : 'iteration',
    steps: f(s.steps),
    reason: s.reason ?? null,
    final: s.final
      ? { train_cost: f(s.final.train_cost), train_accuracy: f(s.final.train_accuracy), test_cost: f(s.final.test_cost), test_accuracy: f(s.final.test_accuracy) }
      : null,
  };
}

/** Input features of a generator config (2); null for file data (known once trained). */
function inputCount(config: Record<string, any>): number | null {
  return typeof config.data?.train?.generator === 'string' ? 2 : null;
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ExportError) return new ApiError('conflict', error.message);
  if (error instanceof StoreError) {
    if (error.code === 'not-found') return new ApiError('not-found', error.message);
    if (error.code === 'invalid-argument') return new ApiError('invalid', error.message);
    if (error.code === 'invalid-transition') return new ApiError('conflict', error.message);
  }
  return new ApiError('internal', error instanceof Error ? error.message : String(error));
}
