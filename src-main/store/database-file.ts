/**
 * Judges a database file from its first 100 bytes (the SQLite header) without opening it,
 * so that a file that is not a Layerlab store is never handed to SQLite and never touched.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StoreError, toStoreError } from './errors';
import { APPLICATION_ID } from './schema';

const SQLITE_MAGIC = 'SQLite format 3\0';
const LEAVE_IT = 'Layerlab leaves it as it is; move it away or choose another store with --store.';

/**
 * 'missing' or 'empty' (a new store may be made there), or 'ours' (a Layerlab store, by
 * its application id). Anything else throws StoreError 'foreign' naming the file.
 */
export function inspectDatabaseFile(file: string): 'missing' | 'empty' | 'ours' {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return 'missing';
    throw toStoreError(error, file, 'opening the store');
  }
  try {
    const header = Buffer.alloc(100);
    const length = readSync(fd, header, 0, 100, 0);
    if (length === 0) return 'empty';
    if (length < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
      throw new StoreError('foreign', `${file} is not a Layerlab store: it is not a SQLite database. ${LEAVE_IT}`, file);
    }
    const applicationId = header.readUInt32BE(68);
    if (applicationId !== APPLICATION_ID) {
      throw new StoreError(
        'foreign',
        `${file} is not a Layerlab store: it is the SQLite database of another application ` +
          `(application_id 0x${applicationId.toString(16).padStart(8, '0')}). ${LEAVE_IT}`,
        file,
      );
    }
    return 'ours';
  } finally {
    closeSync(fd);
  }
}
