import { constants } from 'node:fs';
import type { RefreshedPath } from '../catalog/store.js';
import type { ActionOp } from '../plan/plan.js';
import {
  displayPath,
  fromBytes,
  joinName,
  mirrorUnder,
  parentOf,
  pathKey,
  toBytes,
  type FsPath,
} from '../scan/paths.js';
import { describeErrno, errnoOf, lstatIfPresent, type FileOps, type Stat } from './file-ops.js';
import type { JournalEntry } from './journal.js';

/**
 * The names an action uses beside the file: the temporary name a replacing link is made under, and the name
 * the file is set aside under while its identity is checked one last time. `tag` (the catalog's id, the run and
 * the action) makes them unique, so nothing of the user's can ever bear them.
 */
export function besideNames(path: FsPath, tag: string): { temp: FsPath; aside: FsPath } {
  const dir = parentOf(path);
  return {
    temp: joinName(dir, Buffer.from(`.nodupe-${tag}.tmp`)),
    aside: joinName(dir, Buffer.from(`.nodupe-${tag}.aside`)),
  };
}

/** The tag of an action: short catalog id, run, place in the plan. */
export function actionTag(catalogId: string, runId: number, seq: number): string {
  return `${catalogId.slice(0, 8)}-${runId}-${seq}`;
}

/**
 * Where an action puts things: the file's new home (quarantine, move), the temporary link name (links), or the
 * name a deleted file is set aside under. Quarantine goes under `<root>/<catalog id>/run-N/`: two catalogs
 * sharing a quarantine folder never meet.
 */
export function targetFor(
  op: ActionOp,
  path: FsPath,
  where: { catalogId: string; runId: number; seq: number; quarantineRoot?: FsPath; to?: string },
): FsPath {
  const tag = actionTag(where.catalogId, where.runId, where.seq);
  switch (op) {
    case 'quarantine':
      return mirrorUnder(
        joinName(where.quarantineRoot!, Buffer.from(`${where.catalogId}/run-${where.runId}`)),
        path,
      );
    case 'move':
      return mirrorUnder(where.to!, path);
    case 'hardlink':
    case 'symlink':
    case 'reflink':
      return besideNames(path, tag).temp;
    case 'delete':
      return besideNames(path, tag).aside;
    default: {
      const unknown: never = op;
      throw new Error(`unhandled action ${String(unknown)}`);
    }
  }
}

/** The set-aside name of an entry: its target for delete, the sibling of its temporary name for links. */
function asideOf(entry: Pick<JournalEntry, 'op' | 'target'>): FsPath | undefined {
  if (entry.target === undefined) return undefined;
  if (entry.op === 'delete') return entry.target;
  if (entry.op === 'quarantine' || entry.op === 'move') return undefined;
  const bytes = toBytes(entry.target);
  return fromBytes(Buffer.concat([bytes.subarray(0, bytes.length - '.tmp'.length), Buffer.from('.aside')]));
}

type Look = Stat | 'missing' | { error: unknown };

/** lstat that says "missing" for ENOENT and hands other errors back as values. */
function look(ops: FileOps, path: FsPath): Look {
  try {
    return ops.lstat(path);
  } catch (error) {
    return errnoOf(error) === 'ENOENT' ? 'missing' : { error };
  }
}

function isStat(l: Look): l is Stat {
  return typeof l === 'object' && !('error' in l);
}

function removeQuietly(ops: FileOps, path: FsPath): void {
  try {
    ops.unlink(path);
  } catch {
    // Nothing there, or nothing we can do: the temporary name is reported by verify if it stays.
  }
}

/**
 * Whether a stat shows the very file an entry acted on: device and inode, and (since a freed inode number is
 * soon given to a new file) its size and mtime too.
 */
export function isExpectedFile(st: Stat, expect: JournalEntry['expect']): boolean {
  return st.isFile() && sameFile(st, expect);
}

/** The same file, unchanged: device, inode, size and mtime as when it was checked. */
function sameFile(
  st: Stat,
  checked: Stat | { dev: bigint; ino: bigint; size: number; mtimeNs: bigint },
): boolean {
  return (
    st.dev === checked.dev &&
    st.ino === checked.ino &&
    Number(st.size) === Number(checked.size) &&
    st.mtimeNs === checked.mtimeNs
  );
}

function changedError(): Error {
  return Object.assign(new Error('the file changed or was replaced while being acted on'), {
    code: 'ECHANGED',
  });
}

/** Creates folders once per run: most actions share their target folder with the one before. */
export class FolderMaker {
  readonly #made = new Set<string>();
  constructor(private readonly ops: FileOps) {}

  ensure(dir: FsPath): void {
    const key = pathKey(dir);
    if (this.#made.has(key)) return;
    this.ops.mkdirp(dir);
    this.#made.add(key);
  }
}

/**
 * Carries out one checked action, so that only the very file that was checked can go: it is first renamed out
 * of its path (into quarantine, to its move destination, or aside beside itself), and that name's lstat must
 * still show the checked device, inode, size and mtime; if not, the file is put back and the action fails with
 * ECHANGED. Links are made under the temporary name and renamed into the emptied path, so the path is empty
 * only for the moment between two renames. Throws the failing call's error after undoing what it did.
 */
export function perform(
  ops: FileOps,
  folders: FolderMaker,
  entry: Pick<JournalEntry, 'op' | 'path' | 'keeper' | 'target'>,
  checked: Stat,
): void {
  const { op, path, keeper } = entry;
  const target = entry.target!;
  const putBack = (from: FsPath) => {
    if (!lstatIfPresent(ops, path)) ops.rename(from, path);
  };
  switch (op) {
    case 'quarantine':
    case 'move': {
      // A quarantine target is unique to its catalog, run and path; a move's lies in the user's folder.
      if (op === 'move' && lstatIfPresent(ops, target)) {
        throw Object.assign(new Error('a file is in the way at the destination'), { code: 'EEXIST' });
      }
      folders.ensure(parentOf(target));
      ops.rename(path, target);
      if (!sameFile(ops.lstat(target), checked)) {
        putBack(target);
        throw changedError();
      }
      return;
    }
    case 'delete': {
      ops.rename(path, target);
      if (!sameFile(ops.lstat(target), checked)) {
        putBack(target);
        throw changedError();
      }
      ops.unlink(target);
      return;
    }
    case 'hardlink':
    case 'symlink':
    case 'reflink': {
      const aside = asideOf(entry)!;
      removeQuietly(ops, target);
      try {
        if (op === 'hardlink') ops.link(keeper, target);
        else if (op === 'symlink') ops.symlink(keeper, target);
        else {
          ops.copyFile(keeper, target, constants.COPYFILE_FICLONE_FORCE);
          ops.chmod(target, Number(checked.mode) & 0o7777);
          ops.setMtime(target, checked.mtimeNs);
        }
        ops.rename(path, aside);
        if (!sameFile(ops.lstat(aside), checked)) {
          putBack(aside);
          throw changedError();
        }
        ops.rename(target, path);
      } catch (error) {
        removeQuietly(ops, target);
        throw error;
      }
      ops.unlink(aside);
      return;
    }
    default: {
      const unknown: never = op;
      throw new Error(`unhandled action ${String(unknown)}`);
    }
  }
}

/** What a crash left of an action: done, not done (and put back as it was), or not knowable (why). */
export type CrashState = 'done' | 'not-done' | { unknown: string };

/**
 * After a crash: was an action whose intent is journaled carried out? Judged from the file system alone. A file
 * set aside by an interrupted action is put back first (or, when its link already took its place, removed),
 * and a temporary link name left behind is removed: after this, the action is either done or not started.
 */
export function stateAfterCrash(
  ops: FileOps,
  entry: Pick<JournalEntry, 'op' | 'path' | 'keeper' | 'target' | 'expect'>,
): CrashState {
  const { op, path, keeper, target, expect } = entry;
  const original = (l: Look) => isStat(l) && l.isFile() && l.ino === expect.ino && l.dev === expect.dev;
  try {
    const aside = asideOf(entry);
    const atPath = look(ops, path);
    if (aside !== undefined) {
      const setAside = look(ops, aside);
      if (original(setAside)) {
        if (atPath === 'missing') {
          // Interrupted between setting the file aside and putting its replacement in: put it back.
          ops.rename(aside, path);
          if (op !== 'delete') removeQuietly(ops, target!);
          return 'not-done';
        }
        if (op !== 'delete' && linkDone(ops, op, path, keeper, expect)) {
          ops.unlink(aside);
          return 'done';
        }
        return { unknown: `the file was set aside as ${displayPath(aside)} and its path is taken` };
      }
    }
    if (original(atPath)) {
      if (op !== 'quarantine' && op !== 'move' && op !== 'delete') removeQuietly(ops, target!);
      return 'not-done';
    }
    switch (op) {
      case 'quarantine':
      case 'move':
        if (original(look(ops, target!))) return 'done';
        break;
      case 'delete':
        if (atPath === 'missing') return 'done';
        break;
      default:
        if (linkDone(ops, op, path, keeper, expect)) {
          removeQuietly(ops, target!);
          return 'done';
        }
    }
    if (!isStat(atPath) && atPath !== 'missing') return { unknown: describeErrno(atPath.error) };
    if (op !== 'quarantine' && op !== 'move' && op !== 'delete') removeQuietly(ops, target!);
    return 'not-done';
  } catch (error) {
    return { unknown: describeErrno(error) };
  }
}

/** Whether the path now holds the link the action makes: the keeper's inode, a symlink to it, or a new copy. */
function linkDone(
  ops: FileOps,
  op: ActionOp,
  path: FsPath,
  keeper: FsPath,
  expect: JournalEntry['expect'],
): boolean {
  const now = look(ops, path);
  if (!isStat(now)) return false;
  switch (op) {
    case 'hardlink': {
      const k = look(ops, keeper);
      return now.isFile() && isStat(k) && k.ino === now.ino && k.dev === now.dev;
    }
    case 'symlink':
      return now.isSymbolicLink() && toBytes(ops.readlink(path)).equals(toBytes(keeper));
    case 'reflink':
      return now.isFile() && now.ino !== expect.ino && Number(now.size) === expect.size;
    default:
      return false;
  }
}

export type Reversal = { outcome: 'undone' | 'already' } | { outcome: 'problem'; reason: string };

/**
 * Reverses one done action; safe to repeat (a second call finds it already reversed). Quarantine and move
 * rename the file back; hardlink and symlink put an independent copy of the content back under the temporary
 * name, then rename it over the link; a reflink is already an independent file. Delete cannot be reversed.
 */
export function reverse(
  ops: FileOps,
  entry: Pick<JournalEntry, 'op' | 'path' | 'keeper' | 'target' | 'expect' | 'mode'>,
): Reversal {
  const { op, path, keeper, target, expect, mode } = entry;
  try {
    switch (op) {
      case 'quarantine':
      case 'move': {
        const here = lstatIfPresent(ops, path);
        const there = lstatIfPresent(ops, target!);
        const copy = op === 'move' ? 'the moved' : 'the quarantined';
        if (here?.ino === expect.ino && here.dev === expect.dev) return { outcome: 'already' };
        if (!there) return { outcome: 'problem', reason: `${copy} copy is gone` };
        // Only the very file that was moved away goes back: never something else found at its place.
        if (!isExpectedFile(there, expect)) {
          return { outcome: 'problem', reason: `${copy} copy ${displayPath(target!)} is another file now` };
        }
        if (here) return { outcome: 'problem', reason: 'another file now stands at its path' };
        ops.mkdirp(parentOf(path));
        ops.rename(target!, path);
        if (op === 'quarantine') removeEmptyParents(ops, target!);
        return { outcome: 'undone' };
      }
      case 'delete':
        return { outcome: 'problem', reason: 'a deleted file cannot be brought back (a snapshot can)' };
      case 'reflink':
        return { outcome: 'already' };
      case 'hardlink':
      case 'symlink': {
        const here = lstatIfPresent(ops, path);
        if (!here) return { outcome: 'problem', reason: 'its path is empty now' };
        const k = lstatIfPresent(ops, keeper);
        const linked =
          op === 'hardlink'
            ? here.isFile() && k?.ino === here.ino && k.dev === here.dev
            : here.isSymbolicLink() && toBytes(ops.readlink(path)).equals(toBytes(keeper));
        if (!linked) return { outcome: 'already' };
        // A hard link holds the content itself; a symlink needs its keeper.
        const source = op === 'hardlink' ? path : keeper;
        if (op === 'symlink' && !k?.isFile()) return { outcome: 'problem', reason: 'its keeper is gone' };
        const temp = target!;
        removeQuietly(ops, temp);
        try {
          ops.copyFile(source, temp, constants.COPYFILE_FICLONE);
          // The keeper of a symlink may have changed since: a copy of the wrong size is no restoration.
          if (Number(ops.lstat(temp).size) !== expect.size) {
            throw Object.assign(
              new Error(`its keeper no longer has the size of the file (${expect.size} bytes)`),
              {
                code: 'ECHANGED',
              },
            );
          }
          if (mode !== undefined) ops.chmod(temp, mode);
          ops.setMtime(temp, expect.mtimeNs);
          ops.rename(temp, path);
        } catch (error) {
          removeQuietly(ops, temp);
          throw error;
        }
        return { outcome: 'undone' };
      }
      default: {
        const unknown: never = op;
        throw new Error(`unhandled action ${String(unknown)}`);
      }
    }
  } catch (error) {
    return { outcome: 'problem', reason: describeErrno(error) };
  }
}

/** What stands at a path after an action or its undo, for the catalog: a regular file's identity, or nothing. */
export function identityAfter(ops: FileOps, op: ActionOp, path: FsPath, undone: boolean): RefreshedPath {
  // Quarantine, move and delete take the file away; their undo (and any link's) puts a file back.
  if (!undone && (op === 'quarantine' || op === 'move' || op === 'delete')) return { path, now: undefined };
  return identityNow(ops, path);
}

function identityNow(ops: FileOps, path: FsPath): RefreshedPath {
  try {
    const st = ops.lstat(path);
    return {
      path,
      now: st.isFile()
        ? { dev: st.dev, ino: st.ino, size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs }
        : undefined,
    };
  } catch {
    return { path, now: undefined };
  }
}

/** Removes the folders above a file taken out of quarantine while they are empty, up to its run's folder. */
export function removeEmptyParents(ops: FileOps, path: FsPath): void {
  let dir = parentOf(path);
  for (;;) {
    try {
      ops.rmdir(dir);
    } catch {
      return;
    }
    if (/\/run-\d+$/.test(dir.toString())) return;
    dir = parentOf(dir);
  }
}
