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

/** Everything of a model file but its weights: what the npz, safetensors and ONNX exports carry as metadata. */
const ModelHeaderSchema = z.object({
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
});

const ModelFileSchema = ModelHeaderSchema.extend({ weights: z.record(z.string(), finiteRows) });

export type ModelHeader = z.output<typeof ModelHeaderSchema>;
export type ModelFile = z.output<typeof ModelFileSchema>;

export interface LoadedModel {
  network: Network;
  preprocessing: Preprocessing;
  classNames: string[] | null;
  /** The run configuration that trained it, if recorded. */
  config: unknown;
  /** The slope of leaky_relu below 0 (the network's activations use it; exporters need it). */
  leakySlope: number;
}

/** A weight as a file holds it: a shape and its values in C order. */
export interface WeightArray {
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** The model file for a network, as a plain object ready for JSON.stringify. */
export function modelToJson(
  network: Network,
  extra: { preprocessing: Preprocessing; classNames?: string[] | null; config?: unknown; leakySlope?: number },
): ModelFile {
  const weights: Record<string, number[][]> = {};
  for (const p of network.parameters()) weights[p.name] = p.value.toRows();
  return { ...modelHeader({ network, ...extra }), weights };
}

/** The model file's fields other than the weights, for a network and what goes with it. */
export function modelHeader(model: {
  network: Network;
  preprocessing: Preprocessing;
  classNames?: string[] | null;
  config?: unknown;
  leakySlope?: number;
}): ModelHeader {
  const { network, ...extra } = model;
  const arch = network.architecture;
  const header: ModelHeader = {
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
  };
  if (extra.config !== undefined) header.config = extra.config;
  return header;
}

/** Reads a model file (parsed JSON), checking every shape; `name` is used in messages. */
export function modelFromJson(value: unknown, name = 'the model file'): LoadedModel {
  const parsed = parseHeader(value, ModelFileSchema, name);
  const weights = new Map<string, WeightArray>();
  for (const [key, rows] of Object.entries(parsed.weights)) {
    let m: Matrix;
    try {
      m = Matrix.fromRows(rows);
    } catch (error) {
      throw new Error(`${name}: weights.${key}: ${(error as Error).message}`);
    }
    weights.set(key, { shape: [m.rows, m.cols], data: m.data });
  }
  return buildModel(parsed, weights, name);
}

/**
 * A model from its header (the model file's fields but weights, as parsed JSON)
 * and its weights W1, b1, … by name, as an npz or safetensors file holds them.
 * Each W[l] must have the architecture's shape (n[l], n[l-1]); each b[l] may be
 * (n[l], 1) or (n[l],). A mismatch names the weight and both shapes.
 */
export function modelFromTensors(
  header: unknown,
  weights: ReadonlyMap<string, WeightArray>,
  name = 'the model file',
): LoadedModel {
  return buildModel(parseHeader(header, ModelHeaderSchema, name), weights, name);
}

function parseHeader<S extends typeof ModelHeaderSchema | typeof ModelFileSchema>(value: unknown, schema: S, name: string): z.output<S> {
  const probe = value as { format?: unknown; version?: unknown } | null;
  if (!probe || typeof probe !== 'object' || probe.format !== MODEL_FORMAT) {
    throw new Error(`${name} is not a Layerlab model (its "format" should be "${MODEL_FORMAT}")`);
  }
  if (typeof probe.version === 'number' && probe.version > MODEL_VERSION) {
    throw new Error(`${name} is model format version ${probe.version}; this Layerlab reads up to version ${MODEL_VERSION}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${name}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return parsed.data as z.output<S>;
}

function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

function buildModel(m: ModelHeader, weights: ReadonlyMap<string, WeightArray>, name: string): LoadedModel {
  let network: Network;
  try {
    network = new Network({
      sizes: m.architecture.sizes,
      activations: m.architecture.activations as Network['architecture']['activations'],
      output: m.architecture.output,
      leakySlope: m.architecture.leaky_slope,
      precision: m.precision,
    });
  } catch (error) {
    throw new Error(`${name}: architecture: ${(error as Error).message}`);
  }
  const take = (key: string, rows: number, cols: number, isBias: boolean): Matrix => {
    const w = weights.get(key);
    if (!w) throw new Error(`${name}: weights has no ${key}`);
    const shape = w.shape;
    const fits =
      (shape.length === 2 && shape[0] === rows && shape[1] === cols) || (isBias && shape.length === 1 && shape[0] === rows);
    if (!fits) {
      throw new Error(`${name}: ${key} has shape ${shapeText(shape)}, the architecture needs (${rows}, ${cols})`);
    }
    return Matrix.from(rows, cols, w.data);
  };
  network.setParameters(
    network.W.map((W, l) => take(`W${l + 1}`, W.rows, W.cols, false)),
    network.b.map((b, l) => take(`b${l + 1}`, b.rows, 1, true)),
  );
  const std = m.preprocessing.standardize;
  if (std && (std.mean.length !== network.inputSize || std.std.length !== network.inputSize)) {
    throw new Error(`${name}: preprocessing.standardize has ${std.mean.length} features, the network takes ${network.inputSize}`);
  }
  return {
    network,
    preprocessing: m.preprocessing,
    classNames: m.class_names,
    config: m.config,
    leakySlope: m.architecture.leaky_slope,
  };
}

/**
 * W1, b1, W2, b2, … from weights by name, for as many layers as there are (for
 * init.method "file", where the run's config gives the architecture and
 * Network.setParameters checks each shape against it). W must be 2-D; b may be
 * (n, 1) or (n,).
 */
export function weightsFromTensors(weights: ReadonlyMap<string, WeightArray>, name = 'the weights file'): { W: Matrix[]; b: Matrix[] } {
  const W: Matrix[] = [];
  const b: Matrix[] = [];
  for (let l = 1; weights.has(`W${l}`); l++) {
    const w = weights.get(`W${l}`)!;
    const bias = weights.get(`b${l}`);
    if (w.shape.length !== 2) throw new Error(`${name}: W${l} must be 2-D, got shape ${shapeText(w.shape)}`);
    if (!bias) throw new Error(`${name} has W${l} but no b${l}`);
    const column = bias.shape.length === 1 || (bias.shape.length === 2 && bias.shape[1] === 1);
    if (!column) throw new Error(`${name}: b${l} must have shape (${w.shape[0]}, 1) or (${w.shape[0]},), got ${shapeText(bias.shape)}`);
    W.push(Matrix.from(w.shape[0], w.shape[1], w.data));
    b.push(Matrix.from(bias.shape[0], 1, bias.data));
  }
  if (W.length === 0) throw new Error(`${name} has no W1; it has ${[...weights.keys()].join(', ') || 'nothing'}`);
  return { W, b };
}
