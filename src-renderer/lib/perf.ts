/**
 * Timing marks the UI benchmark reads (bench/ui.bench.ts): each is a performance.measure
 * named layerlab:*, with what was drawn in its detail. The buffer is trimmed so a long
 * session never accumulates them. None on the server that renders the first view.
 */
import { onServer } from './first-view';

export function measure(name: string, start: number, detail: Record<string, unknown>): void {
  if (onServer) return;
  if (performance.getEntriesByType('measure').length > 2000) performance.clearMeasures();
  performance.measure(`layerlab:${name}`, { start, detail });
}
