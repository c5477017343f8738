import {
  describeErrno,
  errnoOf,
  lstatIfPresent,
  renameNoReplace,
  type FileOps,
  type Stat,
} from '../../fs/file-ops.js';
import { PinnedFolder } from '../pinned-folder.js';
import { displayPath, fromBytes, parentOf, toBytes, type FsPath } from '../../model/paths.js';
import type { Act, CrashState, RelocatingKind, Reversal, TargetPlace } from './kind.js';
import {
  isExpectedFile,
  isOriginal,
  look,
  purgeAsideOf,
  putBack,
  removeEmptyParents,
  setAside,
  type EntryView,
} from './shared.js';

/**
 * The actions that keep the file and only give it a new name (quarantine, move): one rename that never replaces
 * anything, then a look at the new name, which must hold the very file checked; undo renames it back.
 */
export function relocatingKind(
  op: 'quarantine' | 'move',
  target: (path: FsPath, place: TargetPlace) => FsPath,
): RelocatingKind {
  const copy = op === 'move' ? 'the moved' : 'the quarantined';
  return {
    op,
    destroys: false,
    removesPath: true,
    target,
    perform({ ops, folders, entry, file }: Act): void {
      folders.ensure(parentOf(entry.target));
      setAside(ops, entry.path, entry.target, file);
    },
    stateAfterCrash(ops: FileOps, entry: EntryView): CrashState {
      try {
        const atPath = look(ops, entry.path);
        const atTarget = look(ops, entry.target!);
        if (isOriginal(atPath, entry.expect)) {
          // Interrupted inside the no-replace rename: both names hold the file; the new one goes.
          if (isOriginal(atTarget, entry.expect)) ops.unlink(entry.target!);
          return 'not-done';
        }
        if (isOriginal(atTarget, entry.expect)) return 'done';
        if (typeof atPath === 'object' && 'error' in atPath) return { unknown: describeErrno(atPath.error) };
        return { unknown: `the file is neither at its path nor at ${displayPath(entry.target!)}` };
      } catch (error) {
        return { unknown: describeErrno(error) };
      }
    },
    reverse(ops: FileOps, entry: EntryView): Reversal {
      const { path, expect } = entry;
      const from = entry.target!;
      try {
        const here = lstatIfPresent(ops, path);
        if (op === 'quarantine') recoverPurgeAside(ops, from, expect);
        const there = lstatIfPresent(ops, from);
        if (here && isOriginal(here, expect)) {
          if (there && isOriginal(there, expect)) ops.unlink(from); // an undo interrupted mid-rename
          return { outcome: 'already' };
        }
        if (!there) return { outcome: 'problem', reason: `${copy} copy is gone` };
        // Only the very file that was moved away goes back: never something else found at its place.
        if (!isExpectedFile(there, expect)) {
          return { outcome: 'problem', reason: `${copy} copy ${displayPath(from)} is another file now` };
        }
        if (here) return { outcome: 'problem', reason: 'another file now stands at its path' };
        makeFoldersFor(ops, path, there);
        const folder = PinnedFolder.ownedFolder(ops, parentOf(path), Number(there.uid));
        try {
          renameNoReplace(ops, from, folder.within(path));
        } catch (error) {
          if (errnoOf(error) === 'EEXIST') {
            return { outcome: 'problem', reason: 'another file now stands at its path' };
          }
          throw error;
        } finally {
          folder.close();
        }
        if (op === 'quarantine') removeEmptyParents(ops, from, runFolderOf(from, path));
        return { outcome: 'undone' };
      } catch (error) {
        return { outcome: 'problem', reason: describeErrno(error) };
      }
    },
  };
}

/**
 * Makes the missing folders above a file that goes back, below the nearest one that is there, which must be of
 * the file's owner or root; the new folders are given to the file's owner.
 */
function makeFoldersFor(ops: FileOps, path: FsPath, file: Stat): void {
  const missing: FsPath[] = [];
  let at = parentOf(path);
  while (lstatIfPresent(ops, at) === undefined) {
    missing.push(at);
    at = parentOf(at);
  }
  if (missing.length === 0) return;
  PinnedFolder.ownedFolder(ops, at, Number(file.uid)).close();
  for (const folder of missing.reverse()) {
    ops.mkdir(folder, 0o700);
    ops.chown(folder, Number(file.uid), Number(file.gid));
  }
}

/** A quarantined copy an interrupted purge left set aside goes back to its quarantine name first. */
export function recoverPurgeAside(ops: FileOps, copy: FsPath, expect: EntryView['expect']): void {
  const aside = purgeAsideOf(copy);
  if (isOriginal(look(ops, aside), expect)) putBack(ops, aside, copy);
}

/** The run folder of a quarantined file: its target is the run folder followed by the file's absolute path. */
export function runFolderOf(target: FsPath, path: FsPath): FsPath {
  const t = toBytes(target);
  const p = toBytes(path);
  // Not a mirrored path (never so for a journal nodupe wrote): the folder of the file itself, so nothing above it goes.
  if (!t.subarray(t.length - p.length).equals(p)) return parentOf(target);
  return fromBytes(t.subarray(0, t.length - p.length));
}
