/**
 * Export formats of a run, one entry each: what the file is called and how its bytes are
 * made from the stored run. The model formats (npz, safetensors, ONNX) are added here as
 * the exporters land in src-core/export.
 */
import type { ExportFormat } from '../../src-api/schemas';
import type { RunStore } from '../store';

export interface Exporter {
  label: string;
  extension: string;
  mime: string;
  /** Needs the run's final weights. */
  needsWeights: boolean;
  make(store: RunStore, id: string): Promise<Uint8Array> | Uint8Array;
}

/** The metric history as CSV: one row per step, one column per metric. */
export function historyCsv(store: RunStore, id: string): string {
  const points = store.history(id);
  const keys = [...new Set(points.map((p) => p.key))].sort();
  const rows = new Map<number, Map<string, number>>();
  for (const p of points) {
    if (!rows.has(p.step)) rows.set(p.step, new Map());
    rows.get(p.step)!.set(p.key, p.value);
  }
  const lines = [['step', ...keys].join(',')];
  for (const step of [...rows.keys()].sort((a, b) => a - b)) {
    const row = rows.get(step)!;
    lines.push([String(step), ...keys.map((k) => (row.has(k) ? String(row.get(k)) : ''))].join(','));
  }
  return lines.join('\n') + '\n';
}

export const EXPORTERS: Partial<Record<ExportFormat, Exporter>> = {
  json: {
    label: 'Layerlab model (JSON)',
    extension: 'json',
    mime: 'application/json',
    needsWeights: true,
    make(store, id) {
      const weights = store.loadWeights(id);
      if (!weights) throw new Error(`run ${id} has no weights`);
      return weights.bytes;
    },
  },
  csv: {
    label: 'Metrics (CSV)',
    extension: 'csv',
    mime: 'text/csv',
    needsWeights: false,
    make: (store, id) => new TextEncoder().encode(historyCsv(store, id)),
  },
};

/** A file name from a run's name: letters, digits, dots and dashes only. */
export function exportFileName(runName: string, id: string, extension: string): string {
  const base = runName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'run';
  return `${base}-${id.slice(-6)}.${extension}`;
}
