/**
 * NumPy's .npz format: a zip archive of .npy files, one per array, named
 * "<key>.npy". np.savez stores them, np.savez_compressed deflates them; both
 * read here through fflate.
 */

import { unzipSync, zipSync, type UnzipFileInfo, type Zippable } from 'fflate';
import { ImportError, type NdArray } from './ndarray.js';
import { readNpy, writeNpy } from './npy.js';

/** Deflate cannot expand data more than ~1032:1; a member claiming more is corrupt. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * The arrays of an .npz file, by key (the member name without ".npy"), in the
 * archive's order. A member that is not a .npy file is an error.
 */
export function readNpz(bytes: Uint8Array, name = 'the .npz data'): Map<string, NdArray> {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new ImportError(
      bytes.length === 0 ? `${name}: the file is empty` : `${name}: not an .npz file (not a zip archive)`,
    );
  }
  const members: UnzipFileInfo[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      // Runs before each member is inflated, into a buffer of the size the archive
      // claims: refuse impossible claims before that allocation.
      filter: (f) => {
        members.push(f);
        const limit = f.compression === 0 ? f.size : f.size * MAX_DEFLATE_RATIO + 1024;
        if (f.originalSize > limit) {
          throw new ImportError(
            `${name}: member '${f.name}' claims ${f.originalSize} bytes from ${f.size}; the archive is corrupt`,
          );
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof ImportError) throw e;
    const bad = members.find((f) => f.compression !== 0 && f.compression !== 8);
    if (bad) {
      throw new ImportError(
        `${name}: member '${bad.name}' uses zip compression method ${bad.compression}; .npz files are stored or deflated`,
      );
    }
    throw new ImportError(`${name}: not a readable zip archive: ${(e as Error).message}`);
  }
  const out = new Map<string, NdArray>();
  for (const [member, data] of Object.entries(files)) {
    if (member.endsWith('/')) continue; // a directory entry
    if (!member.endsWith('.npy')) {
      throw new ImportError(
        `${name}: member '${member}' is not a .npy file; an .npz archive holds only .npy files, so this zip is not an .npz`,
      );
    }
    out.set(member.slice(0, -4), readNpy(data, `${name}: ${member}`));
  }
  if (out.size === 0) throw new ImportError(`${name}: the archive holds no arrays`);
  return out;
}

/**
 * An .npz archive of the arrays, each as "<key>.npy". Stored (as np.savez does)
 * unless compress is true (as np.savez_compressed). Timestamps are fixed so that
 * the same arrays give the same bytes.
 */
export function writeNpz(arrays: Record<string, NdArray>, opts: { compress?: boolean } = {}): Uint8Array {
  const level = opts.compress ? 6 : 0;
  const entries: Zippable = {};
  for (const [key, a] of Object.entries(arrays)) {
    entries[`${key}.npy`] = [writeNpy(a), { level }];
  }
  return zipSync(entries, { mtime: new Date(1980, 0, 1, 12) });
}
