/**
 * Export formats of a run, one entry each: what the file is called and how its bytes are
 * made from the stored run, through the core's exporters (src-core/export, the same ones
 * `layerlab export` uses).
 */
import type { ExportFormat } from '../../src-api/schemas';
import { exportJson, exportNpz, exportOnnx, exportSafetensors, historyCsv } from '../../src-core/export';
import { type LoadedModel, modelFromJson } from '../../src-core/model-file';
import type { RunStore } from '../store';

export interface Exporter {
  label: string;
  extension: string;
  mime: string;
  /** Needs the run's final weights. */
  needsWeights: boolean;
  make(store: RunStore, id: string, version: string): Uint8Array;
}

function storedModel(store: RunStore, id: string): LoadedModel {
  const weights = store.loadWeights(id);
  if (!weights) throw new Error(`run ${id} has no saved model yet`);
  return modelFromJson(JSON.parse(new TextDecoder().decode(weights.bytes)), `the model of run ${id}`);
}

const text = (s: string) => new TextEncoder().encode(s);

/** Largest float32 magnitude: ONNX files hold float32 weights, and larger ones become ±Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Refuses to export weights the file could not hold: a non-finite value in any format, or
 * (float32 formats) one beyond float32's range, which ONNX runtimes read as ±Infinity and
 * answer with NaN for every input. A diverged run keeps its last finite weights, which can
 * still be around 1e150. Names the first such weight, "W1[0, 1]".
 */
export function checkWeights(model: LoadedModel, id: string, format: string, float32: boolean): void {
  const { W, b } = model.network;
  const params = W.flatMap((w, l) => [
    { name: `W${l + 1}`, m: w },
    { name: `b${l + 1}`, m: b[l] },
  ]);
  for (const { name, m } of params) {
    const data = m.data;
    for (let k = 0; k < data.length; k++) {
      const v = data[k];
      if (Number.isFinite(v) && (!float32 || Math.abs(v) <= FLOAT32_MAX)) continue;
      const at = `${name}[${Math.floor(k / m.cols)}, ${k % m.cols}]`;
      const what = Number.isFinite(v) ? `${v.toExponential(3)}, beyond float32's range (${format} holds float32 weights)` : String(v);
      throw new ExportError(
        `run ${id} cannot be exported as ${format}: its weight ${at} is ${what}` +
          (float32 ? '; the JSON, npz and safetensors exports keep float64' : ''),
      );
    }
  }
}

/** A run whose model a format cannot hold (the API answers it as a conflict). */
export class ExportError extends Error {
  override name = 'ExportError';
}

function checked(store: RunStore, id: string, format: string, float32 = false): LoadedModel {
  const model = storedModel(store, id);
  checkWeights(model, id, format, float32 || model.network.precision === 'float32');
  return model;
}

export const EXPORTERS: Record<ExportFormat, Exporter> = {
  json: {
    label: 'Layerlab model (JSON)',
    extension: 'json',
    mime: 'application/json',
    needsWeights: true,
    make: (store, id) => text(exportJson(checked(store, id, 'JSON'))),
  },
  npz: {
    label: 'NumPy arrays (.npz)',
    extension: 'npz',
    mime: 'application/octet-stream',
    needsWeights: true,
    make: (store, id) => exportNpz(checked(store, id, 'npz')),
  },
  safetensors: {
    label: 'safetensors',
    extension: 'safetensors',
    mime: 'application/octet-stream',
    needsWeights: true,
    make: (store, id) => exportSafetensors(checked(store, id, 'safetensors')),
  },
  onnx: {
    label: 'ONNX (opset 13)',
    extension: 'onnx',
    mime: 'application/octet-stream',
    needsWeights: true,
    make: (store, id, version) => exportOnnx(checked(store, id, 'ONNX', true), { producerVersion: version }),
  },
  csv: {
    label: 'Metrics (CSV)',
    extension: 'csv',
    mime: 'text/csv',
    needsWeights: false,
    make: (store, id) => text(historyCsv(store.history(id))),
  },
};

/** A file name from a run's name: letters, digits, dots and dashes only. */
export function exportFileName(runName: string, id: string, extension: string): string {
  const base = runName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'run';
  return `${base}-${id.slice(-6)}.${extension}`;
}
