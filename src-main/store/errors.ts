/**
 * The one error type the store throws for things a user can act on. `code` lets callers
 * branch (the CLI maps every StoreError to a plain message); `file` names the file at fault.
 */
export type StoreErrorCode =
  | 'locked' // another live Layerlab process holds the store's write lock
  | 'missing' // read-only open of a store that does not exist yet
  | 'foreign' // the database file is not a Layerlab store (not SQLite, or another app's)
  | 'corrupt' // SQLite reports the file damaged
  | 'newer-schema' // written by a newer Layerlab
  | 'needs-migration' // read-only open of a store that an older Layerlab wrote
  | 'not-found' // no run / sweep with that id
  | 'ambiguous' // an id prefix matches more than one run
  | 'invalid-transition' // e.g. completed -> running
  | 'invalid-argument' // bad name, tag, step, JSON text…
  | 'full' // the disk (or the database's size limit) is full
  | 'io' // any other failure to read or write the store's files
  | 'read-only' // a write through a store opened read-only
  | 'closed'; // the store was used after close()

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** SQLite's result codes for a file that is damaged or not a database at all. */
const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);
/** Result codes (SQLite's and the OS's) that mean "no room left". */
const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * Turns a low-level error from SQLite or the file system into a StoreError naming `file`.
 * StoreErrors pass through unchanged; errors of unknown kind are wrapped as 'io'.
 */
export function toStoreError(error: unknown, file: string, doing: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (FULL_CODES.has(code) || code.startsWith('SQLITE_FULL')) {
    return new StoreError('full', `${file}: the disk is full while ${doing} (${detail})`, file, { cause: error });
  }
  if (CORRUPT_CODES.has(code) || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(
      'corrupt',
      `${file} is damaged (${detail}) while ${doing}; Layerlab will not modify it. ` +
        `Move it aside to start a new store, or restore it from a backup.`,
      file,
      { cause: error },
    );
  }
  return new StoreError('io', `${file}: ${detail} while ${doing}`, file, { cause: error });
}
