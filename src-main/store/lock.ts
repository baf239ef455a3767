/**
 * The store's write lock: a file `layerlab.lock` in the store directory holding the
 * owner's pid and start token. Exactly one process may write a store; a second one gets
 * "the store DIR is in use by another Layerlab process (pid N)".
 *
 * The file is created with O_EXCL, so of two processes racing for a free store one wins.
 * A lock whose process is gone (crash, kill -9, power loss) is stale: the next process
 * moves it aside and takes the store. Readers do not take the lock (see docs/store.md).
 */
import { linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError, toStoreError } from './errors';
import { currentOwner, isOwnerAlive, type Owner } from './owner';

export const LOCK_FILE = 'layerlab.lock';

/** What the lock file records. */
export interface LockHolder extends Owner {
  hostname: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** Locks this process holds, by lock-file path, so a second open in-process is refused too. */
const held = new Map<string, string>();
let exitHookInstalled = false;

function releaseAllOnExit(): void {
  for (const [path, text] of held) removeIfOurs(path, text);
  held.clear();
}

function removeIfOurs(path: string, text: string): void {
  try {
    if (readFileSync(path, 'utf8') === text) unlinkSync(path);
  } catch {
    // Already gone, or unreadable: nothing of ours to remove.
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Reads the lock file: its text and holder (null if unparsable), or undefined if it is gone. */
export function readLock(path: string): { text: string; holder: LockHolder | null } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw toStoreError(error, path, 'reading the store lock');
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number') return { text, holder: null };
    return {
      text,
      holder: {
        pid: parsed.pid,
        token: typeof parsed.token === 'string' ? parsed.token : null,
        hostname: String(parsed.hostname ?? ''),
        since: String(parsed.since ?? ''),
      },
    };
  } catch {
    return { text, holder: null };
  }
}

/**
 * Moves a stale lock aside. If between our read and the move another process replaced it
 * with a fresh lock of its own, that lock is put back.
 */
function breakStaleLock(path: string, staleText: string): void {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it first
  }
  try {
    if (readFileSync(aside, 'utf8') !== staleText) linkSync(aside, path);
  } catch {
    // The spot was taken again already: the next attempt will see that holder.
  }
  try {
    unlinkSync(aside);
  } catch {
    // Nothing left to clean.
  }
}

export class StoreLock {
  private constructor(
    readonly path: string,
    private readonly text: string,
  ) {}

  /** Takes the write lock of the store in `dir` (which must exist), or throws StoreError 'locked'. */
  static acquire(dir: string): StoreLock {
    const path = join(dir, LOCK_FILE);
    if (held.has(path)) {
      throw new StoreError('locked', `the store ${dir} is already open in this process`, path);
    }
    const me: LockHolder = { ...currentOwner(), hostname: hostname(), since: new Date().toISOString() };
    const text = `${JSON.stringify(me)}\n`;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        writeFileSync(path, text, { flag: 'wx' });
        held.set(path, text);
        if (!exitHookInstalled) {
          process.on('exit', releaseAllOnExit);
          exitHookInstalled = true;
        }
        return new StoreLock(path, text);
      } catch (error) {
        if ((error as { code?: string }).code !== 'EEXIST') throw toStoreError(error, path, 'taking the store lock');
      }
      const existing = readLock(path);
      if (existing === undefined) continue; // released meanwhile: try again
      const { holder } = existing;
      if (holder === null) {
        // Unparsable: another process may be writing it this instant. Wait a little
        // before calling it stale.
        let age = Infinity;
        try {
          age = Date.now() - statSync(path).mtimeMs;
        } catch {
          continue;
        }
        if (age < 2000) {
          sleepSync(50);
          continue;
        }
      } else if (holder.pid !== process.pid && isOwnerAlive(holder)) {
        throw new StoreError('locked', `the store ${dir} is in use by another Layerlab process (pid ${holder.pid})`, path);
      }
      // The holder is gone (or is an earlier process that had our pid): the lock is stale.
      breakStaleLock(path, existing.text);
    }
    throw new StoreError('locked', `could not take the lock ${path}: other processes keep taking it`, path);
  }

  /** Releases the lock, if the file is still ours. Safe to call twice. */
  release(): void {
    if (held.get(this.path) !== this.text) return;
    held.delete(this.path);
    removeIfOurs(this.path, this.text);
  }
}
