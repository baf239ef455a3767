/** Chart.js, registered once with only the parts Layerlab uses (smaller bundle). */
import {
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  CategoryScale,
} from 'chart.js';

Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, Legend, Tooltip);

export { Chart };

/** Exponential moving average with debiasing (as TensorBoard smooths), nulls kept as gaps. */
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values;
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - weight ** n);
  });
}

/**
 * Min-max decimation before Chart.js sees the data: per bucket of consecutive points, the
 * lowest and the highest (in step order), so spikes and the noise band survive while a
 * 100,000-point series becomes at most 2 × buckets points. Gaps (null) are kept as gaps.
 */
export function decimate(steps: number[], values: (number | null)[], buckets: number): { x: number; y: number }[] {
  const n = steps.length;
  const out: { x: number; y: number }[] = [];
  if (n <= buckets * 2) {
    for (let i = 0; i < n; i++) out.push({ x: steps[i], y: values[i] ?? NaN });
    return out;
  }
  const size = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    let lo = -1, hi = -1, gap = -1;
    let loV = Infinity, hiV = -Infinity;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v === null || v !== v || v === Infinity || v === -Infinity) {
        if (gap < 0) gap = i;
        continue;
      }
      if (v < loV) {
        loV = v;
        lo = i;
      }
      if (v > hiV) {
        hiV = v;
        hi = i;
      }
    }
    if (gap >= 0) out.push({ x: steps[gap], y: NaN });
    if (lo < 0) continue;
    if (lo <= hi) {
      out.push({ x: steps[lo], y: loV });
      if (hi !== lo) out.push({ x: steps[hi], y: hiV });
    } else {
      out.push({ x: steps[hi], y: hiV });
      out.push({ x: steps[lo], y: loV });
    }
  }
  return out;
}

/** An axis number without Intl (Chart.js's default builds a NumberFormat per call): 12,500. */
export function formatTick(n: number): string {
  if (!Number.isFinite(n)) return '';
  if (Math.abs(n) >= 1e6 || (n !== 0 && Math.abs(n) < 1e-3)) return n.toExponential(1);
  const rounded = Number(n.toPrecision(6));
  const [int, frac] = String(Math.abs(rounded)).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${rounded < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}
