/** What every model file gives to predict with, and the error about one. */
import type { LoadedModel } from '../../src-core/model-file';
import type { Matrix } from '../../src-core/matrix';
import type { OutputName } from '../../src-core/outputs';

/** An error about a model file the user named: printed as is. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

/** A model that predicts, whatever file it came from. */
export interface Predictor {
  /** The file's base name, for messages. */
  name: string;
  /** n_x: features per example. */
  inputSize: number;
  outputSize: number;
  /** The output layer; null when an ONNX file does not say (one not written by Layerlab). */
  output: OutputName | null;
  classNames: string[] | null;
  /** Outputs (n_y, m) for raw inputs X (n_x, m): probabilities, or values for a linear output. */
  predict(X: Matrix): Promise<Matrix>;
  /** The model itself, for every format but ONNX. */
  model: LoadedModel | null;
  /** Releases what the predictor holds (an ONNX session). */
  close(): Promise<void>;
}
