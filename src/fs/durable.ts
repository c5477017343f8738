import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../core/clock.js';
import { errnoOf, type FileOps, type Stat } from './file-ops.js';
import { joinName, nameOf, parentOf, type FsPath } from '../model/paths.js';

/** What marks a temporary file beside the file it becomes: `<name>.tmp-<pid>-<random>`. */
const TEMP_MARK = '.tmp-';
/** What follows `<name>` in such a name: the pid of the process that made it, a random part, a name SQLite adds. */
const TEMP_TAIL = /^\.tmp-([1-9][0-9]*)-[0-9a-f]{12}(?:-wal|-shm|-journal)?$/;
/** Earlier versions' names, after `<name>`: `.<pid>.tmp` (plans written with -o). */
const OLD_TAIL_WITH_PID = /^\.([1-9][0-9]*)\.tmp$/;
/** `.<random>.new` (plans, verify reports, new catalogs and their SQLite names, lock files). */
const OLD_TAIL_NEW = /^\.[0-9a-f]{12}\.new(?:-wal|-shm|-journal)?$/;
/** `.<random>`: lock files and their holder notes only, so only beside a name like theirs (OLD_LOCK_NAME). */
const OLD_TAIL_BARE = /^\.[0-9a-f]{12}$/;
const OLD_LOCK_NAME = /-lock(?:\.pid)?$/;
/**
 * An earlier version's temporary file is removed only when it was last written this long ago (no nodupe ever
 * took that long to write one), so that an older nodupe still running beside this one keeps its own.
 */
export const OLD_TEMPORARY_AGE_MS = 60 * 60 * 1000;
/**
 * A temporary file whose process seems gone is removed only when it was last written this long ago: a process
 * in another pid namespace (a container sharing the folder) is not seen, and nodupe writes each temporary file
 * in one go, in seconds.
 */
export const STALE_TEMPORARY_AGE_MS = 10 * 60 * 1000;
/** How much of an earlier version's temporary file is read to tell whether nodupe wrote it. */
const HEAD_BYTES = 512;

/**
 * A name beside `path` for a file written whole before it takes `path`'s place: `<path>.tmp-<pid>-<random>`.
 * Its shape says it is nodupe's, and its pid whether the process that made it still runs (see
 * {@link removeStaleTemporaries}).
 */
export function temporaryBeside(path: string): string;
export function temporaryBeside(path: FsPath): FsPath;
export function temporaryBeside(path: FsPath): FsPath {
  const tail = `${TEMP_MARK}${process.pid}-${randomBytes(6).toString('hex')}`;
  return typeof path === 'string' ? path + tail : Buffer.concat([path, Buffer.from(tail)]);
}

/**
 * Removes the temporary files of `path` that a nodupe killed at the wrong moment left (every other ending
 * removes its own): regular files of this user beside `path`, of the shape {@link temporaryBeside} gives (with
 * the names SQLite makes beside a database: `-wal`, `-shm`, `-journal`), whose process no longer runs (as far
 * as this process can see) and that were last written {@link STALE_TEMPORARY_AGE_MS} ago or more by `clock`'s
 * wall time. Also those of earlier versions, once older than {@link OLD_TEMPORARY_AGE_MS}, and only when they
 * hold what nodupe writes (see {@link isNodupeContent}; unlike today's names, theirs may well be a user's own
 * file's, `report.2023.tmp` say): `<name>.<pid>.tmp` (whose process no longer runs),
 * `<name>.<random>.new` (with SQLite's names), and, beside a lock file or its holder note (`…-lock`,
 * `…-lock.pid`) only, `<name>.<random>`; `<random>` is 12 lowercase hex digits. Anything else, a name in use
 * by a running process included, is left as it is, silently. Returns what it removed.
 */
export function removeStaleTemporaries(ops: FileOps, path: FsPath, clock: Clock = systemClock): FsPath[] {
  const folder = parentOf(path);
  const name = nameOf(path);
  const removed: FsPath[] = [];
  let entries;
  try {
    entries = ops.readdir(folder);
  } catch {
    return removed; // an unreadable folder: the write that follows says what is wrong
  }
  const uid = process.getuid?.();
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.subarray(0, name.length).equals(name)) continue;
    const leftover = leftoverOf(name, entry.name.subarray(name.length).toString('latin1'));
    if (leftover === undefined || (leftover.pid !== undefined && running(leftover.pid))) continue;
    const stale = joinName(folder, entry.name);
    try {
      const stat = ops.lstat(stale);
      if (uid !== undefined && stat.uid !== BigInt(uid)) continue;
      const age = clock.wallNow() - Number(stat.mtimeMs);
      if (age < (leftover.old ? OLD_TEMPORARY_AGE_MS : STALE_TEMPORARY_AGE_MS)) continue;
      if (leftover.old && !isNodupeContent(head(ops, stale, stat))) continue;
      ops.unlink(stale);
      removed.push(stale);
    } catch {
      // Gone meanwhile.
    }
  }
  return removed;
}

/** Whether `tail` (what follows `name`) makes a temporary name of `name`: whose pid, and whether of old. */
function leftoverOf(name: Buffer, tail: string): { pid: number | undefined; old: boolean } | undefined {
  const current = TEMP_TAIL.exec(tail);
  if (current) return { pid: Number(current[1]), old: false };
  const withPid = OLD_TAIL_WITH_PID.exec(tail);
  if (withPid) return { pid: Number(withPid[1]), old: true };
  const lock = OLD_LOCK_NAME.test(name.toString('latin1'));
  if (OLD_TAIL_NEW.test(tail) || (lock && OLD_TAIL_BARE.test(tail))) return { pid: undefined, old: true };
  return undefined;
}

/**
 * The first bytes of the regular file `path`, if it is still the file `stat` describes (opened without
 * following a link, without blocking); empty otherwise.
 */
function head(ops: FileOps, path: FsPath, stat: Stat): Buffer {
  const fd = ops.openRead(path);
  try {
    const opened = ops.fstat(fd);
    if (!opened.isFile() || opened.dev !== stat.dev || opened.ino !== stat.ino) return Buffer.alloc(0);
    const buffer = Buffer.alloc(HEAD_BYTES);
    return buffer.subarray(0, ops.read(fd, buffer, HEAD_BYTES, 0));
  } finally {
    ops.close(fd);
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** A write-ahead log's first four bytes (big-endian), and a rollback journal's first eight. */
const WAL_MAGIC = [0x377f0682, 0x377f0683];
const JOURNAL_MAGIC = Buffer.from('d9d505f920a163d7', 'hex');
/** The version at the start of a WAL index (`-shm`), in the machine's byte order, whose header is written twice. */
const SHM_VERSION = 3007000;
const SHM_HEADER = 48;
const CSV_HEADER = Buffer.from('group,op,path,keeper,size,hash,reason\n');
const JSON_SCHEMA = /^\{[^]*?"schema"\s*:\s*"nodupe\./;
/** A lock's holder note: pid, since when (ISO 8601) and, of later versions, when its process started. */
const HOLDER_NOTE = /^[1-9][0-9]*\n[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\n(?:[0-9]+\n)?$/;

/**
 * Whether `head`, the first bytes of a file, are what nodupe writes: a plan or a verify report (JSON that opens
 * with `{` and has `"schema": "nodupe.…` in its first bytes), a plan's CSV export (its header line), a catalog
 * or a lock file (an SQLite database, or its `-wal`, `-shm` or `-journal`), or a lock's holder note. An empty
 * file, or one cut short before its first bytes, is not: it holds nothing, and is left.
 */
function isNodupeContent(head: Buffer): boolean {
  if (head.length >= 4 && WAL_MAGIC.includes(head.readUInt32BE(0))) return true;
  if (
    head.length >= 2 * SHM_HEADER &&
    head.subarray(0, SHM_HEADER).equals(head.subarray(SHM_HEADER, 2 * SHM_HEADER))
  ) {
    if (head.readUInt32LE(0) === SHM_VERSION || head.readUInt32BE(0) === SHM_VERSION) return true;
  }
  return (
    startsWith(head, SQLITE_HEADER) ||
    startsWith(head, JOURNAL_MAGIC) ||
    startsWith(head, CSV_HEADER) ||
    JSON_SCHEMA.test(head.toString('latin1')) ||
    (head.length < HEAD_BYTES && HOLDER_NOTE.test(head.toString('latin1')))
  );
}

function startsWith(head: Buffer, prefix: Buffer): boolean {
  return head.length >= prefix.length && head.subarray(0, prefix.length).equals(prefix);
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
 * Puts `data` at `path` whole or not at all, in place of the regular file `like` there (as lstat saw it), or as a
 * new file: a temporary file beside it is written, given looks from `like` (see {@link takeLooks}), fsynced and
 * renamed over `path`, then the folder is fsynced. If anything fails, the temporary file is removed and `path`
 * is as it was. Temporary files of `path` that a killed nodupe left are removed first; returns their paths, for
 * the caller to tell. The rename replaces whatever is at `path`: what may be replaced is the caller's to decide
 * (see `writeOutput`).
 */
export function replaceWhole(
  ops: FileOps,
  path: FsPath,
  data: string | Uint8Array,
  like: Stat | undefined,
  clock: Clock = systemClock,
): FsPath[] {
  const removed = removeStaleTemporaries(ops, path, clock);
  const temporary = temporaryBeside(path);
  const bytes =
    typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.length);
  const mode = like === undefined ? 0o666 : Number(like.mode) & 0o777;
  const fd = ops.open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  let placed = false;
  try {
    if (like !== undefined) takeLooks(ops, fd, like);
    for (let at = 0; at < bytes.length;) at += ops.write(fd, bytes.subarray(at), bytes.length - at, at);
    ops.fsync(fd);
    ops.rename(temporary, path);
    placed = true;
  } finally {
    ops.close(fd);
    if (!placed) removeTemporary(ops, temporary);
  }
  syncPath(ops, parentOf(path));
  return removed;
}

/**
 * Gives an open new file the looks of the file it replaces. The new file is always this user's, root's
 * included: another owner could change what this user wrote (a plan root applies next) or read it. Of this
 * user's own file, it takes the mode, and the group where this user may give it (a member of it, or root; an id
 * outside a user namespace is left as it is; a change of group clears setuid and setgid bits, set again after
 * it). Of another user's file (one in a folder this user may write, or, as root, the owner's of a sticky
 * folder), it takes the permission bits less write for group and others, and keeps this user's group.
 */
function takeLooks(ops: FileOps, fd: number, like: Stat): void {
  if (like.uid !== BigInt(process.geteuid?.() ?? 0)) {
    ops.fchmod(fd, Number(like.mode) & 0o755);
    return;
  }
  const mode = Number(like.mode) & 0o7777;
  ops.fchmod(fd, mode);
  if (ops.fstat(fd).gid === like.gid) return;
  try {
    ops.fchown(fd, -1, Number(like.gid));
  } catch (error) {
    const code = errnoOf(error);
    if (code !== 'EPERM' && code !== 'EINVAL') throw error;
    return;
  }
  if ((mode & 0o6000) !== 0) ops.fchmod(fd, mode);
}

/** Removes a temporary file that did not take its place. */
function removeTemporary(ops: FileOps, temporary: FsPath): void {
  try {
    ops.unlink(temporary);
  } catch {
    // Nothing more can be done; the next write of `path` removes it.
  }
}
