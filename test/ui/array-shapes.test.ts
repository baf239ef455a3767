/**
 * The form's check of an array file's X and Y shapes (src-renderer/lib/array-shapes.ts),
 * against the shapes the core reader accepts: before it, a mismatch failed only as a run
 * ("data.train.x … has 2 examples but data.train.y … has 50 labels").
 */
import { describe, expect, it } from 'vitest';
import { arrayShapeIssue, examplesOf, labelsOf } from '../../src-renderer/lib/array-shapes';

const X = (shape: number[], key = 'X') => ({ key, shape });
const Y = (shape: number[], key = 'Y') => ({ key, shape });

describe('array shapes', () => {
  it('count examples on the picked axis and labels in (1, m), (m, 1) or (m,)', () => {
    expect(examplesOf(X([2, 400]), -1)).toBe(400);
    expect(examplesOf(X([400, 64, 64, 3]), 0)).toBe(400);
    expect([labelsOf(Y([1, 400])), labelsOf(Y([400, 1])), labelsOf(Y([400])), labelsOf(Y([100, 2, 2])), labelsOf(Y([3, 4]))]).toEqual([400, 400, 400, null, null]);
  });

  it('accept the course\'s layout and rows of examples', () => {
    expect(arrayShapeIssue(X([2, 400]), Y([1, 400]), -1)).toBeNull();
    expect(arrayShapeIssue(X([209, 64, 64, 3], 'train_set_x'), Y([209], 'train_set_y'), 0)).toBeNull();
  });

  it('name a mismatch, and the axis that would fit', () => {
    expect(arrayShapeIssue(X([2, 100]), Y([1, 50]), 0)).toBe('X (2, 100) holds 2 examples as rows, but Y (1, 50) has 50 labels');
    expect(arrayShapeIssue(X([2, 400]), Y([1, 400]), 0)).toBe(
      'X (2, 400) holds 2 examples as rows, but Y (1, 400) has 400 labels: its examples are its columns, pick that in "Examples are"',
    );
  });

  it('refuse labels of another shape, and X without examples', () => {
    expect(arrayShapeIssue(X([100, 2]), Y([100, 2, 2]), 0)).toBe('Y (100, 2, 2) is not a label array: labels are (1, m), (m, 1) or (m,)');
    expect(arrayShapeIssue(X([0, 2], ''), Y([0]), 0)).toBe('the array (0, 2) holds no examples');
    expect(arrayShapeIssue(X([]), Y([1]), 0)).toBe('X () is a single number, not examples');
  });
});
