import { constants } from 'node:fs';
import {
  describeErrno,
  lstatIfPresent,
  type FileOps,
  type Stat,
  renameNoReplace,
} from '../../fs/file-ops.js';
import { displayPath, toBytes, type FsPath } from '../../model/paths.js';
import type { Act, CrashState, DestroyingKind, Reversal } from './kind.js';
import {
  actionTag,
  asideOfTemp,
  besideNames,
  changedError,
  isOriginal,
  isStat,
  look,
  removeQuietly,
  type EntryView,
} from './shared.js';

type LinkOp = 'hardlink' | 'symlink' | 'reflink';

interface Replacement {
  op: LinkOp;
  /** Makes the replacement under the temporary name (never over anything there). */
  make(act: Act): void;
  /** After the keeper is proven, before the replacement goes in: gives it what it must carry (reflink). */
  finish?(act: Act): void;
  /** Whether `st` at the file's path is the replacement this action makes. */
  holds(ops: FileOps, entry: EntryView, st: Stat): boolean;
}

/**
 * The actions that put something else in the file's place (hard link, symlink, reflink). Before the compare,
 * the replacement is made under a temporary name beside the file and the file is set aside; after it, the
 * keeper is proven (the replacement carries the bytes compared), the replacement renamed into the emptied path
 * (never over anything that appeared there), and only then the set-aside file removed. A crash anywhere is put
 * right by `stateAfterCrash`.
 */
function replacingKind(r: Replacement): DestroyingKind {
  const discard = (ops: FileOps, entry: EntryView) => removeQuietly(ops, entry.target!);
  const kind: DestroyingKind = {
    op: r.op,
    destroys: true,
    sharesKeeper: r.op !== 'reflink',
    proof: r.op === 'reflink' ? 'replacement' : 'keeper',
    linksKeeper: r.op === 'hardlink',
    removesPath: false,
    target: (path, place) => besideNames(path, actionTag(place.catalogId, place.runId, place.seq)).temp,
    asideOf: (entry) => asideOfTemp(entry.target!),
    prepare: (act) => r.make(act),
    replace(act) {
      r.finish?.(act);
      renameNoReplace(act.ops, act.entry.target, act.entry.path);
    },
    discard,
    stateAfterCrash(ops, entry): CrashState {
      try {
        const aside = asideOfTemp(entry.target!);
        const atPath = look(ops, entry.path);
        const setAsideFile = look(ops, aside);
        const ours = isStat(atPath) && r.holds(ops, entry, atPath);
        if (isOriginal(setAsideFile, entry.expect)) {
          if (isOriginal(atPath, entry.expect)) ops.unlink(aside);
          else if (atPath === 'missing') renameNoReplace(ops, aside, entry.path);
          else if (ours && (r.op !== 'reflink' || sameBytes(ops, entry.path, aside))) {
            // The replacement was in place and the file not yet let go of: the file goes back. A link is only
            // a name; a reflink copy, a file of its own, goes only when its bytes are the file's.
            ops.unlink(entry.path);
            renameNoReplace(ops, aside, entry.path);
          } else return { unknown: `the file was set aside as ${displayPath(aside)} and its path is taken` };
          discard(ops, entry);
          return 'not-done';
        }
        if (isOriginal(atPath, entry.expect)) {
          discard(ops, entry);
          return 'not-done';
        }
        if (ours) {
          discard(ops, entry);
          return 'done';
        }
        if (typeof atPath === 'object' && 'error' in atPath) return { unknown: describeErrno(atPath.error) };
        return { unknown: 'neither the file nor its replacement is at its path' };
      } catch (error) {
        return { unknown: describeErrno(error) };
      }
    },
    reverse(ops, entry): Reversal {
      if (r.op === 'reflink') return { outcome: 'already' };
      const { path, keeper, expect, owner } = entry;
      const temp = entry.target!;
      try {
        const here = lstatIfPresent(ops, path);
        if (!here) return { outcome: 'problem', reason: 'its path is empty now' };
        if (!r.holds(ops, entry, here)) return { outcome: 'already' };
        // A hard link holds the content itself; a symlink needs its keeper.
        const source = r.op === 'hardlink' ? path : keeper;
        if (r.op === 'symlink' && !lstatIfPresent(ops, keeper)?.isFile()) {
          return { outcome: 'problem', reason: 'its keeper is gone' };
        }
        removeQuietly(ops, temp);
        try {
          ops.copyFile(source, temp, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
          // The keeper of a symlink may have changed since: a copy of the wrong size is no restoration.
          if (Number(ops.lstat(temp).size) !== expect.size) {
            throw changedError(`its keeper no longer has the size of the file (${expect.size} bytes)`);
          }
          if (owner !== undefined) {
            ops.chown(temp, owner.uid, owner.gid);
            ops.chmod(temp, owner.mode);
          }
          ops.utimes(temp, owner?.atimeNs ?? expect.mtimeNs, expect.mtimeNs);
          // Only over the link looked at: anything else that took the path meanwhile stays.
          const now = ops.lstat(path);
          if (now.ino !== here.ino || now.dev !== here.dev) throw changedError('another file took its path');
          ops.rename(temp, path);
        } catch (error) {
          removeQuietly(ops, temp);
          throw error;
        }
        return { outcome: 'undone' };
      } catch (error) {
        return { outcome: 'problem', reason: describeErrno(error) };
      }
    },
  };
  return kind;
}

/** Whether two files hold the same bytes (crash recovery only: small, rare reads). */
function sameBytes(ops: FileOps, a: FsPath, b: FsPath): boolean {
  const fa = ops.openRead(a);
  try {
    const fb = ops.openRead(b);
    try {
      const size = Number(ops.fstat(fa).size);
      if (Number(ops.fstat(fb).size) !== size) return false;
      const ba = Buffer.allocUnsafe(1 << 16);
      const bb = Buffer.allocUnsafe(1 << 16);
      for (let pos = 0; pos < size; pos += ba.length) {
        const n = Math.min(ba.length, size - pos);
        if (ops.read(fa, ba, n, pos) !== n || ops.read(fb, bb, n, pos) !== n) return false;
        if (ba.compare(bb, 0, n, 0, n) !== 0) return false;
      }
      return true;
    } finally {
      ops.close(fb);
    }
  } finally {
    ops.close(fa);
  }
}

function sameInodeAsKeeper(ops: FileOps, entry: EntryView, st: Stat): boolean {
  const k = lstatIfPresent(ops, entry.keeper);
  return st.isFile() && k !== undefined && k.ino === st.ino && k.dev === st.dev;
}

/** Hard link: the path becomes another name of the keeper's inode. */
export const hardlinkKind = replacingKind({
  op: 'hardlink',
  make({ ops, entry, keeper }) {
    ops.link(entry.keeper, entry.target);
    const made = ops.lstat(entry.target);
    if (made.ino !== keeper.ino || made.dev !== keeper.dev) {
      removeQuietly(ops, entry.target);
      throw changedError(`the keeper ${displayPath(entry.keeper)} was replaced while being linked`);
    }
  },
  holds: sameInodeAsKeeper,
});

/** Symlink: the path becomes a symbolic link to the keeper's absolute path. */
export const symlinkKind = replacingKind({
  op: 'symlink',
  make: ({ ops, entry }) => ops.symlink(entry.keeper, entry.target),
  holds: (ops, entry, st) =>
    st.isSymbolicLink() && toBytes(ops.readlink(entry.path)).equals(toBytes(entry.keeper)),
});

/**
 * Reflink: the path becomes a copy that shares the keeper's blocks (FICLONE), a file of its own with the
 * file's owner, mode and times. It is the copy itself that is compared with the file, so what replaces the file
 * is what was compared, whatever the keeper does meanwhile.
 */
export const reflinkKind = replacingKind({
  op: 'reflink',
  make: ({ ops, entry }) =>
    ops.copyFile(entry.keeper, entry.target, constants.COPYFILE_FICLONE_FORCE | constants.COPYFILE_EXCL),
  // Only once its bytes are proven the file's does the copy get the file's owner: before, it is nodupe's.
  finish({ ops, entry, file }) {
    ops.chown(entry.target, Number(file.uid), Number(file.gid));
    ops.chmod(entry.target, Number(file.mode) & 0o7777);
    ops.utimes(entry.target, file.atimeNs, file.mtimeNs);
  },
  holds: (_ops, entry, st) =>
    st.isFile() && st.ino !== entry.expect.ino && Number(st.size) === entry.expect.size,
});
