import { constants } from 'node:fs';
import { systemClock, type Clock } from '../core/clock.js';
import { NodupeError } from '../core/errors.js';
import { displayPath, joinName, nameOf, parentOf, toBytes, type FsPath } from '../model/paths.js';
import { replaceWhole } from './durable.js';
import { describeErrno, errnoOf, type FileOps, type Stat } from './file-ops.js';
import { resolveOutput, type OutputTarget } from './output-path.js';
import { STICKY } from './trust.js';

/**
 * nodupe's own places, by their real paths: an output is never written there. `files`: the catalog's file and
 * its SQLite companions (-wal, -shm, -journal); `folders`: nodupe's data folder and the quarantine folders.
 */
export interface OwnPlaces {
  files: readonly string[];
  folders: readonly string[];
}

/** How an output is written: `own`, the places it may not be (none when left out); `follow` false, see {@link resolveOutput}. */
export interface OutputRules {
  own?: OwnPlaces;
  follow?: boolean;
}

/**
 * Why `path` cannot be written as an output file, or undefined when it can: asked before a command does its
 * work, so that a wrong `-o` is refused at once (the write itself may still fail later, a full disk say).
 * Beside {@link resolveOutput}'s refusals: one of nodupe's own places, a folder this user cannot make files in,
 * a file it may not write.
 */
export function outputProblem(ops: FileOps, path: string, rules: OutputRules = {}): string | undefined {
  const target = resolveOutput(ops, path, rules.follow);
  const shown = (what: string): string =>
    target.kind !== 'refused' && !toBytes(target.path).equals(toBytes(path))
      ? `leads to ${displayPath(target.path)}, which ${what}`
      : what;
  const own = target.kind === 'refused' ? undefined : ownProblem(target.path, rules.own);
  if (own !== undefined) return shown(own);
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
        if (target.existing !== undefined) ops.access(target.path, constants.W_OK);
        return undefined;
      }
    }
  } catch (error) {
    if (errnoOf(error) === undefined) throw error;
    return shown(`cannot be written: ${describeErrno(error)}`);
  }
}

/**
 * Writes `data` where `-o FILE` names (see {@link resolveOutput}): a regular file (or a new one) is replaced
 * whole or not at all, in the folder of what a symbolic link leads to (see `replaceWhole` for the new file's
 * owner and mode); a character device or a FIFO is written through, never replaced (a FIFO nothing reads from
 * fails at once). A descriptor path (/dev/stdout, /proc/self/fd/N) is refused, as every link in /proc is. The
 * folder is held open from the moment it is checked to be the one resolved, and the file reached through it, so
 * that a folder swapped meanwhile for another (or for a link) is never written into. Returns the temporary
 * files a killed nodupe left, now removed. Throws NodupeError: BAD_INPUT for what may not be written, FAILED for
 * a failed write (EPERM, EACCES, ENOSPC, EROFS, ...); either way no temporary file stays. The message is the
 * reason only: the caller names the file.
 */
export function writeOutput(
  ops: FileOps,
  path: string,
  data: string | Uint8Array,
  clock: Clock = systemClock,
  rules: OutputRules = {},
): FsPath[] {
  const target = resolveOutput(ops, path, rules.follow);
  if (target.kind === 'refused') throw new NodupeError('BAD_INPUT', target.reason);
  const own = ownProblem(target.path, rules.own);
  if (own !== undefined) {
    const shown = toBytes(target.path).equals(toBytes(path))
      ? own
      : `leads to ${displayPath(target.path)}, which ${own}`;
    throw new NodupeError('BAD_INPUT', shown);
  }
  const bytes = Buffer.from(data);
  try {
    const folder = parentOf(target.path);
    return inHeldFolder(ops, folder, target.folder, (held) => {
      const file = joinName(held, nameOf(target.path));
      if (target.kind === 'through') {
        writeThrough(ops, file, target.device, bytes);
        return [];
      }
      const removed = replaceWhole(ops, file, bytes, target.existing, clock);
      return removed.map((left) => joinName(folder, nameOf(left)));
    });
  } catch (error) {
    if (error instanceof NodupeError || errnoOf(error) === undefined) throw error;
    throw new NodupeError('FAILED', failure(target, error), { cause: error });
  }
}

/**
 * Why the real path `path` is one of nodupe's own places (see {@link OwnPlaces}), or undefined. Read as bytes:
 * a folder holds what is below it.
 */
function ownProblem(path: FsPath, own: OwnPlaces = { files: [], folders: [] }): string | undefined {
  const bytes = toBytes(path);
  for (const file of own.files) {
    if (bytes.equals(toBytes(file))) return "is nodupe's catalog (or one of its files): name another file";
  }
  for (const folder of own.folders) {
    const f = toBytes(folder);
    if (bytes.length > f.length && bytes.subarray(0, f.length).equals(f) && bytes[f.length] === 0x2f) {
      return `is in ${displayPath(folder)}, nodupe's own folder (its data or a quarantine): name a file elsewhere`;
    }
  }
  return undefined;
}

/**
 * Runs `act` with a path to `folder` held open (`/proc/self/fd/N`), once the folder open is the very one
 * `expected` describes: not a link (O_NOFOLLOW), same device and inode.
 */
function inHeldFolder<T>(ops: FileOps, folder: FsPath, expected: Stat, act: (held: string) => T): T {
  const changed = () =>
    new NodupeError(
      'FAILED',
      `its folder ${displayPath(folder)} was replaced while nodupe opened it; nothing was written`,
    );
  let fd;
  try {
    fd = ops.open(folder, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    if (errnoOf(error) === 'ELOOP' || errnoOf(error) === 'ENOTDIR') throw changed();
    throw error;
  }
  try {
    const held = ops.fstat(fd);
    if (held.dev !== expected.dev || held.ino !== expected.ino) throw changed();
    return act(`/proc/self/fd/${fd}`);
  } finally {
    ops.close(fd);
  }
}

/**
 * Writes through a device or FIFO. Opened first without blocking, so that a FIFO with no reader fails at once
 * (ENXIO) rather than wait for one for ever, and without following a symbolic link, so that a name swapped for
 * a link since it was looked at opens nothing (ELOOP); then checked to be `device`, and opened again through
 * that descriptor (the very same file, just opened here), blocking, so that a slow reader is waited for rather
 * than a write failing (EAGAIN).
 */
function writeThrough(ops: FileOps, path: FsPath, device: Stat, bytes: Buffer): void {
  const probe = ops.open(
    path,
    constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK | constants.O_NOFOLLOW,
  );
  try {
    const opened = ops.fstat(probe);
    if (opened.dev !== device.dev || opened.ino !== device.ino) {
      throw new NodupeError('FAILED', 'it was replaced while nodupe opened it; nothing was written');
    }
    const fd = ops.open(
      `/proc/self/fd/${probe}`,
      constants.O_WRONLY | constants.O_NOCTTY | constants.O_TRUNC,
    );
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
function failure(target: OutputTarget, error: unknown): string {
  const reason = describeErrno(error);
  switch (errnoOf(error)) {
    case 'ENXIO': // a FIFO without a reader; a device without its hardware or driver
      if (target.kind === 'through' && target.device.isFIFO())
        return "nothing reads from it (ENXIO): start the FIFO's reader first";
      return reason;
    case 'EPIPE':
      return 'its reader stopped reading (EPIPE)';
    case 'ELOOP':
      if (target.kind === 'through')
        return 'it was replaced by a symbolic link while nodupe opened it; nothing was written (ELOOP)';
      return reason;
    case 'EPERM':
      if (
        target.kind === 'replace' &&
        target.existing !== undefined &&
        (Number(target.folder.mode) & STICKY) !== 0 &&
        process.geteuid?.() !== Number(target.existing.uid)
      ) {
        return `${reason}: it belongs to another user, in a sticky folder: only its owner, the folder's or root may replace it`;
      }
      return reason;
    default:
      return reason;
  }
}
