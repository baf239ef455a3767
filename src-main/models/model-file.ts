/**
 * Opening a model file by its extension: the one place that maps file types to
 * the core's parsers.
 *
 * | extension      | read by                          | gives                         |
 * | -------------- | -------------------------------- | ----------------------------- |
 * | .json          | model-file.ts modelFromJson      | a LoadedModel                 |
 * | .npz           | export/npz.ts modelFromNpz       | a LoadedModel                 |
 * | .safetensors   | export/safetensors.ts            | a LoadedModel                 |
 * | .onnx          | onnxruntime-node, when installed | a Predictor only (see onnx.ts)|
 *
 * `openPredictor` gives any of them as a Predictor: raw inputs X (n_x, m) in,
 * outputs (n_y, m) out, with the model's preprocessing applied.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { modelFromNpz } from '../../src-core/export/npz';
import { importSafetensors } from '../../src-core/export/safetensors';
import { readNpz } from '../../src-core/io/npz';
import { type LoadedModel, modelFromJson } from '../../src-core/model-file';
import { applyPreprocessing } from '../../src-core/preprocess';
import { openOnnxPredictor } from './onnx';
import { ModelFileError, type Predictor } from './predictor';

export { ModelFileError, type Predictor } from './predictor';

export const MODEL_EXTENSIONS = ['.json', '.npz', '.safetensors', '.onnx'] as const;

/** The bytes of a file, with errors that name it. */
export async function readModelBytes(file: string, what = 'model'): Promise<Uint8Array> {
  try {
    if ((await stat(file)).isDirectory()) throw new ModelFileError(`${what}: ${file} is a folder, not a file`);
    const buffer = await readFile(file);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelFileError(`${what}: no such file: ${file}`);
    if (code === 'EACCES') throw new ModelFileError(`${what}: permission denied: ${file}`);
    throw new ModelFileError(`${what}: cannot read ${file}: ${(error as Error).message}`);
  }
}

function extensionOf(file: string): string {
  const base = path.basename(file).toLowerCase();
  return base.endsWith('.safetensors') ? '.safetensors' : path.extname(base);
}

/** A Layerlab model from a .json, .npz or .safetensors file. */
export async function readModelFile(file: string): Promise<LoadedModel> {
  const name = path.basename(file);
  const ext = extensionOf(file);
  if (ext === '.onnx') {
    throw new ModelFileError(`${name}: an ONNX model can predict (layerlab predict) but not be loaded back as a Layerlab model; use its .json, .npz or .safetensors export`);
  }
  if (!(MODEL_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new ModelFileError(`${name}: unknown model file type '${ext}' (expected ${MODEL_EXTENSIONS.join(', ')})`);
  }
  const bytes = await readModelBytes(file);
  try {
    return parseModel(bytes, ext, name);
  } catch (error) {
    throw error instanceof ModelFileError ? error : new ModelFileError((error as Error).message);
  }
}

function parseModel(bytes: Uint8Array, ext: string, name: string): LoadedModel {
  switch (ext) {
    case '.json': {
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder().decode(bytes));
      } catch (error) {
        throw new ModelFileError(`${name} is not valid JSON: ${(error as Error).message}`);
      }
      return modelFromJson(value, name);
    }
    case '.npz':
      return modelFromNpz(readNpz(bytes, name), name);
    default:
      return importSafetensors(bytes, name);
  }
}

/** A Predictor for any model file, ONNX included. */
export async function openPredictor(file: string): Promise<Predictor> {
  const name = path.basename(file);
  if (extensionOf(file) === '.onnx') return openOnnxPredictor(await readModelBytes(file), name);
  return layerlabPredictor(await readModelFile(file), name);
}

/** A Predictor for a loaded Layerlab model: preprocessing, then the network's forward pass. */
export function layerlabPredictor(model: LoadedModel, name: string): Predictor {
  const { network } = model;
  return {
    name,
    inputSize: network.inputSize,
    outputSize: network.outputSize,
    output: network.output.name,
    classNames: model.classNames,
    model,
    async predict(X) {
      if (X.rows !== network.inputSize) {
        throw new ModelFileError(`${name} takes ${network.inputSize} features per example, the data has ${X.rows}`);
      }
      return network.predict(applyPreprocessing(X.as(network.precision), model.preprocessing));
    },
    async close() {},
  };
}
