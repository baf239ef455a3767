/** Checks on what callers hand the store, each failing with a StoreError that says what is wrong. */
import { StoreError } from './errors';

export const METRIC_KEY = /^[A-Za-z][A-Za-z0-9_.:/-]{0,99}$/;
export const WEIGHTS_FORMAT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;

export function invalid(message: string): StoreError {
  return new StoreError('invalid-argument', message);
}

/** `text` itself, if it parses as JSON. */
export function checkJson(text: string, what: string): string {
  parseJson(text, what);
  return text;
}

/** The value of JSON `text`; an invalid-argument StoreError naming `what` if it is not JSON. */
export function parseJson(text: string, what: string): unknown {
  if (typeof text !== 'string') throw invalid(`${what} must be JSON text, not ${typeof text}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalid(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A name trimmed: one line of 1 to `max` characters without control characters. */
export function checkName(name: string, what = 'a run name', max = 200): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed === '') throw invalid(`${what} must not be empty`);
  if (trimmed.length > max) throw invalid(`${what} must be at most ${max} characters`);
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw invalid(`${what} must be one line without control characters`);
  return trimmed;
}

export function checkTag(tag: string): string {
  return checkName(tag, 'a tag', 100);
}

export function checkPoint(runId: string, p: { step: number; key: string; value: number }): void {
  if (!Number.isSafeInteger(p.step) || p.step < 0) throw invalid(`run ${runId}: step ${p.step} is not a whole number ≥ 0`);
  if (typeof p.key !== 'string' || !METRIC_KEY.test(p.key)) {
    throw invalid(`run ${runId}: '${p.key}' is not a metric key (a letter, then letters, digits or _ . : / -)`);
  }
  if (typeof p.value !== 'number') throw invalid(`run ${runId}: the value of '${p.key}' at step ${p.step} is not a number`);
}
