import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { errnoOf, type FileOps } from './file-ops.js';
import { joinName, nameOf, parentOf, type FsPath } from '../model/paths.js';

/** What marks a temporary file beside the file it becomes: `<name>.tmp-<pid>-<random>`. */
const TEMP_MARK = '.tmp-';
/** The rest of such a name: the pid of the process that made it, a random part, and a name SQLite adds. */
const TEMP_TAIL = /^([1-9][0-9]*)-[0-9a-f]{12}(?:-wal|-shm|-journal)?$/;

/**
 * A name beside `path` for a file written whole before it takes `path`'s place: `<path>.tmp-<pid>-<random>`.
 * Its shape says it is nodupe's, and its pid whether the process that made it still runs (see
 * {@link removeStaleTemporaries}).
 */
export function temporaryBeside(path: string): string {
  return `${path}${TEMP_MARK}${process.pid}-${randomBytes(6).toString('hex')}`;
}

/**
 * Removes the temporary files of `path` that a nodupe killed at the wrong moment left (every other ending
 * removes its own): names of the shape {@link temporaryBeside} gives, with the names SQLite makes beside a
 * database (`-wal`, `-shm`, `-journal`), that are regular files of this user and whose process no longer
 * runs. Anything else, a name in use by a running process included, is left as it is. Returns what it removed.
 */
export function removeStaleTemporaries(ops: FileOps, path: string): string[] {
  const folder = parentOf(path);
  const prefix = `${nameOf(path).toString()}${TEMP_MARK}`;
  const removed: string[] = [];
  let entries;
  try {
    entries = ops.readdir(folder);
  } catch {
    return removed; // an unreadable folder: the write that follows says what is wrong
  }
  const uid = process.getuid?.();
  for (const entry of entries) {
    const name = entry.name.toString();
    if (!entry.isFile() || !name.startsWith(prefix)) continue;
    const pid = TEMP_TAIL.exec(name.slice(prefix.length))?.[1];
    if (pid === undefined || running(Number(pid))) continue;
    const stale = joinName(folder, entry.name) as string;
    try {
      if (uid !== undefined && ops.lstat(stale).uid !== BigInt(uid)) continue;
      ops.unlink(stale);
      removed.push(stale);
    } catch {
      // Gone meanwhile.
    }
  }
  return removed;
}

/** Whether process `pid` runs (or might: one of another user's is there too). This process's own counts. */
function running(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) !== 'ESRCH';
  }
}

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
 * beside it, such as SQLite's -wal and -shm) are removed whatever happens; those a killed nodupe left are
 * removed first.
 */
export function placeNew(
  ops: FileOps,
  path: string,
  fill: (temporary: string) => void,
  extra: readonly string[] = [],
): boolean {
  removeStaleTemporaries(ops, path);
  const temporary = temporaryBeside(path);
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

/**
 * Puts `data` at `path` whole or not at all, in place of what is there: a temporary file beside it is written,
 * fsynced and renamed over `path`, then the folder is fsynced. If anything fails, the temporary file is
 * removed and `path` is as it was. Temporary files of `path` that a killed nodupe left are removed first;
 * returns their paths, for the caller to tell.
 */
export function replaceWhole(ops: FileOps, path: string, data: string | Uint8Array): string[] {
  const removed = removeStaleTemporaries(ops, path);
  const temporary = temporaryBeside(path);
  const bytes =
    typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.length);
  let made = false;
  try {
    const fd = ops.open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o666);
    made = true;
    try {
      for (let at = 0; at < bytes.length;) at += ops.write(fd, bytes.subarray(at), bytes.length - at, at);
      ops.fsync(fd);
    } finally {
      ops.close(fd);
    }
    ops.rename(temporary, path);
    made = false;
  } finally {
    if (made) {
      try {
        ops.unlink(temporary);
      } catch {
        // Nothing more can be done; the next write of `path` removes it.
      }
    }
  }
  syncPath(ops, parentOf(path));
  return removed;
}
