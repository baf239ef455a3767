/**
 * The data work before Chart.js (src-renderer/lib/chart.ts): min-max decimation per pixel
 * column must keep the curve faithful (every column's lowest and highest point, spikes,
 * gaps), and smoothing must be TensorBoard's debiased moving average.
 */
import { describe, expect, it } from 'vitest';
import { decimate, formatTick, rangeEnds, smooth, tickText } from '../../src-renderer/lib/chart';

function curve(n: number): { steps: number[]; values: (number | null)[] } {
  const steps = Array.from({ length: n }, (_, i) => i);
  const values = steps.map((i) => 0.2 + 0.5 * Math.exp(-i / 8000) + 0.01 * Math.sin(i / 50));
  return { steps, values };
}

describe('decimate', () => {
  it('keeps short series whole, with gaps as NaN', () => {
    const out = decimate([0, 10, 20], [1, null, Infinity], 100);
    expect(out.map((p) => p.x)).toEqual([0, 10, 20]);
    expect(out[0].y).toBe(1);
    expect(out[1].y).toBeNaN();
    expect(out[2].y).toBeNaN();
  });

  it('keeps each column’s lowest and highest point of 100,000, spikes included', () => {
    const { steps, values } = curve(100_000);
    values[54_321] = 10; // a spike one point wide
    values[77_777] = -5; // and a dip
    const columns = 600;
    const out = decimate(steps, values, columns);
    expect(out.length).toBeLessThanOrEqual(2 * columns);
    expect(out).toContainEqual({ x: 54_321, y: 10 });
    expect(out).toContainEqual({ x: 77_777, y: -5 });
    for (let i = 1; i < out.length; i++) expect(out[i].x).toBeGreaterThan(out[i - 1].x);
    // Brute force, column by column: the same extremes.
    const width = 99_999 / columns;
    for (let c = 0; c < columns; c += 37) {
      const inColumn = (x: number) => Math.min(columns - 1, Math.floor(x / width)) === c;
      const truth = values.filter((_, i) => inColumn(steps[i])) as number[];
      const kept = out.filter((p) => inColumn(p.x)).map((p) => p.y);
      expect(Math.min(...kept)).toBe(Math.min(...truth));
      expect(Math.max(...kept)).toBe(Math.max(...truth));
    }
  });

  it('breaks the line at a gap in a long series', () => {
    const { steps, values } = curve(10_000);
    for (let i = 5000; i < 5010; i++) values[i] = null;
    const out = decimate(steps, values, 100);
    const gaps = out.filter((p) => Number.isNaN(p.y));
    expect(gaps).toHaveLength(1);
    expect(gaps[0].x).toBe(5000);
    const at = out.indexOf(gaps[0]);
    expect(out[at - 1].x).toBeLessThan(5000);
    expect(out[at + 1].x).toBeGreaterThanOrEqual(5010);
  });

  it('places columns by step, not by index, for unevenly logged steps', () => {
    // Dense logging early, sparse later: the later points keep their own columns.
    const steps = [...Array.from({ length: 5000 }, (_, i) => i), ...Array.from({ length: 100 }, (_, i) => 5000 + i * 950)];
    const values = steps.map((s) => 1 / (1 + s));
    const out = decimate(steps, values, 100);
    expect(out.filter((p) => p.x >= 5000).length).toBeGreaterThanOrEqual(95);
  });
});

describe('smooth', () => {
  it('is the debiased exponential moving average, skipping gaps', () => {
    const w = 0.6;
    const v = [1, 3, null, 2, 5];
    // By the definition: s_t = Σ_i w^(t−i)(1−w)·v_i / (1 − w^(t+1)) over the t+1 values so far.
    const seen = [1, 3, 2, 5];
    const expected = seen.map((_, t) => {
      let num = 0;
      for (let i = 0; i <= t; i++) num += w ** (t - i) * (1 - w) * seen[i];
      return num / (1 - w ** (t + 1));
    });
    const out = smooth(v, w);
    expect(out[2]).toBeNull();
    const got = [out[0], out[1], out[3], out[4]] as number[];
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i], 12));
    expect(smooth(v, 0)).toBe(v);
  });
});

describe('formatTick', () => {
  it('groups thousands and keeps small numbers readable', () => {
    expect(formatTick(12_500)).toBe('12,500');
    expect(formatTick(0.25)).toBe('0.25');
    expect(formatTick(2e-4)).toBe('2.0e-4');
  });
});

describe('tickText and rangeEnds', () => {
  // The probe's sweep: test costs 0.1424, 0.1436 and 0.1441. Chart.js put ticks 0.0002
  // apart, and three significant digits labelled them 0.142, 0.142, 0.142, 0.143, …
  it('label close ticks each differently, with the decimals their step needs', () => {
    const ticks = Array.from({ length: 12 }, (_, i) => 0.142 + i * 0.0002);
    const labels = ticks.map((t) => tickText(t, 0.0002));
    expect(labels.slice(0, 4)).toEqual(['0.142', '0.1422', '0.1424', '0.1426']);
    expect(new Set(labels).size).toBe(ticks.length);
  });

  it('keep plain ticks plain', () => {
    expect([0, 0.5, 1, 1.5].map((t) => tickText(t, 0.5))).toEqual(['0', '0.5', '1', '1.5']);
    expect([0, 2500, 5000].map((t) => tickText(t, 2500))).toEqual(['0', '2,500', '5,000']);
    expect(tickText(3e-5, 1e-5)).toBe('3.0e-5');
  });

  it('tell a range\'s ends apart with the fewest digits', () => {
    // Two finished trials: both ends were 0.144.
    expect(rangeEnds(0.14362, 0.14412)).toEqual(['0.1436', '0.1441']);
    expect(rangeEnds(0.14236, 0.14412)).toEqual(['0.142', '0.144']);
    expect(rangeEnds(0.1, 0.4)).toEqual(['0.1', '0.4']);
    expect(rangeEnds(2, 2)).toEqual(['2', '2']);
  });
});
