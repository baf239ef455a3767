/**
 * Chart.js's code runs compiled only after its first use: the first chart a page draws pays
 * for compiling it (about 50 ms of a loss curve's first draw, measured in Chromium's
 * trace). While the page is idle after it has shown its first view, this draws two small
 * charts (a linear and a log y axis) on a canvas that is never shown, one per idle
 * moment, so that the first real curve draws with compiled code.
 */
const idle = () => new Promise<void>((resolve) => requestIdleCallback(() => resolve(), { timeout: 2000 }));

export async function warmUpCharts(): Promise<void> {
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
}
