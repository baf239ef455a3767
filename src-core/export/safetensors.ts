/**
 * safetensors export and import of a model: one tensor per parameter, in the
 * course's names and shapes, W1 (n[1], n_x), b1 (n[1], 1), …, in the model's
 * precision (F64, or F32 for a float32 model), and the rest of the model in the
 * header's "__metadata__", whose values the format requires to be strings:
 *
 *   "format": "layerlab-model"
 *   "layerlab_model": the model file's fields but the weights, as JSON
 *                     (architecture, preprocessing, class names, config)
 *
 * The file format itself (header, alignment, validation) is in io/safetensors.ts.
 */
import { ImportError, type NdArray } from '../io/ndarray';
import { type Safetensors, readSafetensors, writeSafetensors } from '../io/safetensors';
import { type LoadedModel, MODEL_FORMAT, type WeightArray, modelFromTensors, modelHeader } from '../model-file';

export const SAFETENSORS_MODEL_KEY = 'layerlab_model';

/** A model as a safetensors file. */
export function exportSafetensors(model: LoadedModel): Uint8Array {
  const { network } = model;
  const dtype = network.precision;
  const tensors: [string, NdArray][] = network.parameters().map((p) => [
    p.name,
    { dtype, shape: [p.value.rows, p.value.cols], data: p.value.data },
  ]);
  return writeSafetensors(tensors, { format: MODEL_FORMAT, [SAFETENSORS_MODEL_KEY]: JSON.stringify(modelHeader(model)) });
}

/** A model from a safetensors file's bytes. */
export function importSafetensors(bytes: Uint8Array, name = 'the safetensors file'): LoadedModel {
  return modelFromSafetensors(readSafetensors(bytes, name), name);
}

/** A model from a read safetensors file written by exportSafetensors (or laid out the same way). */
export function modelFromSafetensors(file: Safetensors, name = 'the safetensors file'): LoadedModel {
  const text = file.metadata?.[SAFETENSORS_MODEL_KEY];
  if (text === undefined) {
    throw new ImportError(
      `${name} has no "${SAFETENSORS_MODEL_KEY}" in its __metadata__, so it does not say the network's activations and output; ` +
        `it holds the tensors ${[...file.tensors.keys()].join(', ') || '(none)'}. Export the model from Layerlab, or use it as init weights ("init": {"method": "file"})`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new ImportError(`${name}: __metadata__.${SAFETENSORS_MODEL_KEY} is not JSON: ${(error as Error).message}`);
  }
  return modelFromTensors(header, file.tensors as ReadonlyMap<string, WeightArray>, name);
}
