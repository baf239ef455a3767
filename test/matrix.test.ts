import { describe, expect, it } from 'vitest';
import { Matrix, ShapeError, assertShape } from '../src-core/matrix';

describe('Matrix', () => {
  it('stores rows in C order', () => {
    const m = Matrix.fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(m.shapeText).toBe('(2, 3)');
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(m.get(1, 0)).toBe(4);
    expect(m.toRows()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('defaults to float64 and converts to float32', () => {
    const m = Matrix.from(1, 2, [0.1, 0.2]);
    expect(m.precision).toBe('float64');
    const f = m.as('float32');
    expect(f.precision).toBe('float32');
    expect(f.data[0]).toBe(Math.fround(0.1));
  });

  it('rejects data of the wrong length, naming the shape', () => {
    expect(() => Matrix.from(2, 2, [1, 2, 3])).toThrow('a (2, 2) matrix needs 4 values, got 3');
    expect(() => Matrix.fromRows([[1, 2], [3]])).toThrow(ShapeError);
  });

  it('names both shapes when a shape check fails', () => {
    const m = Matrix.zeros(3, 4);
    expect(() => assertShape(m, 4, 3, 'W1')).toThrow('W1: expected shape (4, 3), got (3, 4)');
  });
});
