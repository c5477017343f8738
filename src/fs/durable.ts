import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { errnoOf, type FileOps } from './file-ops.js';
import { parentOf, type FsPath } from '../model/paths.js';

/** fsyncs a file or a folder, so that its bytes, or the names just made in it, survive a crash. */
export function syncPath(ops: FileOps, path: FsPath): void {
  const fd = ops.open(path, constants.O_RDONLY);
  try {
    ops.fsync(fd);
  } finally {
    ops.close(fd);
  }
}

/**
 * Makes a new file at `path` whole or not at all: `fill` writes a temporary file beside it (its name given),
 * which is fsynced and then linked into place (a link never replaces anything), the folder fsynced after.
 * Returns false, leaving what is there, when `path` already exists. The temporary file (and `extra` names made
 * beside it, such as SQLite's -wal and -shm) are removed whatever happens.
 */
export function placeNew(
  ops: FileOps,
  path: string,
  fill: (temporary: string) => void,
  extra: readonly string[] = [],
): boolean {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.new`;
  try {
    fill(temporary);
    syncPath(ops, temporary);
    try {
      ops.link(temporary, path);
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') return false;
      throw error;
    }
    syncPath(ops, parentOf(path));
    return true;
  } finally {
    for (const name of [temporary, ...extra.map((suffix) => temporary + suffix)]) {
      try {
        ops.unlink(name);
      } catch {
        // Not made, or gone already.
      }
    }
  }
}
