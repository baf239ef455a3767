/**
 * The messages between the sweep driver and its trial processes, both directions, as zod
 * schemas: each side checks every message it receives, and reports one it cannot use
 * instead of crashing on it (a trial process may be a different build, or broken).
 * Messages travel by structured clone (fork's 'advanced' serialization, or Electron's
 * utilityProcess), so numbers keep NaN and ±Infinity and weights go as bytes.
 */
import { z } from 'zod';
import { configIssues, formatIssues } from '../../src-core/config';

const RunId = z.string().min(1).max(64);

/** Any number: NaN and ±Infinity are legitimate values (a diverging cost). */
const anyNumber = () => z.custom<number>((v) => typeof v === 'number', { message: 'must be a number' });

const MetricPointSchema = z.strictObject({
  step: z.number().int().min(0),
  key: z.string().min(1).max(200),
  value: anyNumber(),
});

const ProgressSchema = z.strictObject({
  step: z.number().int().min(0),
  totalSteps: z.number().int().min(0),
  cost: anyNumber(),
  elapsedMs: z.number().min(0),
});

/** Driver → trial. */
export const ToTrialSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('run'),
    runId: RunId,
    /** The run config with absolute file paths; the trial checks it with parseRunConfig. */
    config: z.unknown(),
    /**
     * Progress streaming: at most one progress message per `batchMs` (the final state is
     * always sent); null sends the whole history only when the run ends.
     */
    batchMs: z.number().min(0).max(60_000).nullable(),
    /** Report progress every this many steps (between logged history entries too). */
    progressEvery: z.number().int().min(1),
  }),
  z.strictObject({ type: z.literal('cancel'), runId: RunId }),
  z.strictObject({ type: z.literal('stop'), runId: RunId, reason: z.string().max(2000) }),
  z.strictObject({ type: z.literal('shutdown') }),
]);

export const FINISHED_STATUSES = ['completed', 'stopped', 'diverged', 'cancelled', 'failed'] as const;

/** Trial → driver. */
export const FromTrialSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), pid: z.number().int() }),
  z.strictObject({ type: z.literal('started'), runId: RunId }),
  z.strictObject({
    type: z.literal('progress'),
    runId: RunId,
    points: z.array(MetricPointSchema),
    progress: ProgressSchema.nullable(),
  }),
  z.strictObject({
    type: z.literal('weights'),
    runId: RunId,
    format: z.string().min(1).max(100),
    bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'must be bytes (a Uint8Array)' }),
  }),
  z.strictObject({
    type: z.literal('finished'),
    runId: RunId,
    status: z.enum(FINISHED_STATUSES),
    error: z.string().optional(),
    /** JSON text: the final metrics, unit, steps and reason (see trainRun). */
    summary: z.string().optional(),
  }),
  /** The trial received a message it could not use. */
  z.strictObject({ type: z.literal('malformed'), problem: z.string() }),
]);

export type ToTrial = z.output<typeof ToTrialSchema>;
export type FromTrial = z.output<typeof FromTrialSchema>;
export type RunRequest = Extract<ToTrial, { type: 'run' }>;
export type ProgressMessage = Extract<FromTrial, { type: 'progress' }>;
export type FinishedMessage = Extract<FromTrial, { type: 'finished' }>;
export type TrialProgress = z.output<typeof ProgressSchema>;

export type Checked<T> = { ok: true; message: T } | { ok: false; problem: string };

function check<T>(schema: z.ZodType<T>, value: unknown): Checked<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return { ok: true, message: result.data };
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  const what = typeof type === 'string' ? `a '${type.slice(0, 40)}' message` : 'a message';
  return { ok: false, problem: `${what} that does not fit the protocol: ${formatIssues(configIssues(result.error.issues)).replace(/\n/g, '; ')}` };
}

export const checkToTrial = (value: unknown): Checked<ToTrial> => check(ToTrialSchema, value);

/**
 * Checks a message from a trial process. Progress messages (up to 10 a second per trial,
 * the bulk of what a driver receives) are recognised by a plain check of exactly what
 * FromTrialSchema requires of them, which costs a small fraction of zod's; anything that
 * check does not accept goes to zod, which accepts it or says what is wrong.
 */
export function checkFromTrial(value: unknown): Checked<FromTrial> {
  if (isProgressMessage(value)) return { ok: true, message: value };
  return check(FromTrialSchema, value);
}

const hasOnly = (o: object, keys: number) => Object.keys(o).length === keys;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStep = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Whether `value` is a progress message as FromTrialSchema defines it (false means: ask zod). */
export function isProgressMessage(value: unknown): value is ProgressMessage {
  if (!isObject(value) || value.type !== 'progress' || !hasOnly(value, 4)) return false;
  const { runId, points, progress } = value;
  if (typeof runId !== 'string' || runId.length < 1 || runId.length > 64 || !Array.isArray(points)) return false;
  for (const p of points as unknown[]) {
    if (!isObject(p) || !hasOnly(p, 3) || !isStep(p.step) || typeof p.value !== 'number') return false;
    if (typeof p.key !== 'string' || p.key.length < 1 || p.key.length > 200) return false;
  }
  if (progress === null) return true;
  return (
    isObject(progress) &&
    hasOnly(progress, 4) &&
    isStep(progress.step) &&
    isStep(progress.totalSteps) &&
    typeof progress.cost === 'number' &&
    Number.isFinite(progress.elapsedMs) &&
    (progress.elapsedMs as number) >= 0
  );
}
