/**
 * Colours of classes and of the decision boundary. Two classes use the diverging
 * orange–neutral–blue scale of TensorFlow Playground; more classes a categorical palette.
 * Lookup tables are built once per theme so painting a grid is one pass with no math.
 */
export type Rgb = [number, number, number];

export const CLASS_COLORS: Rgb[] = [
  [245, 147, 34], // orange (class 0)
  [8, 119, 189], // blue (class 1)
  [46, 160, 67],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

export const SERIES_COLORS = ['#0877bd', '#f59322', '#2ea043', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function classColor(k: number): Rgb {
  return CLASS_COLORS[k % CLASS_COLORS.length];
}

export function css([r, g, b]: Rgb, alpha = 1): string {
  return alpha === 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

/** 256 RGBA entries from class 0 (p = 0) through the neutral colour (0.5) to class 1 (p = 1). */
export function divergingLut(neutral: Rgb, strength = 0.6): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 4);
  const c0 = mix(neutral, CLASS_COLORS[0], strength), c1 = mix(neutral, CLASS_COLORS[1], strength);
  for (let i = 0; i < 256; i++) {
    const p = i / 255;
    const c = p < 0.5 ? mix(c0, neutral, p / 0.5) : mix(neutral, c1, (p - 0.5) / 0.5);
    lut.set([c[0], c[1], c[2], 255], i * 4);
  }
  return lut;
}

/** Per class, 256 RGBA entries from neutral (confidence 1/k) to the class colour (1). */
export function categoricalLut(classes: number, neutral: Rgb, strength = 0.6): Uint8ClampedArray[] {
  return Array.from({ length: classes }, (_, k) => {
    const lut = new Uint8ClampedArray(256 * 4);
    const full = mix(neutral, classColor(k), strength);
    for (let i = 0; i < 256; i++) {
      const c = mix(neutral, full, i / 255);
      lut.set([c[0], c[1], c[2], 255], i * 4);
    }
    return lut;
  });
}
