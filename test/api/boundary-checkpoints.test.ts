/**
 * The checkpoints a boundary replay reads (src-main/api/checkpoints.ts): read once while
 * the file stays the same, read again when it is rewritten, gone when removed.
 */
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointMatrices, loadCheckpoints, removeCheckpoints, saveCheckpoints } from '../../src-main/api/checkpoints';

const dir = mkdtempSync(join(tmpdir(), 'layerlab-checkpoints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sizes = [2, 3, 1];
const at = (step: number, v: number) => ({
  step,
  W: [Float64Array.from({ length: 6 }, (_, i) => v + i / 8), Float64Array.from({ length: 3 }, (_, i) => -v - i)],
  b: [new Float64Array([v, 0.5, -0.25]), new Float64Array([v / 3])],
});

describe('checkpoints', () => {
  it('are read once while the file stays the same, and again when it is rewritten', () => {
    saveCheckpoints(dir, 'run1', sizes, [at(0, 1), at(10, 2)]);
    const first = loadCheckpoints(dir, 'run1');
    expect(first.sizes).toEqual(sizes);
    expect(first.list.map((c) => c.step)).toEqual([0, 10]);
    expect(Array.from(first.list[1].W[0])).toEqual([2, 2.125, 2.25, 2.375, 2.5, 2.625]);
    expect(first.list[1].b[1][0]).toBe(2 / 3);
    expect(loadCheckpoints(dir, 'run1')).toBe(first);
    const { W, b } = checkpointMatrices(first.sizes, first.list[0]);
    expect([W[0].rows, W[0].cols, W[1].rows, W[1].cols, b[0].rows, b[1].rows]).toEqual([3, 2, 1, 3, 3, 1]);

    saveCheckpoints(dir, 'run1', sizes, [at(0, 5)]);
    // Same size, and a modification time set back to the old one's would still be read
    // again: saving forgets what was read.
    const second = loadCheckpoints(dir, 'run1');
    expect(second).not.toBe(first);
    expect(second.list.map((c) => c.step)).toEqual([0]);
    expect(second.list[0].b[0][0]).toBe(5);

    // Changed behind our back (another process): a new modification time is read again.
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'checkpoints', 'run1.json'), later, later);
    expect(loadCheckpoints(dir, 'run1')).not.toBe(second);

    removeCheckpoints(dir, 'run1');
    expect(loadCheckpoints(dir, 'run1')).toEqual({ sizes: [], list: [] });
  });

  it('of a run without any, or with a name that is not a run id, are none', () => {
    expect(loadCheckpoints(dir, 'nothing-here')).toEqual({ sizes: [], list: [] });
    expect(loadCheckpoints(dir, '../escape')).toEqual({ sizes: [], list: [] });
  });
});
