/**
 * NumPy .npz export and import of a model: the course's parameters under the
 * course's names and shapes, float64,
 *
 *   W1 … WL                (n[l], n[l-1])
 *   b1 … bL                (n[l], 1)
 *   preprocessing_scale    ()           x·scale, then
 *   preprocessing_mean     (n_x, 1)     (x − mean) / std  (0 and 1 when not standardized)
 *   preprocessing_std      (n_x, 1)
 *   layerlab_model         (bytes,) uint8: UTF-8 JSON of the model file's other
 *                          fields (format, version, architecture, precision,
 *                          class_names, config)
 *
 * so that in NumPy, with X as (n_x, m): `A = (X * scale - mean) / std`, then
 * `A = g(W @ A + b)` layer by layer. Each fact is stored once: the preprocessing
 * in its arrays (mean and std are columns, to broadcast over X), the rest in
 * layerlab_model; `np.load(f)["layerlab_model"].tobytes()` is the JSON.
 *
 * modelFromNpz reads such a file back; a file without layerlab_model (W and b
 * only, from one's own NumPy code) cannot say its activations, and is an error
 * that says so. weightsFromNpz reads just W1, b1, … (for init.method "file").
 */
import { ImportError, type NdArray } from '../io/ndarray';
import { writeNpz } from '../io/npz';
import { type LoadedModel, type ModelHeader, type WeightArray, modelFromTensors, modelHeader } from '../model-file';
import type { Preprocessing } from '../preprocess';

/** The npz key of the model's JSON description. */
export const NPZ_MODEL_KEY = 'layerlab_model';

/** The arrays of a model's .npz, by key, in the order they are written. */
export function npzArrays(model: LoadedModel): Record<string, NdArray> {
  const { network, preprocessing } = model;
  const arrays: Record<string, NdArray> = {};
  for (let l = 0; l < network.depth; l++) {
    const W = network.W[l];
    const b = network.b[l];
    arrays[`W${l + 1}`] = { dtype: 'float64', shape: [W.rows, W.cols], data: Float64Array.from(W.data) };
    arrays[`b${l + 1}`] = { dtype: 'float64', shape: [b.rows, 1], data: Float64Array.from(b.data) };
  }
  const nx = network.inputSize;
  const std = preprocessing.standardize;
  arrays.preprocessing_scale = { dtype: 'float64', shape: [], data: Float64Array.of(preprocessing.scale) };
  arrays.preprocessing_mean = { dtype: 'float64', shape: [nx, 1], data: std ? Float64Array.from(std.mean) : new Float64Array(nx) };
  arrays.preprocessing_std = { dtype: 'float64', shape: [nx, 1], data: std ? Float64Array.from(std.std) : new Float64Array(nx).fill(1) };
  const { preprocessing: _stored, ...header } = modelHeader(model);
  const json = new TextEncoder().encode(JSON.stringify(header));
  arrays[NPZ_MODEL_KEY] = { dtype: 'uint8', shape: [json.length], data: json };
  return arrays;
}

/** A model as an .npz file (stored, not compressed, as np.savez writes). */
export function exportNpz(model: LoadedModel): Uint8Array {
  return writeNpz(npzArrays(model));
}

/** A model from the arrays of an .npz file written by exportNpz (or laid out the same way). */
export function modelFromNpz(arrays: ReadonlyMap<string, NdArray>, name = 'the .npz file'): LoadedModel {
  const json = arrays.get(NPZ_MODEL_KEY);
  if (!json) {
    throw new ImportError(
      `${name} has no '${NPZ_MODEL_KEY}' array, so it does not say the network's activations and output; ` +
        `it holds ${[...arrays.keys()].join(', ')}. Export the model from Layerlab, or use it as init weights ("init": {"method": "file"})`,
    );
  }
  if (json.dtype !== 'uint8' || json.shape.length !== 1) {
    throw new ImportError(`${name}: '${NPZ_MODEL_KEY}' must be a 1-D uint8 array of JSON bytes, got ${json.dtype} of shape (${json.shape.join(', ')})`);
  }
  let header: Partial<ModelHeader>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json.data as Uint8Array)) as Partial<ModelHeader>;
  } catch (error) {
    throw new ImportError(`${name}: '${NPZ_MODEL_KEY}' is not UTF-8 JSON: ${(error as Error).message}`);
  }
  if (header === null || typeof header !== 'object') throw new ImportError(`${name}: '${NPZ_MODEL_KEY}' must hold a JSON object`);
  const nx = Array.isArray(header.architecture?.sizes) ? header.architecture.sizes[0] : undefined;
  const withPreprocessing = { ...header, preprocessing: header.preprocessing ?? npzPreprocessing(arrays, nx, name) };
  return modelFromTensors(withPreprocessing, arrays as ReadonlyMap<string, WeightArray>, name);
}

/** The preprocessing arrays of an .npz, checked; identity where they are absent. */
function npzPreprocessing(arrays: ReadonlyMap<string, NdArray>, nx: number | undefined, name: string): Preprocessing {
  const scaleArray = arrays.get('preprocessing_scale');
  let scale = 1;
  if (scaleArray) {
    if (scaleArray.data.length !== 1) throw new ImportError(`${name}: preprocessing_scale must hold one number, got shape (${scaleArray.shape.join(', ')})`);
    scale = scaleArray.data[0];
  }
  const mean = arrays.get('preprocessing_mean');
  const std = arrays.get('preprocessing_std');
  if (!mean && !std) return { scale, standardize: null };
  if (!mean || !std) throw new ImportError(`${name} has ${mean ? 'preprocessing_mean but no preprocessing_std' : 'preprocessing_std but no preprocessing_mean'}`);
  for (const [key, a] of [['preprocessing_mean', mean], ['preprocessing_std', std]] as const) {
    const column = a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1);
    if (!column || (nx !== undefined && a.shape[0] !== nx)) {
      throw new ImportError(`${name}: ${key} has shape (${a.shape.join(', ')}), the network needs (${nx ?? 'n_x'}, 1)`);
    }
  }
  const meanValues = Array.from(mean.data);
  const stdValues = Array.from(std.data);
  const identity = meanValues.every((v) => v === 0) && stdValues.every((v) => v === 1);
  return { scale, standardize: identity ? null : { mean: meanValues, std: stdValues } };
}
