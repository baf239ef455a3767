/** Chart.js, registered once with only the parts Layerlab uses (smaller bundle), and the data work before it. */
import {
  Chart,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  CategoryScale,
} from 'chart.js';

// No Legend: LineChart draws its own in HTML (Chart.js's would be laid out on every update).
Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, Tooltip);

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

/** A point as Chart.js takes it with `parsing: false`; y NaN is a gap. */
export interface XY {
  x: number;
  y: number;
}

/**
 * Min-max decimation before Chart.js sees the data: the x range is cut into `columns`
 * columns (one per pixel of the plot), and each column keeps its lowest and its highest
 * point, in step order. So every peak and dip and the width of the noise band survive,
 * while a 100,000-point series becomes at most 2 × columns points. A gap (null, NaN or an
 * infinite value) stays a gap. Steps must increase. Series short enough are kept whole.
 */
export function decimate(steps: ArrayLike<number>, values: ArrayLike<number | null>, columns: number, x0?: number, x1?: number): XY[] {
  const n = steps.length;
  const out: XY[] = [];
  if (n <= columns * 2) {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      out.push({ x: steps[i], y: v === null || !Number.isFinite(v) ? NaN : v });
    }
    return out;
  }
  const lo = x0 ?? steps[0];
  const hi = x1 ?? steps[n - 1];
  const scale = hi > lo ? columns / (hi - lo) : 0;
  let column = -1;
  let minI = -1, maxI = -1;
  let minV = Infinity, maxV = -Infinity;
  const emit = () => {
    if (minI < 0) return;
    if (minI === maxI) out.push({ x: steps[minI], y: minV });
    else if (minI < maxI) out.push({ x: steps[minI], y: minV }, { x: steps[maxI], y: maxV });
    else out.push({ x: steps[maxI], y: maxV }, { x: steps[minI], y: minV });
    minI = maxI = -1;
    minV = Infinity;
    maxV = -Infinity;
  };
  for (let i = 0; i < n; i++) {
    const c = Math.min(columns - 1, Math.floor((steps[i] - lo) * scale));
    if (c !== column) {
      emit();
      column = c;
    }
    const v = values[i];
    if (v === null || v !== v || v === Infinity || v === -Infinity) {
      // A gap: close the column so far, and break the line here.
      emit();
      if (out.length === 0 || out[out.length - 1].y === out[out.length - 1].y) out.push({ x: steps[i], y: NaN });
      continue;
    }
    if (v < minV) {
      minV = v;
      minI = i;
    }
    if (v > maxV) {
      maxV = v;
      maxI = i;
    }
  }
  emit();
  return out;
}

/**
 * A tick's text on an axis whose ticks are `step` apart: as many decimals as the step
 * needs and no more, so that close values (test costs 0.1424 to 0.1441) get labels that
 * differ, where three significant digits made every label 0.144.
 */
export function tickText(value: number, step: number): string {
  const size = Math.abs(step);
  if (!Number.isFinite(value) || !(size > 0) || !Number.isFinite(size)) return formatTick(value);
  const decimals = Math.min(12, Math.max(0, Math.ceil(-Math.log10(size) - 1e-9)));
  return formatTick(Number(value.toFixed(decimals)));
}

/** The ends of a range, each with the fewest significant digits (3 at least) that tell them apart. */
export function rangeEnds(lo: number, hi: number): [string, string] {
  for (let digits = 3; digits < 15; digits++) {
    const a = Number(lo.toPrecision(digits));
    const b = Number(hi.toPrecision(digits));
    if (a !== b || lo === hi) return [String(a), String(b)];
  }
  return [String(lo), String(hi)];
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
