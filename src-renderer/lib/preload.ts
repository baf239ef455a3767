/**
 * Answers that `layerlab ui` puts in the page's HTML (src-main/ui-server/server.ts): the runs
 * view's first page, so that a browser tab shows runs without waiting for its WebSocket.
 * Free of DOM types (the root typecheck compiles its test without them).
 */
import type { MethodName, Result } from '../../src-api';
import { PRELOAD_ELEMENT, type Preloaded } from '../../src-api/run-columns';
import { LIGHT_RESULTS } from './messages';
import { describeIssue } from './shape';

interface PageLike {
  getElementById(id: string): { textContent: string | null; remove(): void } | null;
}

/**
 * The answer to `method` with `params` in the page's data block, checked like any answer;
 * once only, and null when there is none, it is for other parameters, or it does not fit
 * (then the caller asks instead).
 */
export function preloaded<M extends MethodName>(method: M, params: object): Result<M> | null {
  const page = (globalThis as { document?: PageLike }).document;
  const element = page?.getElementById(PRELOAD_ELEMENT) ?? null;
  if (!element) return null;
  element.remove();
  try {
    const data = JSON.parse(element.textContent ?? '') as Preloaded;
    if (data.method !== method || JSON.stringify(data.params) !== JSON.stringify(params)) return null;
    const issue = LIGHT_RESULTS[method]?.check(data.result);
    if (issue !== null) {
      console.warn(`ignored the page's preloaded ${method}: ${issue ? describeIssue(issue) : 'no light check'}`);
      return null;
    }
    return data.result as Result<M>;
  } catch {
    return null;
  }
}
