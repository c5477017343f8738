import { constants } from 'node:fs';
import {
  describeErrno,
  errnoOf,
  lstatIfPresent,
  type FileOps,
  type Stat,
  renameNoReplace,
} from '../../fs/file-ops.js';
import { displayPath, nameOf, parentOf, toBytes, type FsPath } from '../../model/paths.js';
import { heldPath, PinnedFolder, procWorks } from '../pinned-folder.js';
import type { Act, CrashState, DestroyingKind, Reversal } from './kind.js';
import { mustBeOnMountOf, mustMayGiveAway, mustMayLinkTo, mustMayRemove } from './rehearsal.js';
import {
  actionTag,
  asideOfTemp,
  besideNames,
  changedError,
  isOriginal,
  isStat,
  look,
  mustBeFree,
  putBack,
  removeQuietly,
  type EntryView,
} from './shared.js';

type LinkOp = 'hardlink' | 'symlink' | 'reflink';

interface Replacement {
  op: LinkOp;
  /** Makes the replacement at `at` (never over anything there): the emptied path, or (reflink) the temporary name. */
  make(act: Act, at: FsPath): void;
  /** Before the replacement goes into the path: gives it what it must carry (reflink: the file's owner, mode, times). */
  finish?(act: Act): void;
  /** Whether `st`, the lstat of `at` (the file's path or the temporary name), is the replacement this action makes. */
  holds(ops: FileOps, entry: EntryView, at: FsPath, st: Stat): boolean;
  /** In a dry run: throws what `make` would meet (see ActionKind.rehearse). */
  rehearse?(act: Act): void;
}

/**
 * The actions that put something else in the file's place (hard link, symlink, reflink). A reflink clone is made
 * first under a temporary name beside the file (it is what the file is compared with); the file is set aside; the
 * replacement goes into the emptied path (links are made right there); then apply compares, looks last, and
 * removes the set-aside file (see carry-out.ts). A crash anywhere is put right by `stateAfterCrash`.
 */
function replacingKind(r: Replacement): DestroyingKind {
  // Only what this action made goes, never a file someone planted at its temporary name: the very inode made
  // when that is known, else (after a crash) a replacement of this kind, a clone only with the keeper's bytes.
  const discard = (ops: FileOps, entry: EntryView, made?: Stat) => {
    const temp = look(ops, entry.target!);
    if (!isStat(temp)) return;
    const ours =
      made !== undefined
        ? temp.dev === made.dev && temp.ino === made.ino
        : r.holds(ops, entry, entry.target!, temp) &&
          (r.op !== 'reflink' || sameBytes(ops, entry.target!, entry.keeper));
    if (ours) removeQuietly(ops, entry.target!);
  };
  const kind: DestroyingKind = {
    op: r.op,
    destroys: true,
    sharesKeeper: r.op !== 'reflink',
    proof: r.op === 'reflink' ? 'replacement' : 'keeper',
    linksKeeper: r.op === 'hardlink',
    removesPath: false,
    target: (path, place) => besideNames(path, actionTag(place.catalogId, place.runId, place.seq)).temp,
    asideOf: (entry) => asideOfTemp(entry.target!),
    // A clone is made before the compare (the file is compared with it); links straight into the emptied path.
    ...(r.op === 'reflink' ? { prepare: (act: Act) => r.make(act, act.entry.target) } : {}),
    install(act) {
      const { ops, entry } = act;
      if (r.op === 'reflink') {
        r.finish?.(act);
        renameNoReplace(ops, entry.target, entry.path);
      } else r.make(act, entry.path);
      return ops.lstat(entry.path);
    },
    uninstall(ops, entry, installed) {
      takeBack(ops, entry.path, entry.target, installed);
    },
    discard,
    // In apply's order: the clone (made first, under its temporary name), the file set aside, the link made in
    // the emptied path, the clone given the file's owner.
    rehearse(act) {
      if (r.op === 'reflink') {
        r.rehearse?.(act);
        mustBeFree(act.ops, act.entry.target);
      }
      mustBeFree(act.ops, asideOfTemp(act.entry.target));
      mustMayRemove(act.ops, act.folder, act.file);
      if (r.op === 'reflink') mustMayGiveAway(act.file);
      else r.rehearse?.(act);
    },
    stateAfterCrash(ops, entry): CrashState {
      try {
        const aside = asideOfTemp(entry.target!);
        const atPath = look(ops, entry.path);
        const setAsideFile = look(ops, aside);
        const ours = isStat(atPath) && r.holds(ops, entry, entry.path, atPath);
        if (isOriginal(setAsideFile, entry.expect)) {
          if (isOriginal(atPath, entry.expect)) ops.unlink(aside);
          else if (atPath === 'missing') renameNoReplace(ops, aside, entry.path);
          else if (ours && (r.op !== 'reflink' || sameBytes(ops, entry.path, aside))) {
            // The replacement was in place and the file not yet let go of: the file goes back. A link is only
            // a name; a reflink copy, a file of its own, goes only when its bytes are the file's.
            takeBack(ops, entry.path, entry.target!, atPath);
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
      const { path, keeper } = entry;
      const temp = entry.target!;
      try {
        // An undo interrupted once it had set the link aside: the link goes back first.
        const linkLeft = look(ops, asideOfTemp(temp));
        if (
          lstatIfPresent(ops, path) === undefined &&
          isStat(linkLeft) &&
          r.holds(ops, entry, asideOfTemp(temp), linkLeft)
        ) {
          putBack(ops, asideOfTemp(temp), path);
        }
        const here = lstatIfPresent(ops, path);
        if (!here) return { outcome: 'problem', reason: 'its path is empty now' };
        if (!r.holds(ops, entry, path, here)) return { outcome: 'already' };
        // The folder is held open and must be the owner's: the copy goes into that very folder, in place of the
        // link, which is first set aside (so that nothing put at the path meanwhile is replaced).
        const folder = PinnedFolder.theFolderLeft(
          ops,
          parentOf(path),
          entry.folder,
          entry.owner?.uid ?? Number(here.uid),
        );
        try {
          const at = folder.within(path);
          const tempAt = folder.within(temp);
          const linkAside = folder.within(asideOfTemp(temp));
          // A hard link holds the content itself; a symlink needs its keeper.
          const source = r.op === 'hardlink' ? at : keeper;
          // An undo killed during or after its copy left it under this entry's own reserved name, in this very
          // folder: it may go when it is a regular file of the file's owner (or of this user: a copy gets its
          // owner once complete) holding the beginning of the content, or all of it: nothing that the source does
          // not hold. Anything else is in the way.
          const leftover = look(ops, tempAt);
          if (leftover !== 'missing') {
            if (
              !isStat(leftover) ||
              !leftover.isFile() ||
              !copyOwners(entry).includes(Number(leftover.uid)) ||
              !sameBytes(ops, tempAt, source, 'prefix')
            ) {
              return { outcome: 'problem', reason: `something is in the way at ${displayPath(temp)}` };
            }
            ops.unlink(tempAt);
          }
          let linkSetAside = false;
          try {
            // A folder swapped for a link to the keeper's folder would make the keeper itself the "link".
            if (folder.holdsEntry(keeper, nameOf(toBytes(path)))) {
              throw changedError('its path leads to the keeper itself now');
            }
            copyBack(ops, source, tempAt, entry, here);
            renameNoReplace(ops, at, linkAside);
            linkSetAside = true;
            const link = ops.lstat(linkAside);
            if (link.ino !== here.ino || link.dev !== here.dev)
              throw changedError('another file took its path');
            renameNoReplace(ops, tempAt, at);
            linkSetAside = false;
            ops.unlink(linkAside);
          } catch (error) {
            if (linkSetAside) {
              try {
                putBack(ops, linkAside, at);
              } catch {
                throw changedError(
                  `another file took its path; the link stays at ${displayPath(asideOfTemp(temp))}, the copy at ${displayPath(temp)}`,
                );
              }
            }
            const made = look(ops, tempAt);
            if (isStat(made) && made.isFile() && errnoOf(error) !== 'EEXIST') removeQuietly(ops, tempAt);
            throw error;
          }
        } finally {
          folder.close();
        }
        return { outcome: 'undone' };
      } catch (error) {
        return { outcome: 'problem', reason: describeErrno(error) };
      }
    },
  };
  return kind;
}

/**
 * Undo of a link: a new, independent copy of the content under `temp`, with the replaced file's owner, mode and
 * times. The source is opened without following a final symlink and must be a regular file of the file's size:
 * for a hard link, the very inode found at the path (`link`); for a symlink, a keeper the file's owner could
 * read: a keeper path someone turned into another user's file is never copied out to them.
 */
function copyBack(ops: FileOps, source: FsPath, temp: FsPath, entry: EntryView, link: Stat): void {
  const { expect, owner } = entry;
  const from = ops.openRead(source);
  try {
    const st = ops.fstat(from);
    if (!st.isFile() || Number(st.size) !== expect.size) {
      throw changedError(`its keeper is no longer a file of the file's size (${expect.size} bytes)`);
    }
    // A hard link is copied out of the very inode judged to be the link; a symlink's keeper only when the
    // file's owner could read it anyway (no one gets a copy of what they could not read).
    if (link.isFile() && (st.dev !== link.dev || st.ino !== link.ino)) {
      throw changedError('another file took its path');
    }
    if (!link.isFile() && entry.keeperId !== undefined) {
      if (st.dev !== entry.keeperId.dev || st.ino !== entry.keeperId.ino) {
        throw changedError('its keeper is not the file it was linked to any more: not copied');
      }
    }
    if (owner !== undefined && owner.uid >= 0 && !readableBy(st, owner.uid, owner.gid)) {
      throw changedError(`its keeper is not readable by the file's owner (uid ${owner.uid}): not copied`);
    }
    const to = ops.open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      const buffer = Buffer.allocUnsafe(1 << 20);
      for (let pos = 0; pos < expect.size;) {
        const n = ops.read(from, buffer, Math.min(buffer.length, expect.size - pos), pos);
        if (n === 0) throw changedError('its keeper shrank while being copied');
        ops.write(to, buffer, n, pos);
        pos += n;
      }
      // Through the descriptor: nothing put at the name meanwhile (a symlink) gets the owner or the mode.
      if (owner !== undefined) {
        ops.fchown(to, owner.uid, owner.gid);
        ops.fchmod(to, owner.mode);
      }
      ops.futimes(to, owner?.atimeNs ?? expect.mtimeNs, expect.mtimeNs);
    } finally {
      ops.close(to);
    }
  } finally {
    ops.close(from);
  }
}

/**
 * Takes away what stands at `path` if it is `expected` (device and inode), and nothing else: one rename takes
 * the name whole to `via` (a name nodupe reserves), which is then looked at; what is not `expected` goes back.
 */
function takeBack(ops: FileOps, path: FsPath, via: FsPath, expected: Stat): void {
  const left = lstatIfPresent(ops, via);
  // The replacement under both names (an interrupted no-replace rename): its spare name goes first.
  if (left !== undefined && left.dev === expected.dev && left.ino === expected.ino) ops.unlink(via);
  else if (left !== undefined) throw changedError(`something is in the way at ${displayPath(via)}`);
  ops.rename(path, via);
  const taken = ops.lstat(via);
  if (taken.dev !== expected.dev || taken.ino !== expected.ino) {
    putBack(ops, via, path);
    throw changedError('another file took its path meanwhile');
  }
  ops.unlink(via);
}

/** Whether a user may read a file by its mode bits (supplementary groups and ACLs are not looked at). */
function readableBy(st: Stat, uid: number, gid: number): boolean {
  if (uid === 0) return true;
  const mode = Number(st.mode);
  if (Number(st.uid) === uid) return (mode & 0o400) !== 0;
  if (Number(st.gid) === gid) return (mode & 0o040) !== 0;
  return (mode & 0o004) !== 0;
}

/** Who may own a copy that undo of a link made: the user running undo (until it is complete), the file's owner. */
function copyOwners(entry: EntryView): number[] {
  const owner = entry.owner?.uid ?? -1;
  return owner >= 0 ? [process.geteuid?.() ?? 0, owner] : [process.geteuid?.() ?? 0];
}

/**
 * Whether `a` holds the same bytes as `b` (`whole`), or the first bytes of `b` (`prefix`: a copy of it cut short);
 * crash recovery only: small, rare reads.
 */
function sameBytes(ops: FileOps, a: FsPath, b: FsPath, extent: 'whole' | 'prefix' = 'whole'): boolean {
  const fa = ops.openRead(a);
  try {
    const fb = ops.openRead(b);
    try {
      const size = Number(ops.fstat(fa).size);
      const sizeB = Number(ops.fstat(fb).size);
      if (extent === 'whole' ? sizeB !== size : sizeB < size) return false;
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

function sameInodeAsKeeper(ops: FileOps, entry: EntryView, _at: FsPath, st: Stat): boolean {
  const k = lstatIfPresent(ops, entry.keeper);
  return st.isFile() && k !== undefined && k.ino === st.ino && k.dev === st.dev;
}

/** Hard link: the path becomes another name of the keeper's inode. */
export const hardlinkKind = replacingKind({
  op: 'hardlink',
  // Whatever inode the keeper's name leads to is linked: apply then checks it is the keeper it compared.
  make: ({ ops, entry, keeperAt }, at) => ops.link(keeperAt ?? entry.keeper, at),
  holds: sameInodeAsKeeper,
  // A hard link never crosses devices (two file systems, or two btrfs subvolumes) nor mounts (bind mounts).
  rehearse: ({ ops, mounts, entry, file, keeper }) => {
    mustBeOnMountOf(ops, mounts, entry.keeper, { folder: parentOf(entry.path), dev: file.dev });
    mustMayLinkTo(ops, entry.keeper, keeper);
  },
});

/** Symlink: the path becomes a symbolic link to the keeper's absolute path. */
export const symlinkKind = replacingKind({
  op: 'symlink',
  make: ({ ops, entry }, at) => ops.symlink(entry.keeper, at),
  holds: (ops, entry, at, st) =>
    st.isSymbolicLink() && toBytes(ops.readlink(at)).equals(toBytes(entry.keeper)),
});

/**
 * Reflink: the path becomes a copy that shares the keeper's blocks (FICLONE), a file of its own with the
 * file's owner, mode and times. It is the copy itself that is compared with the file, so what replaces the file
 * is what was compared, whatever the keeper does meanwhile.
 */
export const reflinkKind = replacingKind({
  op: 'reflink',
  // Cloned from the keeper held open (never from whatever its name leads to by then: a FIFO would block).
  make: ({ ops, entry, keeperFd }, at) =>
    ops.copyFile(
      keeperFd === undefined ? entry.keeper : heldPath(ops, keeperFd, entry.keeper),
      at,
      constants.COPYFILE_FICLONE_FORCE | constants.COPYFILE_EXCL,
    ),
  // Only as it goes into the path does the copy get the file's owner: before, it is nodupe's. Through its
  // descriptor, so that nothing put in its place meanwhile gets them.
  finish({ ops, file, replacementFd }) {
    if (replacementFd === undefined) throw new Error('reflink: the copy is not held open');
    ops.fchown(replacementFd, Number(file.uid), Number(file.gid));
    ops.fchmod(replacementFd, Number(file.mode) & 0o7777);
    ops.futimes(replacementFd, file.atimeNs, file.mtimeNs);
  },
  holds: (_ops, entry, _at, st) =>
    st.isFile() && st.ino !== entry.expect.ino && Number(st.size) === entry.expect.size,
  rehearse: ({ ops, keeperFd, folder }) => tryClone(ops, keeperFd, folder),
});

/** O_TMPFILE: a file without a name, in the folder opened (Linux; the value of every architecture Node runs on). */
const O_TMPFILE = 0o20000000 | constants.O_DIRECTORY;

/**
 * A dry run's look at whether the keeper (held open) can be cloned into the file's folder, tried the way apply
 * makes its clone, but into a file without a name (O_TMPFILE), opened through the folder held open (never by its
 * path, which a folder swapped for a symlink would send elsewhere): nothing ever appears in the folder (its mtime
 * stays), and the kernel frees the file when it is closed, or at a crash. A clone shares the keeper's blocks and
 * writes no data; the keeper's size and times stay as they are. Throws what the clone met (ENOTSUP on ext4 or tmpfs, EXDEV,
 * EACCES, EROFS). Where no such file can be made (no /proc, a kernel or file system without O_TMPFILE), it
 * cannot tell, and says nothing.
 */
function tryClone(ops: FileOps, keeperFd: number | undefined, folder: PinnedFolder): void {
  if (keeperFd === undefined || process.platform !== 'linux' || !procWorks(ops)) return;
  let probe: number;
  try {
    probe = ops.open(folder.reach(), O_TMPFILE | constants.O_RDWR, 0o600);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'EISDIR' || code === 'EINVAL' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return;
    throw error;
  }
  try {
    ops.copyFile(heldPath(ops, keeperFd, ''), heldPath(ops, probe, ''), constants.COPYFILE_FICLONE_FORCE);
  } finally {
    ops.close(probe);
  }
}
