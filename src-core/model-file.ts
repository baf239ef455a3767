/**
 * Layerlab's own model file: one JSON document with everything needed to predict
 * with a trained network or to continue training it: the architecture, the
 * preprocessing fitted on the training data, the class names, the run's config
 * and the weights (W1, b1, … as nested row lists, in the course's shapes, so that
 * `np.array(model["weights"]["W1"])` is the course's W1).
 *
 * Versioned: `format` names the kind of file and `version` its layout. Readers
 * accept every version up to theirs and reject later ones with a clear message.
 */
import { z } from 'zod';
import { ACTIVATION_NAMES } from './activations';
import { Matrix } from './matrix';
import { Network } from './network';
import type { Preprocessing } from './preprocess';

export const MODEL_FORMAT = 'layerlab-model';
export const MODEL_VERSION = 1;

const finiteRows = z.array(z.array(z.number()));

const ModelFileSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.number().int().min(1),
  architecture: z.object({
    sizes: z.array(z.number().int().min(1)).min(2),
    activations: z.array(z.enum(ACTIVATION_NAMES as [string, ...string[]])),
    output: z.enum(['sigmoid', 'softmax', 'linear']),
    leaky_slope: z.number().default(0.01),
  }),
  precision: z.enum(['float64', 'float32']).default('float64'),
  preprocessing: z
    .object({
      scale: z.number().default(1),
      standardize: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable().default(null),
    })
    .default({ scale: 1, standardize: null }),
  class_names: z.array(z.string()).nullable().default(null),
  config: z.unknown().optional(),
  weights: z.record(z.string(), finiteRows),
});

export type ModelFile = z.output<typeof ModelFileSchema>;

export interface LoadedModel {
  network: Network;
  preprocessing: Preprocessing;
  classNames: string[] | null;
  /** The run configuration that trained it, if recorded. */
  config: unknown;
}

/** The model file for a network, as a plain object ready for JSON.stringify. */
export function modelToJson(
  network: Network,
  extra: { preprocessing: Preprocessing; classNames?: string[] | null; config?: unknown; leakySlope?: number },
): ModelFile {
  const weights: Record<string, number[][]> = {};
  for (const p of network.parameters()) weights[p.name] = p.value.toRows();
  const arch = network.architecture;
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    architecture: {
      sizes: arch.sizes,
      activations: arch.activations,
      output: arch.output,
      leaky_slope: extra.leakySlope ?? 0.01,
    },
    precision: network.precision,
    preprocessing: { scale: extra.preprocessing.scale, standardize: extra.preprocessing.standardize },
    class_names: extra.classNames ?? null,
    config: extra.config,
    weights,
  };
}

/** Reads a model file (parsed JSON), checking every shape; `name` is used in messages. */
export function modelFromJson(value: unknown, name = 'the model file'): LoadedModel {
  const probe = value as { format?: unknown; version?: unknown } | null;
  if (!probe || typeof probe !== 'object' || probe.format !== MODEL_FORMAT) {
    throw new Error(`${name} is not a Layerlab model (its "format" should be "${MODEL_FORMAT}")`);
  }
  if (typeof probe.version === 'number' && probe.version > MODEL_VERSION) {
    throw new Error(`${name} is model format version ${probe.version}; this Layerlab reads up to version ${MODEL_VERSION}`);
  }
  const parsed = ModelFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${name}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  const m = parsed.data;
  const network = new Network({
    sizes: m.architecture.sizes,
    activations: m.architecture.activations as Network['architecture']['activations'],
    output: m.architecture.output,
    leakySlope: m.architecture.leaky_slope,
    precision: m.precision,
  });
  const take = (key: string, rows: number, cols: number): Matrix => {
    const w = m.weights[key];
    if (!w) throw new Error(`${name}: weights has no ${key}`);
    const got = Matrix.fromRows(w);
    if (got.rows !== rows || got.cols !== cols) {
      throw new Error(`${name}: ${key} has shape ${got.shapeText}, the architecture needs (${rows}, ${cols})`);
    }
    return got;
  };
  network.setParameters(
    network.W.map((W, l) => take(`W${l + 1}`, W.rows, W.cols)),
    network.b.map((b, l) => take(`b${l + 1}`, b.rows, 1)),
  );
  const std = m.preprocessing.standardize;
  if (std && (std.mean.length !== network.inputSize || std.std.length !== network.inputSize)) {
    throw new Error(`${name}: preprocessing.standardize has ${std.mean.length} features, the network takes ${network.inputSize}`);
  }
  return { network, preprocessing: m.preprocessing, classNames: m.class_names, config: m.config };
}
