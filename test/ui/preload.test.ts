/**
 * The runs view's first page preloaded in the HTML (src-renderer/lib/preload.ts,
 * `preloaded`): taken once, only for the same method and parameters, and only when it
 * passes the same light check as an answer over the WebSocket.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PRELOAD_ELEMENT, RUNS_FIRST_PAGE } from '../../src-api/run-columns';
import { preloaded } from '../../src-renderer/lib/preload';

const answer = {
  now: 5,
  total: 1,
  columns: {
    count: 1,
    id: ['0mwyaaaaaaaaa'],
    name: ['one'],
    notes: [''],
    shared: { values: [{ status: 'completed', sweepId: null, sweepName: null, data: 'planar', hidden: [4], activation: 'tanh', optimizer: 'gd', unit: 'iteration', deleted: false }], codes: [0] },
    numbers: Object.fromEntries(['createdAt', 'startedAt', 'durationMs', 'learning_rate', 'steps', 'train_cost', 'test_cost', 'train_accuracy', 'test_accuracy', 'step'].map((k) => [k, 'AAAAAAAA8D8='])),
    tags: { rows: [], tags: [] },
  },
};

/** A page holding `text` in the data block; records whether the block was removed. */
function page(text: string | null): { removed: boolean } {
  const state = { removed: false };
  const element = { textContent: text, remove: () => (state.removed = true) };
  (globalThis as { document?: unknown }).document = { getElementById: (id: string) => (id === PRELOAD_ELEMENT && text !== null && !state.removed ? element : null) };
  return state;
}

afterEach(() => {
  delete (globalThis as { document?: unknown }).document;
});

describe('the preloaded first page', () => {
  it('gives the answer for the same method and parameters, once', () => {
    const state = page(JSON.stringify({ method: 'runs.table', params: RUNS_FIRST_PAGE, result: answer }));
    expect(preloaded('runs.table', { offset: 0, limit: 200 })).toEqual(answer);
    expect(state.removed).toBe(true);
    expect(preloaded('runs.table', RUNS_FIRST_PAGE)).toBeNull();
  });

  it('gives nothing for other parameters, a broken or wrong-shaped block, or no block', () => {
    page(JSON.stringify({ method: 'runs.table', params: { offset: 0, limit: 50 }, result: answer }));
    expect(preloaded('runs.table', RUNS_FIRST_PAGE)).toBeNull();
    page('{"method": "runs.table", ');
    expect(preloaded('runs.table', RUNS_FIRST_PAGE)).toBeNull();
    page(JSON.stringify({ method: 'runs.table', params: RUNS_FIRST_PAGE, result: { ...answer, columns: { ...answer.columns, id: [7] } } }));
    const warn = console.warn;
    const warned: string[] = [];
    console.warn = (m: string) => warned.push(m);
    try {
      expect(preloaded('runs.table', RUNS_FIRST_PAGE)).toBeNull();
    } finally {
      console.warn = warn;
    }
    expect(warned[0]).toMatch(/ignored the page's preloaded runs.table: .*columns\.id/);
    page(null);
    expect(preloaded('runs.table', RUNS_FIRST_PAGE)).toBeNull();
  });
});
