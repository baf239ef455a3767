/**
 * Timing marks the UI benchmark reads (bench/ui.bench.ts): each is a performance.measure
 * named layerlab:*, with what was drawn in its detail. The buffer is trimmed so a long
 * session never accumulates them.
 */
export function measure(name: string, start: number, detail: Record<string, unknown>): void {
  if (typeof document === 'undefined') return; // rendering the first view on the server
  if (performance.getEntriesByType('measure').length > 2000) performance.clearMeasures();
  performance.measure(`layerlab:${name}`, { start, detail });
}
