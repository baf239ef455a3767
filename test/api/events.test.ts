/**
 * The event batching of src-main/api/events.ts: what one connection receives, in order,
 * and which live boundaries it receives at all.
 */
import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src-api/schemas';
import { Subscriber } from '../../src-main/api/events';

function boundary(runId: string, step: number): ApiEvent {
  return { type: 'run.boundary', runId, boundary: { grid: 2, bounds: { x0: 0, x1: 1, y0: 0, y1: 1 }, classes: 2, probs: 'AAAAAAAAAAAAAAAAAAAAAA==', step } };
}
const status = (runId: string, s: 'running' | 'completed'): ApiEvent => ({ type: 'run.status', runId, sweepId: null, status: s, error: null });

function collect(): { sub: Subscriber; batches: ApiEvent[][] } {
  const batches: ApiEvent[][] = [];
  const sub = new Subscriber({ send: (events) => batches.push(events) }, 1_000_000);
  return { sub, batches };
}

describe('Subscriber', () => {
  it('sends boundaries only of watched runs, the newest of each in the place of the first', () => {
    const { sub, batches } = collect();
    sub.push(boundary('a', 0));
    sub.watched = new Set(['a']);
    sub.push(status('a', 'running'));
    sub.push(boundary('a', 100));
    sub.push(boundary('b', 100));
    sub.push(boundary('a', 200));
    sub.push(status('a', 'completed'));
    sub.flush();
    expect(batches).toEqual([[status('a', 'running'), boundary('a', 200), status('a', 'completed')]]);
    sub.close();
  });

  it('drops queued boundaries of a run no longer watched', () => {
    // A view watching run a closes (watch []) and reopens a moment later: the picture
    // queued before must not reach the new view after its answer for the final one.
    const { sub, batches } = collect();
    sub.watched = new Set(['a', 'b']);
    sub.push(boundary('a', 0));
    sub.push(boundary('b', 0));
    sub.push(status('a', 'completed'));
    sub.watched = new Set(['b']);
    sub.flush();
    expect(batches).toEqual([[boundary('b', 0), status('a', 'completed')]]);
    sub.close();
  });
});
