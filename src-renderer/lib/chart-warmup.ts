/**
 * Chart.js's code runs compiled only after its first use: the first chart a page draws pays
 * for compiling it (about 50 ms of a loss curve's first draw, measured in Chromium's
 * trace; the sweep view's first scatter plot pays the same). While the page is idle after
 * it has shown its first view, this draws three small charts (lines on a linear and on a
 * log y axis, and a scatter plot) on canvases that are never shown, one per idle moment,
 * so that the first real ones draw with compiled code.
 */
import { cssVar } from '../state/theme.svelte';

const idle = () => new Promise<void>((resolve) => requestIdleCallback(() => resolve(), { timeout: 2000 }));

/** The theme colours charts and canvases read (state/theme.svelte.ts caches them per theme). */
const COLOURS = ['--accent', '--grid-line', '--muted', '--neutral-rgb', '--panel', '--text'];

export async function warmUpCharts(): Promise<void> {
  // Read now, while nothing else changed the page: read first inside a view's update, each
  // costs a style recalculation of the whole page (about 15 ms in the sweep view's trace).
  for (const name of COLOURS) cssVar(name);
  const { Chart, decimate } = await import('./chart');
  const steps = Array.from({ length: 600 }, (_, i) => i * 10);
  const values = steps.map((s) => 0.7 * Math.exp(-s / 2000) + 0.05);
  for (const type of ['linear', 'logarithmic'] as const) {
    await idle();
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 160;
    const chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [{ label: 'warm-up', data: decimate(steps, values, 100) as never, borderWidth: 1, pointRadius: 0 }] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: false,
        scales: { x: { type: 'linear', ticks: { maxRotation: 0, callback: (v) => String(v) } }, y: { type, ticks: { callback: (v) => String(v) } } },
      },
    });
    chart.update('none');
    chart.destroy();
  }
  await idle();
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 160;
  const scatter = new Chart(canvas, {
    type: 'scatter',
    data: { datasets: [{ label: 'warm-up', data: steps.slice(0, 12).map((x, i) => ({ x: i, y: values[i] })), pointRadius: 4 }] },
    options: { animation: false, responsive: false, scales: { x: { type: 'linear' }, y: { ticks: { callback: (v) => String(v) } } } },
  });
  scatter.update('none');
  scatter.destroy();
}
