import { constants } from 'node:fs';
import { systemClock, type Clock } from '../core/clock.js';
import { NodupeError } from '../core/errors.js';
import { displayPath, fromBytes, joinName, nameOf, parentOf, toBytes, type FsPath } from '../model/paths.js';
import { replaceWhole } from './durable.js';
import { describeErrno, errnoOf, lstatIfPresent, type FileOps, type Stat } from './file-ops.js';

/**
 * Where writing an output file (`-o FILE`) goes, found by {@link resolveOutput}:
 * - `replace`: a regular file, or nothing yet: replaced whole (or made), keeping the mode of the file it
 *   replaces; `path` is where a symbolic link led, in its own folder;
 * - `through`: a character device or a FIFO (`device`: what must still be there when it is opened), or a
 *   descriptor (`/dev/stdout`, `/proc/self/fd/N`; no `device`): written through, never replaced;
 * - `refused`: anything else (a folder, a block device, a socket, a link that leads nowhere), with the reason.
 */
export type OutputTarget =
  | { kind: 'replace'; path: FsPath; existing: Stat | undefined }
  | { kind: 'through'; path: FsPath; device: Stat | undefined }
  | { kind: 'refused'; reason: string };

/** As many links as the kernel follows before it says ELOOP. */
const MAX_LINKS = 40;
/** The folders whose entries are descriptors, not names: /proc/<pid>/fd, /proc/<pid>/task/<tid>/fd. */
const DESCRIPTOR_FOLDER = /^\/proc\/[0-9]+(?:\/task\/[0-9]+)?\/fd$/;
const STICKY = 0o1000;

/**
 * What writing `path` would act on. A symbolic link is followed to what it leads to, as the kernel would (and
 * not, as the kernel would not with protected symlinks, when it is another user's, in a sticky folder open to
 * all, whose owner it is not); a link that leads nowhere is refused, as cp refuses it. Creates nothing.
 */
export function resolveOutput(ops: FileOps, path: string): OutputTarget {
  const refused = (at: FsPath, what: string): OutputTarget => ({
    kind: 'refused',
    reason: at === path ? what : `leads to ${displayPath(at)}, which ${what}`,
  });
  let at: FsPath = path;
  for (let links = 0; ; links++) {
    let stat: Stat | undefined;
    try {
      stat = lstatIfPresent(ops, at);
    } catch (error) {
      return { kind: 'refused', reason: describeErrno(error) };
    }
    if (stat === undefined) {
      if (at !== path) return refused(at, 'does not exist (name the file itself to make it)');
      const folder = parentOf(path);
      try {
        if (ops.stat(folder).isDirectory()) return { kind: 'replace', path, existing: undefined };
        return refused(path, `cannot be made: ${displayPath(folder)} is not a folder`);
      } catch (error) {
        if (errnoOf(error) === 'ENOENT')
          return refused(path, `its folder ${displayPath(folder)} does not exist`);
        return { kind: 'refused', reason: describeErrno(error) };
      }
    }
    if (stat.isFile()) return { kind: 'replace', path: at, existing: stat };
    if (stat.isCharacterDevice() || stat.isFIFO()) return { kind: 'through', path: at, device: stat };
    if (stat.isDirectory()) return refused(at, 'is a folder; name a file');
    if (stat.isBlockDevice()) return refused(at, 'is a block device: nodupe does not write over a disk');
    if (!stat.isSymbolicLink()) return refused(at, 'is a socket: nothing can be written to it by name');
    if (links === MAX_LINKS) return refused(path, 'leads through too many symbolic links');
    let next: FsPath;
    try {
      const folder = ops.realpath(parentOf(at));
      if (DESCRIPTOR_FOLDER.test(folder.toString('latin1'))) {
        return { kind: 'through', path: at, device: undefined };
      }
      const folderStat = ops.stat(folder);
      if (!followable(stat, folderStat)) {
        return refused(at, "is another user's symbolic link in a folder open to all: it is not followed");
      }
      next = nextPath(ops, folder, ops.readlink(at));
    } catch (error) {
      return { kind: 'refused', reason: describeErrno(error) };
    }
    at = next;
  }
}

/** The kernel's rule for protected symlinks (fs.protected_symlinks): follow unless the link could be a trap. */
function followable(link: Stat, folder: Stat): boolean {
  const openToAll = (Number(folder.mode) & STICKY) !== 0 && (Number(folder.mode) & 0o002) !== 0;
  const uid = BigInt(process.geteuid?.() ?? 0);
  return !openToAll || link.uid === uid || link.uid === folder.uid;
}

/**
 * Where link text `target` leads from the (real) folder of the link: its folder made real when it exists, so
 * that `..` and linked folders are resolved as the kernel resolves them, and messages show plain paths.
 */
function nextPath(ops: FileOps, folder: FsPath, target: FsPath): FsPath {
  const bytes = toBytes(target);
  const joined = bytes[0] === 0x2f ? bytes : toBytes(joinName(folder, bytes));
  try {
    return fromBytes(toBytes(joinName(ops.realpath(parentOf(joined)), nameOf(joined))));
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
    return fromBytes(joined);
  }
}

/**
 * Why `path` cannot be written as an output file, or undefined when it can: asked before a command does its
 * work, so that a wrong `-o` is refused at once (the write itself may still fail later, a full disk say).
 * Beside {@link resolveOutput}'s refusals: a folder this user cannot make files in, a file it may not write,
 * another user's file in a sticky folder (only its owner, the folder's, or root may replace it).
 */
export function outputProblem(ops: FileOps, path: string): string | undefined {
  const target = resolveOutput(ops, path);
  const shown = (what: string): string =>
    target.kind !== 'refused' && target.path !== path
      ? `leads to ${displayPath(target.path)}, which ${what}`
      : what;
  try {
    switch (target.kind) {
      case 'refused':
        return target.reason;
      case 'through':
        ops.access(target.path, constants.W_OK);
        return undefined;
      case 'replace': {
        const folder = parentOf(target.path);
        try {
          ops.access(folder, constants.W_OK | constants.X_OK);
        } catch (error) {
          return `cannot make files in ${displayPath(folder)}: ${describeErrno(error)}`;
        }
        if (target.existing === undefined) return undefined;
        if (anotherUsersInStickyFolder(ops, target.existing, folder)) return shown(STICKY_REASON);
        ops.access(target.path, constants.W_OK);
        return undefined;
      }
    }
  } catch (error) {
    if (errnoOf(error) === undefined) throw error;
    return shown(`cannot be written: ${describeErrno(error)}`);
  }
}

const STICKY_REASON =
  "belongs to another user, in a sticky folder: only its owner, the folder's or root may replace it";

/** Whether `file` is another user's in a sticky `folder` not this user's, where only root may replace it. */
function anotherUsersInStickyFolder(ops: FileOps, file: Stat, folder: FsPath): boolean {
  const uid = process.geteuid?.();
  if (uid === undefined || uid === 0) return false;
  const folderStat = ops.stat(folder);
  return (
    (Number(folderStat.mode) & STICKY) !== 0 && file.uid !== BigInt(uid) && folderStat.uid !== BigInt(uid)
  );
}

/**
 * Writes `data` where `-o FILE` names, as a careful user expects of `sort -o`, cp or an editor: a regular file (or
 * a new one) is replaced whole or not at all, keeping its mode (see `replaceWhole`), in the folder of what a
 * symbolic link leads to; a character device, a FIFO or a descriptor such as /dev/stdout is written through,
 * never replaced (a FIFO nothing reads from fails at once). Returns the temporary files a killed nodupe left,
 * now removed. Throws NodupeError: BAD_INPUT for what may not be written (see {@link resolveOutput}), FAILED
 * for a failed write (EPERM, EACCES, ENOSPC, EROFS, ...); either way no temporary file stays. The message is the
 * reason only: the caller names the file.
 */
export function writeOutput(
  ops: FileOps,
  path: string,
  data: string | Uint8Array,
  clock: Clock = systemClock,
): FsPath[] {
  const target = resolveOutput(ops, path);
  if (target.kind === 'refused') throw new NodupeError('BAD_INPUT', target.reason);
  try {
    if (target.kind === 'replace') return replaceWhole(ops, target.path, data, target.existing, clock);
    writeThrough(ops, target, typeof data === 'string' ? Buffer.from(data) : Buffer.from(data));
    return [];
  } catch (error) {
    if (error instanceof NodupeError || errnoOf(error) === undefined) throw error;
    throw new NodupeError('FAILED', failure(ops, target, error), { cause: error });
  }
}

/**
 * Writes through a device, FIFO or descriptor. Opened first without blocking, so that a FIFO with no reader
 * fails at once (ENXIO) rather than wait for one for ever; then opened again through that descriptor (the very
 * same file), blocking, so that a slow reader is waited for rather than a write failing (EAGAIN). A descriptor
 * is written at its end (O_APPEND): `-o /dev/stdout >> log` adds to the log, and what this process wrote to it
 * before stays.
 */
function writeThrough(ops: FileOps, target: OutputTarget & { kind: 'through' }, bytes: Buffer): void {
  const probe = ops.open(target.path, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  try {
    const { device } = target;
    const opened = ops.fstat(probe);
    if (device !== undefined && (opened.dev !== device.dev || opened.ino !== device.ino)) {
      throw new NodupeError('FAILED', 'it was replaced while nodupe opened it; nothing was written');
    }
    const end = device === undefined ? constants.O_APPEND : constants.O_TRUNC;
    const flags = constants.O_WRONLY | constants.O_NOCTTY | end;
    const fd = ops.open(`/proc/self/fd/${probe}`, flags);
    try {
      for (let at = 0; at < bytes.length;) at += ops.write(fd, bytes.subarray(at), bytes.length - at, null);
    } finally {
      ops.close(fd);
    }
  } finally {
    ops.close(probe);
  }
}

/** The reason a write failed, with what the error code means here. */
function failure(ops: FileOps, target: OutputTarget, error: unknown): string {
  const reason = describeErrno(error);
  switch (errnoOf(error)) {
    case 'ENXIO':
      if (target.kind === 'through' && target.device === undefined)
        return 'it is a socket, which cannot be opened by name (ENXIO): without -o, or with -o -, nodupe writes to stdout';
      return "nothing reads from it (ENXIO): start the FIFO's reader first";
    case 'EPIPE':
      return 'its reader stopped reading (EPIPE)';
    case 'EPERM':
      if (
        target.kind === 'replace' &&
        target.existing !== undefined &&
        stickyFolder(ops, parentOf(target.path)) &&
        process.geteuid?.() !== Number(target.existing.uid)
      ) {
        return `${reason}: it ${STICKY_REASON}`;
      }
      return reason;
    default:
      return reason;
  }
}

function stickyFolder(ops: FileOps, folder: FsPath): boolean {
  try {
    return (Number(ops.stat(folder).mode) & STICKY) !== 0;
  } catch {
    return false;
  }
}
