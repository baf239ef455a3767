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

export const EXPORTERS: Record<ExportFormat, Exporter> = {
  json: {
    label: 'Layerlab model (JSON)',
    extension: 'json',
    mime: 'application/json',
    needsWeights: true,
    make: (store, id) => text(exportJson(storedModel(store, id))),
  },
  npz: {
    label: 'NumPy arrays (.npz)',
    extension: 'npz',
    mime: 'application/octet-stream',
    needsWeights: true,
    make: (store, id) => exportNpz(storedModel(store, id)),
  },
  safetensors: {
    label: 'safetensors',
    extension: 'safetensors',
    mime: 'application/octet-stream',
    needsWeights: true,
    make: (store, id) => exportSafetensors(storedModel(store, id)),
  },
  onnx: {
    label: 'ONNX (opset 13)',
    extension: 'onnx',
    mime: 'application/octet-stream',
    needsWeights: true,
    make: (store, id, version) => exportOnnx(storedModel(store, id), { producerVersion: version }),
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
