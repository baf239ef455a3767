/**
 * The exporters: a loaded model (model-file.ts's LoadedModel) in, file contents
 * out (bytes or text). Pure core code: nothing here writes a file. See
 * docs/export.md for each format's layout and how to load it in Python.
 *
 * | file             | format                                    | verified against (tests)              |
 * | ---------------- | ----------------------------------------- | ------------------------------------- |
 * | json.ts          | Layerlab's model file (model-file.ts)     | round trip                            |
 * | npz.ts           | NumPy .npz: W1, b1, … and preprocessing   | NumPy's np.load, when python3 is there |
 * | safetensors.ts   | safetensors (io/safetensors.ts)           | round trip, byte-level spec checks    |
 * | onnx.ts          | ONNX opset 13 (onnx-proto.ts, protobufjs) | onnxruntime-node                      |
 * | csv.ts           | metrics: a run's history, a table of runs | quoting, pandas-readable numbers      |
 *
 * Each binary format also reads back into a LoadedModel (modelFromNpz,
 * modelFromSafetensors); the JSON file through model-file.ts's modelFromJson.
 */
export { exportJson } from './json';
export { NPZ_MODEL_KEY, exportNpz, modelFromNpz, npzArrays } from './npz';
export { SAFETENSORS_MODEL_KEY, exportSafetensors, importSafetensors, modelFromSafetensors } from './safetensors';
export { ONNX_INPUT, ONNX_IR_VERSION, ONNX_OPSET, exportOnnx, onnxModel, onnxOutputName, type OnnxExportOptions } from './onnx';
export { decodeModel as decodeOnnx, type OnnxModel } from './onnx-proto';
export { csvField, historyCsv, predictionsCsv, runsCsv, toCsv, type CsvValue, type MetricPointLike, type PredictionsOptions, type RunRecord } from './csv';

/** The formats `layerlab export` writes. */
export const EXPORT_FORMATS = ['json', 'npz', 'safetensors', 'onnx', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
