/**
 * Whether an array file's X and Y fit together, from their shapes alone (what an import
 * says of them), so that the form shows a mismatch at the data before any run: the core
 * reader takes labels of shape (1, m), (m, 1) or (m,), and X with its examples on the
 * axis the form picks (rows, or the course's columns).
 */
export interface ArrayInfo {
  key: string;
  shape: number[];
}

const shown = (a: ArrayInfo) => `${a.key || 'the array'} (${a.shape.join(', ')}${a.shape.length === 1 ? ',' : ''})`;

/** Examples as rows (axis 0) or as the last axis (-1, the course's (n_x, m)). */
export function examplesOf(x: ArrayInfo, axis: 0 | -1): number {
  return axis === 0 ? x.shape[0] : x.shape[x.shape.length - 1];
}

/** The number of labels in Y, or null when its shape is none a label array has. */
export function labelsOf(y: ArrayInfo): number | null {
  const s = y.shape;
  if (s.length === 1) return s[0];
  if (s.length === 2 && (s[0] === 1 || s[1] === 1)) return s[0] * s[1];
  return null;
}

/** What is wrong with X and Y together, or null. */
export function arrayShapeIssue(x: ArrayInfo, y: ArrayInfo, axis: 0 | -1): string | null {
  if (x.shape.length === 0) return `${shown(x)} is a single number, not examples`;
  const labels = labelsOf(y);
  if (labels === null) return `${shown(y)} is not a label array: labels are (1, m), (m, 1) or (m,)`;
  const m = examplesOf(x, axis);
  if (m === 0) return `${shown(x)} holds no examples`;
  if (m === labels) return null;
  const as = axis === 0 ? 'rows' : 'columns';
  const other = x.shape.length > 1 ? examplesOf(x, axis === 0 ? -1 : 0) : null;
  const hint = other === labels ? `: its examples are its ${axis === 0 ? 'columns' : 'rows'}, pick that in "Examples are"` : '';
  return `${shown(x)} holds ${m} examples as ${as}, but ${shown(y)} has ${labels} labels${hint}`;
}
