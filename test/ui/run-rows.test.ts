/** Merging a refresh's runs into the runs table's rows (src-renderer/lib/run-rows.ts). */
import { describe, expect, it } from 'vitest';
import type { RunTableRow as RunRow } from '../../src-api/run-columns';
import { RowIndex, mergeRows } from '../../src-renderer/lib/run-rows';

const row = (id: string, createdAt: number, extra: Partial<RunRow> = {}) => ({ id, createdAt, deleted: false, name: id, ...extra }) as RunRow;

describe('mergeRows', () => {
  const rows = [row('c', 30), row('b', 20), row('a', 10)];

  it('replaces changed runs in place, keeping the index valid', () => {
    const index = new RowIndex();
    const { rows: next, samePlaces } = mergeRows(rows, [row('b', 20, { name: 'renamed' })], index);
    expect(next.map((r) => r.name)).toEqual(['c', 'renamed', 'a']);
    expect(samePlaces).toBe(true);
    expect(rows[1].name).toBe('b');
    index.carry(rows, next);
    expect(index.indexOf(next, 'a')).toBe(2);
  });

  it('puts new runs first, newest first, and takes deleted ones out', () => {
    const index = new RowIndex();
    const { rows: next, samePlaces } = mergeRows(rows, [row('d', 40), row('e', 50), row('a', 10, { deleted: true }), row('e', 50), row('gone', 5, { deleted: true })], index);
    expect(next.map((r) => r.id)).toEqual(['e', 'd', 'c', 'b']);
    expect(samePlaces).toBe(false);
    // A rows array it has not seen is indexed afresh.
    expect(index.indexOf(next, 'b')).toBe(3);
    expect(index.indexOf(next, 'a')).toBe(-1);
  });

  it('merges changes among 10,000 rows one after another, the index carried over', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => row(`r${i}`, 10_000 - i));
    const index = new RowIndex();
    let current = many;
    for (let k = 0; k < 50; k++) {
      const { rows: next, samePlaces } = mergeRows(current, [row(`r${k * 7}`, 10_000 - k * 7, { name: `v${k}` })], index);
      if (samePlaces) index.carry(current, next);
      current = next;
    }
    expect(current[49 * 7].name).toBe('v49');
    expect(current).toHaveLength(10_000);
  });
});
