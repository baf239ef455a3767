/**
 * The runs table's rows as plain data (no runes, so tested alone in test/ui/run-rows.test.ts):
 * merging the runs a refresh brings into the rows, in work proportional to the changes.
 */
import type { RunTableRow as RunRow } from '../../src-api/run-columns';

/** Positions of runs by id, rebuilt only for a rows array it has not seen. */
export class RowIndex {
  private index = new Map<string, number>();
  private of: readonly RunRow[] | null = null;

  indexOf(rows: readonly RunRow[], id: string): number {
    if (this.of !== rows) {
      this.index = new Map();
      rows.forEach((r, i) => this.index.set(r.id, i));
      this.of = rows;
    }
    return this.index.get(id) ?? -1;
  }

  /** `next` holds every run of `rows` at the same position: the index carries over. */
  carry(rows: readonly RunRow[], next: readonly RunRow[]): void {
    if (this.of === rows) this.of = next;
  }
}

/**
 * The rows with changed runs merged: each changed one in its place, new ones first (newest
 * first), deleted ones out. `samePlaces` says no run moved.
 */
export function mergeRows(rows: readonly RunRow[], runs: readonly RunRow[], index: RowIndex): { rows: RunRow[]; samePlaces: boolean } {
  const next: (RunRow | null)[] = rows.slice();
  const added: RunRow[] = [];
  let removed = false;
  for (const r of runs) {
    const i = index.indexOf(rows, r.id);
    if (i < 0) {
      if (!r.deleted && !added.some((a) => a.id === r.id)) added.push(r);
    } else if (r.deleted) {
      next[i] = null;
      removed = true;
    } else {
      next[i] = r;
    }
  }
  const kept = (removed ? next.filter((r) => r !== null) : next) as RunRow[];
  added.sort((x, y) => y.createdAt - x.createdAt);
  return { rows: added.length ? added.concat(kept) : kept, samePlaces: added.length === 0 && !removed };
}
