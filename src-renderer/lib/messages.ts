/**
 * The light shapes (lib/shape.ts) of the messages the renderer gets most: every event, and
 * the results of the methods the runs, run and sweep views call while they are open. Each
 * mirrors a zod schema of src-api/schemas.ts or src-api/methods.ts, key for key;
 * test/ui/shapes.test.ts fails when one drifts (a field added to the zod schema must be
 * added here). Results of the other methods are checked by zod itself, loaded on first use
 * (lib/full-check.ts).
 */
import type { MethodName } from '../../src-api/methods';
import { RUN_COLUMN_NUMBERS } from '../../src-api/run-columns';
import type { RunStatus } from '../../src-api/schemas';
import { type Shape, array, boolean, literal, nullable, number, object, oneOf, optional, record, string, union, unknown } from './shape';

/** As src-api's RUN_STATUSES (the test checks they are the same). */
export const RUN_STATUSES = ['queued', 'running', 'completed', 'stopped', 'diverged', 'cancelled', 'failed', 'interrupted'] as const satisfies readonly RunStatus[];
const SWEEP_STATUSES = ['queued', 'running', 'completed', 'stopped', 'failed', 'cancelled', 'interrupted'] as const;

const RunStatus = oneOf(RUN_STATUSES);
const Metric = nullable(number);
const Unit = oneOf(['iteration', 'epoch']);
const ok = object({ ok: literal(true) });

const Hyperparams = object({
  data: string,
  hidden: array(number),
  activation: string,
  output: string,
  optimizer: string,
  learning_rate: nullable(number),
  steps: nullable(number),
  unit: Unit,
  batch_size: nullable(number),
  l2: nullable(number),
  keep_prob: nullable(number),
  m: nullable(number),
  noise: nullable(number),
});

const FinalMetrics = object({ train_cost: Metric, train_accuracy: Metric, test_cost: Metric, test_accuracy: Metric });

export const RunRow = object({
  id: string,
  name: string,
  status: RunStatus,
  sweepId: nullable(string),
  sweepName: nullable(string),
  createdAt: number,
  startedAt: nullable(number),
  finishedAt: nullable(number),
  updatedAt: number,
  durationMs: nullable(number),
  tags: array(string),
  notes: string,
  error: nullable(string),
  hp: Hyperparams,
  metrics: object({ train_cost: Metric, test_cost: Metric, train_accuracy: Metric, test_accuracy: Metric, step: nullable(number) }),
  deleted: boolean,
});

/** runs.table's answer: the runs table as columns (src-api's RunColumnsSchema). */
const RunShared = object({
  status: RunStatus,
  sweepId: nullable(string),
  sweepName: nullable(string),
  data: string,
  hidden: array(number),
  activation: string,
  optimizer: string,
  unit: Unit,
  deleted: boolean,
});
const RunColumns = object({
  count: number,
  id: array(string),
  name: array(string),
  notes: array(string),
  shared: object({ values: array(RunShared), codes: array(number) }),
  numbers: object(Object.fromEntries(RUN_COLUMN_NUMBERS.map((k) => [k, string]))),
  tags: object({ rows: array(number), tags: array(string) }),
});

const RunDetail = RunRow.extend({
  config: record(unknown),
  summary: nullable(object({ unit: Unit, steps: nullable(number), reason: nullable(string), final: nullable(FinalMetrics) })),
  hasWeights: boolean,
  checkpoints: array(number),
  inputs: nullable(number),
});

const History = object({ unit: Unit, series: record(object({ steps: array(number), values: array(Metric) })) });

const Entry = object({
  iteration: number,
  cost: Metric,
  learning_rate: number,
  train_accuracy: optional(Metric),
  test_cost: optional(Metric),
  test_accuracy: optional(Metric),
});

const Points = object({ count: number, xy: string, label: string, predicted: optional(string) });
const Bounds = object({ x0: number, x1: number, y0: number, y1: number });
const BoundaryGrid = object({ grid: number, bounds: Bounds, classes: number, probs: string, step: nullable(number) });

const Boundary = object({
  boundary: BoundaryGrid,
  train: Points,
  test: nullable(Points),
  confusion: array(array(number)),
  confusionSet: oneOf(['train', 'test']),
  classNames: nullable(array(string)),
});

const Trial = object({
  index: number,
  params: record(unknown),
  label: string,
  status: union([literal('pending'), RunStatus]),
  runId: nullable(string),
  progress: nullable(object({ step: number, totalSteps: number, cost: Metric })),
  final: nullable(FinalMetrics),
  reason: nullable(string),
  rank: nullable(number),
});

const SweepStatus = oneOf(SWEEP_STATUSES);
const SweepRow = object({ id: string, name: string, status: SweepStatus, createdAt: number, finishedAt: nullable(number), error: nullable(string) });
const SweepDetail = SweepRow.extend({
  spec: record(unknown),
  parameters: array(string),
  metric: object({ name: string, goal: oneOf(['minimize', 'maximize']) }),
  trials: array(Trial),
  live: boolean,
  paused: boolean,
});

export const ApiEvent = union(
  [
    object({ type: literal('run.progress'), runId: string, sweepId: nullable(string), unit: Unit, step: number, totalSteps: number, entries: array(Entry) }),
    object({ type: literal('run.boundary'), runId: string, boundary: BoundaryGrid }),
    object({ type: literal('run.status'), runId: string, sweepId: nullable(string), status: RunStatus, error: nullable(string) }),
    object({ type: literal('runs.changed'), since: number }),
    object({ type: literal('sweep.changed'), sweepId: string, status: SweepStatus, trials: array(Trial), paused: boolean }),
  ],
  'type',
);

export const EventsMessage = object({ events: array(ApiEvent) });

export const Response = union([
  object({ id: nullable(number), ok: literal(true), result: unknown }),
  object({
    id: nullable(number),
    ok: literal(false),
    error: object({ code: string, message: string, issues: optional(array(object({ path: string, message: string }))) }),
  }),
]);

/** Results checked here; every other method's result is checked by zod (lib/full-check.ts). */
export const LIGHT_RESULTS: Partial<Record<MethodName, Shape>> = {
  // `total` is optional: newer servers count the runs a filtered listing matches.
  'runs.list': object({ runs: array(RunRow), now: number, total: optional(number) }),
  'runs.table': object({ columns: RunColumns, now: number, total: optional(number) }),
  'runs.get': RunDetail,
  'runs.history': History,
  'runs.boundary': Boundary,
  'runs.cancel': ok,
  'runs.update': ok,
  'runs.delete': ok,
  'runs.restore': ok,
  'runs.watch': ok,
  'sweeps.list': array(SweepRow),
  'sweeps.get': SweepDetail,
  'sweeps.cancel': ok,
  'sweeps.pause': ok,
  'datasets.preview': object({ points: Points, classes: number, bounds: Bounds }),
};
