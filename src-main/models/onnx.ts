/**
 * Predicting with an ONNX model through onnxruntime-node, which is optional: it
 * is loaded on first use, and when it is not installed the user is told how to
 * get it. The model's layout is read from the file itself (decoded with the
 * core's ONNX schema): its input's width, and what Layerlab recorded in its
 * metadata (output layer, class names) when Layerlab wrote it.
 *
 * The graph takes X as [N, n_x] (rows are examples); Layerlab's matrices are
 * (n_x, m), so inputs and outputs are transposed on the way.
 */
import { decodeOnnx, type OnnxModel } from '../../src-core/export';
import { Matrix } from '../../src-core/matrix';
import type { OutputName } from '../../src-core/outputs';
import { ModelFileError, type Predictor } from './predictor';

type Ort = typeof import('onnxruntime-node');

let runtime: Promise<Ort> | null = null;

/** How the runtime is imported: a test seam, to see what users without it see. */
export const onnxRuntimeLoader = {
  load: (): Promise<Ort> => import('onnxruntime-node'),
};

/** onnxruntime-node, or a ModelFileError that says how to install it. */
export async function loadOnnxRuntime(): Promise<Ort> {
  runtime ??= onnxRuntimeLoader.load().catch((error: NodeJS.ErrnoException) => {
    runtime = null;
    const missing = error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND';
    throw new ModelFileError(
      missing
        ? 'predicting with an ONNX model needs onnxruntime-node, which is not installed. Install it with\n' +
            '  ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node\n' +
            "or predict with the model's .json, .npz or .safetensors export instead"
        : `onnxruntime-node could not be loaded: ${error.message}`,
    );
  });
  return runtime;
}

/** Rows per call to the runtime: bounds the float32 copies of the input and output. */
const BATCH = 65536;

export async function openOnnxPredictor(bytes: Uint8Array, name: string): Promise<Predictor> {
  let proto: OnnxModel;
  try {
    proto = decodeOnnx(bytes);
  } catch (error) {
    throw new ModelFileError(`${name} is not an ONNX model: ${(error as Error).message}`);
  }
  const input = proto.graph?.input?.[0];
  const dims = input?.type?.tensor_type?.shape?.dim ?? [];
  const inputSize = dims.length === 2 ? dims[1].dim_value : undefined;
  if (!input || inputSize === undefined) {
    throw new ModelFileError(`${name}: the model's first input must be a 2-D tensor [N, n_x] with a fixed n_x`);
  }
  const meta = new Map((proto.metadata_props ?? []).map((p) => [p.key, p.value]));
  const header = parseJson(meta.get('layerlab_model')) as { architecture?: { output?: OutputName } } | null;
  const classNames = parseJson(meta.get('class_names'));
  const outDims = proto.graph.output?.[0]?.type?.tensor_type?.shape?.dim ?? [];

  const ort = await loadOnnxRuntime();
  let session: Awaited<ReturnType<Ort['InferenceSession']['create']>>;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (error) {
    throw new ModelFileError(`${name}: onnxruntime cannot load it: ${(error as Error).message}`);
  }
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  const outputSize = outDims.length === 2 && outDims[1].dim_value ? outDims[1].dim_value : NaN;
  return {
    name,
    inputSize,
    outputSize,
    output: header?.architecture?.output ?? null,
    classNames: Array.isArray(classNames) && classNames.every((c) => typeof c === 'string') ? classNames : null,
    model: null,
    async predict(X) {
      if (X.rows !== inputSize) throw new ModelFileError(`${name} takes ${inputSize} features per example, the data has ${X.rows}`);
      const m = X.cols;
      const parts: { start: number; rows: number; cols: number; data: Float32Array }[] = [];
      for (let start = 0; start < m; start += BATCH) {
        const rows = Math.min(BATCH, m - start);
        const x = new Float32Array(rows * inputSize);
        for (let i = 0; i < inputSize; i++) {
          for (let j = 0; j < rows; j++) x[j * inputSize + i] = X.data[i * m + start + j];
        }
        const result = await session.run({ [inputName]: new ort.Tensor('float32', x, [rows, inputSize]) });
        const out = result[outputName];
        if (out.type !== 'float32' || out.dims.length !== 2 || out.dims[0] !== rows) {
          throw new ModelFileError(`${name}: output '${outputName}' is ${out.type} [${out.dims.join(', ')}], expected float32 [${rows}, n_y]`);
        }
        parts.push({ start, rows, cols: Number(out.dims[1]), data: out.data as Float32Array });
      }
      const ny = parts[0]?.cols ?? (Number.isFinite(outputSize) ? outputSize : 0);
      const A = Matrix.zeros(ny, m);
      for (const p of parts) {
        for (let j = 0; j < p.rows; j++) for (let i = 0; i < ny; i++) A.data[i * m + p.start + j] = p.data[j * ny + i];
      }
      return A;
    },
    async close() {
      await session.release();
    },
  };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
