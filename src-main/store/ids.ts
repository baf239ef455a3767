/**
 * Run and sweep ids: short, unique, and sortable by creation time.
 * 9 base-36 digits of milliseconds since 1970 (fixed width, good until the year 5138)
 * followed by 4 random base-36 digits: `0mifx3k2aq7z1`. Within one process ids are
 * strictly increasing even when several are made in the same millisecond.
 */
import { randomInt } from 'node:crypto';

const TIME_DIGITS = 9;
const RANDOM_DIGITS = 4;
let lastTime = 0;

export function newId(now = Date.now()): string {
  const time = Math.max(now, lastTime + 1);
  lastTime = time;
  const random = randomInt(36 ** RANDOM_DIGITS).toString(36).padStart(RANDOM_DIGITS, '0');
  return time.toString(36).padStart(TIME_DIGITS, '0') + random;
}

/** The creation time encoded in an id (milliseconds since 1970), or NaN for a foreign id. */
export function idTime(id: string): number {
  return id.length === TIME_DIGITS + RANDOM_DIGITS ? parseInt(id.slice(0, TIME_DIGITS), 36) : NaN;
}
