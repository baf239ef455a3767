/** The API's base64 arrays as typed arrays, ready to paint. */
import type { BoundaryGrid, Points } from '../../src-api';
import { base64ToBytes, base64ToFloat32 } from '../../src-api/binary';
import type { GridImage, PointsData } from './paint';
import { measure } from './perf';

export interface DecodedGrid extends GridImage {
  bounds: BoundaryGrid['bounds'];
  step: number | null;
}

export function decodeGrid(b: BoundaryGrid): DecodedGrid {
  const started = performance.now();
  const probs = base64ToFloat32(b.probs);
  // For the UI benchmark (bench/ui.bench.ts): decoding is part of a picture's cost.
  measure('boundary-decode', started, { grid: b.grid });
  return { grid: b.grid, classes: b.classes, probs, bounds: b.bounds, step: b.step };
}

export function decodePoints(p: Points): PointsData {
  return {
    count: p.count,
    xy: base64ToFloat32(p.xy),
    label: base64ToBytes(p.label),
    predicted: p.predicted ? base64ToBytes(p.predicted) : undefined,
  };
}
