import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import type { RefreshedPath } from '../../catalog/store.js';
import {
  describeErrno,
  errnoOf,
  lstatIfPresent,
  renameNoReplace,
  type FileOps,
  type Stat,
} from '../../fs/file-ops.js';
import { describeChange, identityChange, identityOf, type FileIdentity } from '../../model/identity.js';
import {
  displayPath,
  fromBytes,
  joinName,
  nameOf,
  parentOf,
  pathKey,
  toBytes,
  type FsPath,
} from '../../model/paths.js';
import type { JournalEntry, MadeFolder } from '../journal.js';
import { procWorks } from '../pinned-folder.js';
import { unsafePath } from '../../plan/validate.js';

/** A failure of an action step that is no errno: the file or its keeper changed under it. */
export function changedError(reason: string): Error {
  return Object.assign(new Error(reason), { code: 'ECHANGED' });
}

/**
 * The names an action uses beside the file: the temporary name a replacing link is made under, and the name
 * the file is set aside under while its keeper is proven one last time. `tag` (the catalog's id, the run and
 * the action) makes them unique, so nothing of the user's bears them.
 */
export function besideNames(path: FsPath, tag: string): { temp: FsPath; aside: FsPath } {
  const dir = parentOf(path);
  return {
    temp: joinName(dir, Buffer.from(`.nodupe-${tag}.tmp`)),
    aside: joinName(dir, Buffer.from(`.nodupe-${tag}.aside`)),
  };
}

/** The set-aside name that goes with a temporary name (links keep only the temporary one in the journal). */
export function asideOfTemp(temp: FsPath): FsPath {
  const bytes = toBytes(temp);
  return fromBytes(Buffer.concat([bytes.subarray(0, bytes.length - '.tmp'.length), Buffer.from('.aside')]));
}

/**
 * A name nodupe reserves beside a file, made from the file's own name and a purpose (`purge`, `move`), so that
 * crash recovery, undo and a later run find what an interrupted one left there.
 */
export function reservedAside(path: FsPath, purpose: 'purge' | 'move'): FsPath {
  const tag = createHash('sha256').update(nameOf(path)).digest('hex').slice(0, 16);
  return besideNames(path, `${purpose}-${tag}`).aside;
}

/**
 * Moves the checked file from `from` to `to`, trusting neither name: one rename takes what stands at `from`
 * whole to `via` (a name nodupe reserves beside it), which must then hold the very file checked (else it goes
 * back); a hard link puts it at `to` only if nothing is there (EEXIST), and `to` must then hold that inode (else
 * `to` is left as it is); only then is `via` removed. On any failure the file goes back to `from` and ECHANGED
 * or the failing call's error is thrown. Nothing that stood at either name is ever moved or replaced.
 */
export function relocate(ops: FileOps, from: FsPath, via: FsPath, to: FsPath, checked: Stat): void {
  setAside(ops, from, via, checked);
  try {
    ops.link(via, to);
    const there = ops.lstat(to);
    if (there.dev !== checked.dev || there.ino !== checked.ino) {
      throw changedError(`its new name ${displayPath(to)} was taken by another file meanwhile`);
    }
  } catch (error) {
    putBack(ops, via, from);
    throw error;
  }
  ops.unlink(via);
}

/** The tag of an action: short catalog id, run, place in the plan. */
export function actionTag(catalogId: string, runId: number, seq: number): string {
  return `${catalogId.slice(0, 8)}-${runId}-${seq}`;
}

export type Look = Stat | 'missing' | { error: unknown };

/** lstat that says "missing" for ENOENT and hands other errors back as values. */
export function look(ops: FileOps, path: FsPath): Look {
  try {
    return ops.lstat(path);
  } catch (error) {
    return errnoOf(error) === 'ENOENT' ? 'missing' : { error };
  }
}

export function isStat(l: Look): l is Stat {
  return typeof l === 'object' && !('error' in l);
}

/** Whether a look shows the very inode an entry acted on (a regular file of its device and inode). */
export function isOriginal(l: Look, expect: Pick<FileIdentity, 'dev' | 'ino'>): boolean {
  return isStat(l) && l.isFile() && l.dev === expect.dev && l.ino === expect.ino;
}

export function removeQuietly(ops: FileOps, path: FsPath): void {
  try {
    ops.unlink(path);
  } catch {
    // Nothing there, or nothing we can do: a temporary name left behind is reported by verify.
  }
}

/**
 * Whether a stat shows the very file an entry moved away, unchanged: a regular file of its device and inode,
 * size and mtime (its ctime moved with the rename that moved it).
 */
export function isExpectedFile(st: Stat, expect: FileIdentity): boolean {
  return identityChange(st, expect, { ignoreCtime: true }) === undefined;
}

/**
 * Moves the checked file out of its path under a name of nodupe's, then looks at that name: it must hold the
 * very file that was checked (device, inode, size, mtime). If not, what was moved is put back and ECHANGED
 * thrown. One rename, so that the name at the path is taken away whole, whatever stands there at that instant
 * (a link and an unlink would be two looks at the path). The new name is either in a folder no one else can
 * write (quarantine, a move destination) or one nodupe reserves beside the file; it must be free (EEXIST).
 */
export function setAside(ops: FileOps, path: FsPath, to: FsPath, checked: Stat): void {
  mustBeFree(ops, to);
  ops.rename(path, to);
  const taken = ops.lstat(to);
  const change = identityChange(taken, identityOf(checked), { ignoreCtime: true });
  if (change !== undefined) {
    putBack(ops, to, path);
    throw changedError(`the file ${describeChange(change, identityOf(checked), taken)} as it was taken`);
  }
}

/** Puts a set-aside file back at its path, never over anything that took its place meanwhile. */
export function putBack(ops: FileOps, from: FsPath, path: FsPath): void {
  try {
    renameNoReplace(ops, from, path);
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw error;
    // The name taken was the very inode at the path (set aside as it was swapped in): one file, two names.
    const here = look(ops, path);
    const there = look(ops, from);
    if (isStat(here) && isStat(there) && here.dev === there.dev && here.ino === there.ino) {
      ops.unlink(from);
      return;
    }
    // Something else took the path: the file stays where it is, which the caller names.
    throw changedError('another file took its path meanwhile');
  }
}

/**
 * The one rule before bytes are destroyed: the keeper's path must still name the inode that was compared, with
 * the size, mtime and ctime it had when the compare began (`baseline`). ctime moves on any write, rename, link,
 * chmod or chown of that inode, even one whose mtime was set back, and on a rename away and back: so this says
 * that the bytes compared are still the keeper's bytes. Throws ECHANGED with the reason otherwise.
 */
export function proveKeeper(ops: FileOps, keeper: FsPath, baseline: Stat): void {
  let now: Stat;
  try {
    now = ops.lstat(keeper);
  } catch (error) {
    throw changedError(`the keeper ${displayPath(keeper)} is gone (${describeErrno(error)})`);
  }
  const change = identityChange(now, identityOf(baseline));
  if (change !== undefined) {
    throw changedError(
      `the keeper ${displayPath(keeper)} ${describeChange(change, identityOf(baseline), now)} after it was compared`,
    );
  }
}

/**
 * Creates folders once per run (most actions share their target folder with the one before), and knows which
 * ones it made, so that undo can take away again what a run put there and nothing else.
 */
export class FolderMaker {
  readonly #ensured = new Set<string>();
  /** Folders made below a run folder or --to, not yet handed to the journal. */
  readonly #made: MadeFolder[] = [];
  /**
   * `make` makes one folder and its missing parents (apply's checks each as a trusted folder; a dry run's only
   * checks those there) and returns the folders it made; `ops` takes their identities.
   */
  constructor(
    private readonly make: (dir: FsPath) => FsPath[],
    private readonly ops: FileOps,
  ) {}

  /**
   * Makes `dir` and the folders missing above it; those below `base()` (the run folder, or --to: asked only when
   * `dir` is not made yet) are kept for the journal.
   */
  ensure(dir: FsPath, base: () => FsPath): void {
    const key = pathKey(dir);
    if (this.#ensured.has(key)) return;
    const below = base();
    for (const made of this.make(dir)) {
      if (!isBelow(made, below)) continue;
      const st = this.ops.lstat(made);
      // A file system that keeps no birth time says 0: the folder is then recorded without one.
      const birthNs = st.birthtimeNs === 0n ? undefined : st.birthtimeNs;
      this.#made.push({ path: made, dev: st.dev, ino: st.ino, birthNs });
    }
    this.#ensured.add(key);
  }

  /** The folders made since it was last asked: the journal records them with the intents of their batch. */
  takeMade(): MadeFolder[] {
    return this.#made.splice(0);
  }
}

/**
 * Removes the recorded folders of a run that are empty now, deepest first: only those strictly below one of the
 * run's `bases` (its quarantine run folder, its --to: never a base itself nor anything outside), only the very
 * folder made (device, inode and birth time: a folder made later at a reused inode number is not it), only while
 * it holds nothing (rmdir refuses otherwise), and through its parent folder held open, never by a path someone
 * could redirect meanwhile. A folder recorded without a birth time is never removed. Returns the folders to
 * forget: those removed, those gone or replaced, and those that can never be told apart.
 */
export function removeMadeFolders(
  ops: FileOps,
  folders: readonly MadeFolder[],
  bases: readonly FsPath[],
): FsPath[] {
  const forget: FsPath[] = [];
  const deepestFirst = [...folders].sort((a, b) => toBytes(b.path).length - toBytes(a.path).length);
  for (const folder of deepestFirst) {
    // A record outside the run's folders was never written by apply: it is left as it is, and acted on never.
    if (unsafePath(folder.path) !== undefined || !bases.some((base) => isBelow(folder.path, base))) continue;
    if (folder.birthNs === undefined || removeMadeFolder(ops, folder) !== 'kept') forget.push(folder.path);
  }
  return forget;
}

/**
 * Removes one recorded folder if it is the very one made and empty: its parent is opened (never through a
 * symlink) and the folder reached and removed as an entry of that very parent (/proc/self/fd/N/NAME; where there
 * is no /proc, by its path). `kept`: it stays, recorded (it holds something, or cannot be looked at now).
 */
function removeMadeFolder(ops: FileOps, folder: MadeFolder): 'removed' | 'not-it' | 'kept' {
  let fd: number;
  try {
    fd = ops.open(parentOf(folder.path), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = errnoOf(error);
    // Its parent is gone, or is no folder any more (a symlink, a file): the folder is not where it was made.
    return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' ? 'not-it' : 'kept';
  }
  try {
    const at = procWorks(ops)
      ? Buffer.concat([Buffer.from(`/proc/self/fd/${fd}/`), nameOf(folder.path)])
      : folder.path;
    const st = look(ops, at);
    if (!isStat(st)) return st === 'missing' ? 'not-it' : 'kept';
    if (
      !st.isDirectory() ||
      st.dev !== folder.dev ||
      st.ino !== folder.ino ||
      st.birthtimeNs !== folder.birthNs
    ) {
      return 'not-it';
    }
    try {
      ops.rmdir(at);
      return 'removed';
    } catch {
      return 'kept'; // it holds something (ENOTEMPTY)
    }
  } finally {
    ops.close(fd);
  }
}

/** Whether `path` lies below `base` (whole names; never `base` itself). */
function isBelow(path: FsPath, base: FsPath): boolean {
  const bytes = toBytes(path);
  const stop = toBytes(base);
  return (
    bytes.length > stop.length && bytes[stop.length] === 0x2f && bytes.subarray(0, stop.length).equals(stop)
  );
}

/** Throws EEXIST when anything (even a dangling symlink) stands at `path`: a dry run's look before a rename or link. */
export function mustBeFree(ops: FileOps, path: FsPath): void {
  if (lstatIfPresent(ops, path) !== undefined) {
    throw Object.assign(new Error(`EEXIST: something is already at ${displayPath(path)}`), {
      code: 'EEXIST',
    });
  }
}

/** What stands at a path now, for the catalog: a regular file's identity, or nothing. */
export function identityNow(ops: FileOps, path: FsPath): RefreshedPath {
  try {
    const st = ops.lstat(path);
    return { path, now: st.isFile() ? identityOf(st) : undefined };
  } catch {
    return { path, now: undefined };
  }
}

/**
 * Removes the folders above a file taken out of quarantine or a move's destination while they are empty, at most
 * `limit` of them (those the action made), up to (not including) `base` (the run's quarantine folder, or --to),
 * and never outside it. A folder that holds anything stays (rmdir refuses it), and so do those above it.
 */
export function removeEmptyParents(ops: FileOps, path: FsPath, base: FsPath, limit = Infinity): void {
  let dir = parentOf(path);
  for (let removed = 0; removed < limit && isBelow(dir, base); removed++) {
    try {
      ops.rmdir(dir);
    } catch {
      return;
    }
    dir = parentOf(dir);
  }
}

/** The entry fields an action kind reads. */
export type EntryView = Pick<
  JournalEntry,
  'op' | 'path' | 'keeper' | 'target' | 'expect' | 'owner' | 'folder' | 'keeperId'
> &
  Partial<Pick<JournalEntry, 'foldersMade'>>;
