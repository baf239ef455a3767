/**
 * How much memory a run needs, estimated from its config before it starts, and the
 * workbench's limit on it. A run of the app trains in a thread of the process that serves
 * the UI: a network too large for the machine (10,000 units × 50 layers is 4.9 billion
 * parameters, 39 GB per copy) would not fail as a run but take that process, and every
 * run training in it, down. The form shows the problem at the hidden layers as you type,
 * and the API refuses such a run or sweep with the same words.
 *
 * The estimate counts what training holds at once, in float64: the parameters five times
 * (W and b, their gradients, the trainer's spare copy, and the two moving averages of
 * Adam), and each layer's activations four times (Z, A, dZ and a dropout mask or dA) for
 * the examples of one step. Where the config does not say how many inputs or examples
 * there are (a data file), the caller may say; otherwise they count as 1, so the estimate
 * is a lower bound and never refuses a run it cannot size.
 */
import type { ConfigIssue } from '../src-core/config';

export const RESOURCE_LIMITS = {
  /** Bytes a single run may need to train, by the estimate above. */
  maxTrainingBytes: 4 * 1024 ** 3,
} as const;

export interface RunSize {
  /** Weights and biases. */
  parameters: number;
  /** Examples in one step: the training set, or a mini-batch. */
  examples: number;
  /** Estimated bytes to train. */
  bytes: number;
}

/** What the caller knows of the data beyond the config (from the file's columns or arrays). */
export interface DataSize {
  inputs?: number | null;
  examples?: number | null;
}

const count = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);

/** The size of a run from its config (as a config file holds it), or null if it has no valid layers. */
export function runSize(config: unknown, data: DataSize = {}): RunSize | null {
  const c = (config ?? {}) as Record<string, any>;
  const hidden = c.model?.hidden;
  if (!Array.isArray(hidden) || !hidden.every((h) => count(h) !== null)) return null;
  const source = c.data?.train ?? {};
  const generated = typeof source.generator === 'string';
  const features = Array.isArray(source.csv?.features) ? source.csv.features.length : null;
  const inputs = generated ? 2 : count(data.inputs) ?? (features || 1);
  const outputs = c.model?.output === 'softmax' ? (count(c.model?.classes) ?? (generated ? (count(source.classes) ?? 2) : 2)) : 1;
  const sizes = [inputs, ...(hidden as number[]), outputs];
  let parameters = 0;
  for (let l = 1; l < sizes.length; l++) parameters += (sizes[l - 1] + 1) * sizes[l];
  const m = generated ? count(source.m) : count(data.examples);
  const fraction = typeof c.data?.test_fraction === 'number' && c.data.test_fraction > 0 && c.data.test_fraction < 1 ? c.data.test_fraction : 0;
  const train = m === null ? 1 : Math.max(1, Math.floor(m * (1 - fraction)));
  const batch = count(c.train?.batch_size);
  const examples = c.train?.epochs !== undefined && batch !== null ? Math.min(batch, train) : train;
  const units = sizes.slice(1).reduce((s, n) => s + n, 0);
  return { parameters, examples, bytes: 8 * (5 * parameters + 4 * examples * (units + inputs)) };
}

const GB = 1024 ** 3;
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * The problem of a run too large for the workbench, at model.hidden (with `prefix`
 * before the path, such as "config." or "trial 3: "), or none.
 */
export function sizeIssues(config: unknown, data: DataSize = {}, prefix = ''): ConfigIssue[] {
  const size = runSize(config, data);
  if (!size || size.bytes <= RESOURCE_LIMITS.maxTrainingBytes) return [];
  const need = size.bytes / GB;
  const step = size.examples > 1 ? `; ${grouped(size.examples)} examples per step` : '';
  return [
    {
      path: `${prefix}model.hidden`,
      message:
        `this network needs about ${need < 10 ? need.toFixed(1) : grouped(Math.round(need))} GB to train (${grouped(size.parameters)} parameters${step}); ` +
        `the workbench trains runs of up to ${RESOURCE_LIMITS.maxTrainingBytes / GB} GB: use fewer or smaller layers${size.examples > 1 ? ', or fewer examples per step' : ''}`,
    },
  ];
}
