import { constants } from 'node:fs';
import type { RefreshedPath } from '../catalog/store.js';
import type { ActionOp } from '../plan/plan.js';
import { joinName, mirrorUnder, parentOf, pathKey, type FsPath } from '../scan/paths.js';
import { describeErrno, errnoOf, type FileOps, type Stat } from './file-ops.js';
import type { JournalEntry } from './journal.js';

/** The temporary name a replacing link is made under, beside the file, unique per run and action. */
export function temporaryName(path: FsPath, runId: number, seq: number): FsPath {
  return joinName(parentOf(path), Buffer.from(`.nodupe-${runId}-${seq}.tmp`));
}

/** Where an action puts things: the file's new home (quarantine, move), or the temporary link name. */
export function targetFor(
  op: ActionOp,
  path: FsPath,
  where: { runId: number; seq: number; quarantineRoot?: FsPath; to?: string },
): FsPath | undefined {
  switch (op) {
    case 'quarantine':
      return mirrorUnder(joinName(where.quarantineRoot!, Buffer.from(`run-${where.runId}`)), path);
    case 'move':
      return mirrorUnder(where.to!, path);
    case 'hardlink':
    case 'symlink':
    case 'reflink':
      return temporaryName(path, where.runId, where.seq);
    case 'delete':
      return undefined;
    default: {
      const unknown: never = op;
      throw new Error(`unhandled action ${String(unknown)}`);
    }
  }
}

function exists(ops: FileOps, path: FsPath): Stat | undefined {
  try {
    return ops.lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function removeQuietly(ops: FileOps, path: FsPath): void {
  try {
    ops.unlink(path);
  } catch {
    // Nothing there, or nothing we can do: the temporary name is reported by verify if it stays.
  }
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
 * Carries out one checked action. Links are made under the temporary name, then renamed over the file, so
 * the path always holds either the old file or the new link. Throws the failing call's error; a temporary
 * name it made is removed first. A quarantine target is unique to its run and path, so nothing can be in the
 * way; a move's target is in the user's folder, so an existing file there stops it.
 */
export function perform(
  ops: FileOps,
  folders: FolderMaker,
  entry: Pick<JournalEntry, 'op' | 'path' | 'keeper' | 'target'>,
  file: Stat,
): void {
  const { op, path, keeper, target } = entry;
  switch (op) {
    case 'quarantine':
    case 'move': {
      if (op === 'move' && exists(ops, target!)) {
        throw Object.assign(new Error('a file is in the way at the destination'), { code: 'EEXIST' });
      }
      folders.ensure(parentOf(target!));
      ops.rename(path, target!);
      return;
    }
    case 'delete':
      ops.unlink(path);
      return;
    case 'hardlink':
    case 'symlink':
    case 'reflink': {
      removeQuietly(ops, target!);
      try {
        if (op === 'hardlink') ops.link(keeper, target!);
        else if (op === 'symlink') ops.symlink(keeper, target!);
        else {
          ops.copyFile(keeper, target!, constants.COPYFILE_FICLONE_FORCE);
          ops.chmod(target!, Number(file.mode) & 0o7777);
          ops.setMtime(target!, file.mtimeNs);
        }
        ops.rename(target!, path);
      } catch (error) {
        removeQuietly(ops, target!);
        throw error;
      }
      return;
    }
    default: {
      const unknown: never = op;
      throw new Error(`unhandled action ${String(unknown)}`);
    }
  }
}

/**
 * After a crash: was an action whose intent is journaled carried out? Judged from the file system alone.
 * 'done' and 'not-done' are sure; 'not-done' also cleans up a temporary name left behind.
 */
export function stateAfterCrash(
  ops: FileOps,
  entry: Pick<JournalEntry, 'op' | 'path' | 'keeper' | 'target' | 'expect'>,
): 'done' | 'not-done' {
  const { op, path, keeper, target, expect } = entry;
  const now = exists(ops, path);
  const stillOriginal = now !== undefined && now.isFile() && now.ino === expect.ino && now.dev === expect.dev;
  if (stillOriginal) {
    if (target !== undefined && op !== 'quarantine' && op !== 'move') removeQuietly(ops, target);
    return 'not-done';
  }
  switch (op) {
    case 'quarantine':
    case 'move': {
      const moved = target === undefined ? undefined : exists(ops, target);
      return moved?.ino === expect.ino && moved.dev === expect.dev ? 'done' : 'not-done';
    }
    case 'delete':
      return now === undefined ? 'done' : 'not-done';
    case 'hardlink': {
      const k = exists(ops, keeper);
      return now !== undefined && k !== undefined && now.ino === k.ino && now.dev === k.dev
        ? 'done'
        : 'not-done';
    }
    case 'symlink':
      return now?.isSymbolicLink() ? 'done' : 'not-done';
    case 'reflink':
      return now?.isFile() && Number(now.size) === expect.size ? 'done' : 'not-done';
    default: {
      const unknown: never = op;
      throw new Error(`unhandled action ${String(unknown)}`);
    }
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
  entry: Pick<JournalEntry, 'op' | 'path' | 'keeper' | 'target' | 'expect' | 'mode' | 'runId' | 'seq'>,
): Reversal {
  const { op, path, keeper, target, expect, mode } = entry;
  try {
    switch (op) {
      case 'quarantine':
      case 'move': {
        const here = exists(ops, path);
        const there = exists(ops, target!);
        if (here?.ino === expect.ino && here.dev === expect.dev) return { outcome: 'already' };
        if (!there)
          return {
            outcome: 'problem',
            reason: `${op === 'move' ? 'the moved' : 'the quarantined'} copy is gone`,
          };
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
        const here = exists(ops, path);
        if (!here) return { outcome: 'problem', reason: 'its path is empty now' };
        const k = exists(ops, keeper);
        const linked =
          op === 'hardlink'
            ? here.isFile() && k?.ino === here.ino && k.dev === here.dev
            : here.isSymbolicLink();
        if (!linked) return { outcome: 'already' };
        // A hard link holds the content itself; a symlink needs its keeper.
        const source = op === 'hardlink' ? path : keeper;
        if (op === 'symlink' && !k?.isFile()) return { outcome: 'problem', reason: 'its keeper is gone' };
        const temp = temporaryName(path, entry.runId, entry.seq);
        removeQuietly(ops, temp);
        try {
          ops.copyFile(source, temp, constants.COPYFILE_FICLONE);
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
