import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src-core/matrix';
import { accuracy, classificationReport, confusionMatrix, meanSquaredError, predictedClasses, targetClasses } from '../../src-core/metrics';

describe('metrics, from hand-derived values', () => {
  it('thresholds one sigmoid output at 0.5 (strictly above is class 1)', () => {
    const A = Matrix.fromRows([[0.2, 0.5, 0.51, 0.9]]);
    const Y = Matrix.fromRows([[0, 1, 1, 0]]);
    expect(Array.from(predictedClasses(A))).toEqual([0, 0, 1, 1]);
    expect(accuracy(A, Y, 'sigmoid')).toBe(0.5);
  });

  it('takes the argmax of softmax columns', () => {
    const A = Matrix.fromRows([
      [0.7, 0.1, 0.2],
      [0.2, 0.8, 0.3],
      [0.1, 0.1, 0.5],
    ]);
    const Y = Matrix.fromRows([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expect(Array.from(predictedClasses(A))).toEqual([0, 1, 2]);
    expect(Array.from(targetClasses(Y))).toEqual([0, 2, 1]);
    expect(accuracy(A, Y, 'softmax')).toBeCloseTo(1 / 3, 15);
  });

  it('builds the confusion matrix and precision, recall, F1 per class', () => {
    // truth:     0 0 0 1 1 2
    // predicted: 0 0 1 1 2 2
    const counts = confusionMatrix(Int32Array.from([0, 0, 1, 1, 2, 2]), Int32Array.from([0, 0, 0, 1, 1, 2]), 3);
    expect(counts).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    const r = classificationReport(counts);
    // class 0: P = 2/2, R = 2/3; class 1: P = 1/2, R = 1/2; class 2: P = 1/2, R = 1/1
    expect(r.perClass.map((c) => c.precision)).toEqual([1, 0.5, 0.5]);
    expect(r.perClass.map((c) => c.recall)).toEqual([2 / 3, 0.5, 1]);
    expect(r.perClass[0].f1).toBeCloseTo(0.8, 15);
    expect(r.perClass[2].f1).toBeCloseTo(2 / 3, 15);
    expect(r.perClass.map((c) => c.support)).toEqual([3, 2, 1]);
    expect(r.macro.f1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 15);
  });

  it('gives 0, not NaN, where a class is never predicted', () => {
    const r = classificationReport(confusionMatrix(Int32Array.from([0, 0]), Int32Array.from([0, 1]), 2));
    expect(r.perClass[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it('has no accuracy for regression, and the mean squared error', () => {
    const A = Matrix.fromRows([[1, 2], [3, 4]]);
    const Y = Matrix.fromRows([[1, 0], [0, 4]]);
    expect(accuracy(A, Y, 'linear')).toBeNull();
    expect(meanSquaredError(A, Y)).toBe((0 + 4 + 9 + 0) / 4);
  });
});
