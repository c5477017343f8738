import { describeErrno, errnoOf, lstatIfPresent, type FileOps } from '../../fs/file-ops.js';
import { PinnedFolder } from '../pinned-folder.js';
import { displayPath, fromBytes, parentOf, toBytes, type FsPath } from '../../model/paths.js';
import type { Act, CrashState, RelocatingKind, Reversal, TargetPlace } from './kind.js';
import { mustBeOnMountOf, mustMayCreateIn, mustMayRemove } from './rehearsal.js';
import {
  isExpectedFile,
  isOriginal,
  look,
  mustBeFree,
  putBack,
  relocate,
  reservedAside,
  removeEmptyParents,
  type EntryView,
} from './shared.js';

/**
 * The actions that keep the file and only give it a new name (quarantine, move), through a name nodupe reserves
 * beside it (see `relocate`): nothing that stands at either name is ever moved or replaced. Undo takes the same
 * way back, into a folder of the file's owner.
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
      folders.ensure(parentOf(entry.target), () => mirrorBaseOf(entry.target, entry.path));
      relocate(ops, entry.path, reservedAside(entry.path, 'move'), entry.target, file);
    },
    rehearse({ ops, folders, entry, file, folder, mounts }: Act): void {
      const into = parentOf(entry.target);
      folders.ensure(into, () => mirrorBaseOf(entry.target, entry.path)); // a dry run: those there checked, none made
      const made = lstatIfPresent(ops, into) === undefined;
      if (made) mustMayCreateIn(ops, into); // its folders are made first
      mustBeFree(ops, reservedAside(entry.path, 'move'));
      mustMayRemove(ops, folder, file);
      mustBeFree(ops, entry.target);
      mustBeOnMountOf(ops, mounts, entry.target, { folder: parentOf(entry.path), dev: file.dev });
      if (!made) mustMayCreateIn(ops, into);
    },
    stateAfterCrash(ops: FileOps, entry: EntryView): CrashState {
      try {
        const atPath = look(ops, entry.path);
        const via = reservedAside(entry.path, 'move');
        const atVia = look(ops, via);
        const atTarget = look(ops, entry.target!);
        if (isOriginal(atVia, entry.expect)) {
          // Interrupted between its two steps: done if it reached its new name, else it goes back.
          if (isOriginal(atTarget, entry.expect)) {
            ops.unlink(via);
            return 'done';
          }
          if (atPath !== 'missing')
            return { unknown: `the file is at ${displayPath(via)} and its path is taken` };
          putBack(ops, via, entry.path);
          return 'not-done';
        }
        if (isOriginal(atPath, entry.expect)) {
          // Both names hold the file (an older nodupe's link and unlink): the new one goes.
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
      const via = reservedAside(from, 'move');
      try {
        if (op === 'quarantine') recoverPurgeAside(ops, from, expect);
        // An undo interrupted between its two steps left the file beside its new name: it goes back there first.
        if (isOriginal(look(ops, via), expect) && lstatIfPresent(ops, from) === undefined)
          putBack(ops, via, from);
        const here = lstatIfPresent(ops, path);
        const there = lstatIfPresent(ops, from);
        if (here && isOriginal(here, expect)) {
          if (there && isOriginal(there, expect)) ops.unlink(from); // an undo interrupted mid-way
          if (isOriginal(look(ops, via), expect)) ops.unlink(via);
          removeFoldersMade(ops, entry, from); // an undo interrupted before it removed them
          return { outcome: 'already' };
        }
        if (!there) {
          // Gone from a folder that is there: removed, for good. A folder that is not there may be on a file
          // system not mounted now: undo can try again.
          const base = mirrorBaseOf(from, path);
          return lstatIfPresent(ops, base)?.isDirectory()
            ? { outcome: 'problem', reason: `${copy} copy is gone`, lost: true }
            : {
                outcome: 'problem',
                reason: `${copy} copy is not there: ${displayPath(base)} is missing (is its file system mounted?)`,
              };
        }
        // Only the very file that was moved away goes back: never something else found at its place.
        if (!isExpectedFile(there, expect)) {
          return { outcome: 'problem', reason: `${copy} copy ${displayPath(from)} is another file now` };
        }
        if (here) return { outcome: 'problem', reason: 'another file now stands at its path' };
        // Undo makes no folders: a folder made now would not be the one the file left.
        if (lstatIfPresent(ops, parentOf(path)) === undefined) {
          return {
            outcome: 'problem',
            reason: `the folder it was in is gone; it stays at ${displayPath(from)}`,
          };
        }
        const folder = PinnedFolder.theFolderLeft(ops, parentOf(path), entry.folder, Number(there.uid));
        try {
          relocate(ops, from, via, folder.within(path), there);
        } catch (error) {
          if (errnoOf(error) === 'EEXIST') {
            return { outcome: 'problem', reason: 'another file now stands at its path' };
          }
          throw error;
        } finally {
          folder.close();
        }
        removeFoldersMade(ops, entry, from);
        return { outcome: 'undone' };
      } catch (error) {
        return { outcome: 'problem', reason: describeErrno(error) };
      }
    },
  };
}

/** A quarantined copy an interrupted purge left set aside goes back to its quarantine name first. */
export function recoverPurgeAside(ops: FileOps, copy: FsPath, expect: EntryView['expect']): void {
  const aside = reservedAside(copy, 'purge');
  if (isOriginal(look(ops, aside), expect)) putBack(ops, aside, copy);
}

/**
 * Takes away again the folders the action made above the file's new name (`foldersMade`, recorded when it was
 * done), now that it has left them: each only while empty, never `--to` or the run's quarantine folder or above
 * them. A run journaled before nodupe recorded them: the quarantine folders up to the run's folder; no folders
 * of a move's.
 */
function removeFoldersMade(ops: FileOps, entry: EntryView, from: FsPath): void {
  const base = mirrorBaseOf(from, entry.path);
  if (entry.foldersMade !== undefined) removeEmptyParents(ops, from, base, entry.foldersMade);
  else if (entry.op === 'quarantine') removeEmptyParents(ops, from, base);
}

/**
 * The folder a relocated file's absolute path is recreated under: its run's quarantine folder, or a move's --to.
 * The target is that folder followed by the file's absolute path.
 */
export function mirrorBaseOf(target: FsPath, path: FsPath): FsPath {
  const t = toBytes(target);
  const p = toBytes(path);
  // Not a mirrored path (never so for a journal nodupe wrote): the folder of the file itself, so nothing above it goes.
  if (!t.subarray(t.length - p.length).equals(p)) return parentOf(target);
  return fromBytes(t.subarray(0, t.length - p.length));
}
