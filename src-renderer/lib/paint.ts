/**
 * Painting a decision boundary: the grid of probabilities into an ImageData in one pass
 * (a lookup table per value, no per-pixel calls back to anything), scaled smoothly onto the
 * canvas, then the data points: training points filled, test points as rings, and
 * misclassified points crossed out.
 */
import type { Bounds } from '../../src-api';
import { type Rgb, categoricalLut, classColor, css, divergingLut } from './colors';

export interface GridImage {
  grid: number;
  classes: number;
  probs: Float32Array;
}

export interface PointsData {
  count: number;
  xy: Float32Array;
  label: Uint8Array;
  predicted?: Uint8Array;
}

const luts = new Map<string, Uint8ClampedArray | Uint8ClampedArray[]>();

function lutFor(classes: number, neutral: Rgb): Uint8ClampedArray | Uint8ClampedArray[] {
  const key = `${classes}:${neutral.join(',')}`;
  let lut = luts.get(key);
  if (!lut) {
    lut = classes === 2 ? divergingLut(neutral) : categoricalLut(classes, neutral);
    luts.set(key, lut);
  }
  return lut;
}

/** The grid as an ImageData of G×G pixels (row 0 at the top). */
export function gridToImageData(g: GridImage, neutral: Rgb, image?: ImageData): ImageData {
  const n = g.grid * g.grid;
  const out = image && image.width === g.grid ? image : new ImageData(g.grid, g.grid);
  const px = out.data;
  const lut = lutFor(g.classes, neutral);
  const probs = g.probs;
  if (!Array.isArray(lut)) {
    const two = probs.length === 2 * n; // softmax with two classes: use P(class 1)
    const offset = two ? n : 0;
    for (let i = 0; i < n; i++) {
      const v = probs[offset + i];
      const k = (v <= 0 ? 0 : v >= 1 ? 255 : (v * 255 + 0.5) | 0) << 2;
      const o = i << 2;
      px[o] = lut[k];
      px[o + 1] = lut[k + 1];
      px[o + 2] = lut[k + 2];
      px[o + 3] = 255;
    }
  } else {
    const k = g.classes;
    const floor = 1 / k;
    for (let i = 0; i < n; i++) {
      let best = 0, bestP = probs[i];
      for (let c = 1; c < k; c++) {
        const p = probs[c * n + i];
        if (p > bestP) {
          bestP = p;
          best = c;
        }
      }
      const t = Math.max(0, Math.min(1, (bestP - floor) / (1 - floor)));
      const table = lut[best];
      const idx = ((t * 255 + 0.5) | 0) << 2;
      const o = i << 2;
      px[o] = table[idx];
      px[o + 1] = table[idx + 1];
      px[o + 2] = table[idx + 2];
      px[o + 3] = 255;
    }
  }
  return out;
}

/**
 * Draws the grid image scaled onto the whole canvas, through a scratch canvas of the
 * grid's size (resized only when the grid's size changes: resizing clears and reallocates).
 */
export function drawGrid(ctx: CanvasRenderingContext2D, image: ImageData, scratch: HTMLCanvasElement | OffscreenCanvas): void {
  if (scratch.width !== image.width || scratch.height !== image.height) {
    scratch.width = image.width;
    scratch.height = image.height;
  }
  (scratch.getContext('2d') as CanvasRenderingContext2D).putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(scratch as CanvasImageSource, 0, 0, ctx.canvas.width, ctx.canvas.height);
}

/** Canvas coordinates of data coordinates. */
export function toCanvas(bounds: Bounds, width: number, height: number) {
  const sx = width / (bounds.x1 - bounds.x0), sy = height / (bounds.y1 - bounds.y0);
  return (x: number, y: number): [number, number] => [(x - bounds.x0) * sx, (bounds.y1 - y) * sy];
}

/**
 * Draws points: filled (train) or rings (test), each misclassified one crossed. One path
 * per class, filled and stroked once (a few canvas calls, not four per point).
 */
export function drawPoints(
  ctx: CanvasRenderingContext2D,
  points: PointsData,
  bounds: Bounds,
  options: { test: boolean; radius: number; stroke: string; cross?: string },
): void {
  const at = toCanvas(bounds, ctx.canvas.width, ctx.canvas.height);
  const r = options.radius;
  const classes = new Set<number>();
  for (let i = 0; i < points.count; i++) classes.add(points.label[i]);
  for (const k of [...classes].sort((a, b) => a - b)) {
    ctx.beginPath();
    for (let i = 0; i < points.count; i++) {
      if (points.label[i] !== k) continue;
      const [x, y] = at(points.xy[2 * i], points.xy[2 * i + 1]);
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, Math.PI * 2);
    }
    const color = css(classColor(k));
    if (options.test) {
      ctx.fillStyle = options.stroke;
      ctx.fill();
      ctx.lineWidth = Math.max(1.5, r / 2);
      ctx.strokeStyle = color;
    } else {
      ctx.fillStyle = color;
      ctx.fill();
      ctx.lineWidth = Math.max(1, r / 3);
      ctx.strokeStyle = options.stroke;
    }
    ctx.stroke();
  }
  if (!points.predicted) return;
  ctx.strokeStyle = options.cross ?? '#111';
  ctx.lineWidth = Math.max(1.5, r / 2.5);
  const d = r * 0.8;
  ctx.beginPath();
  for (let i = 0; i < points.count; i++) {
    if (points.predicted[i] === points.label[i]) continue;
    const [x, y] = at(points.xy[2 * i], points.xy[2 * i + 1]);
    ctx.moveTo(x - d, y - d);
    ctx.lineTo(x + d, y + d);
    ctx.moveTo(x + d, y - d);
    ctx.lineTo(x - d, y + d);
  }
  ctx.stroke();
}
