import { describeErrno, renameNoReplace } from '../../fs/file-ops.js';
import { displayPath } from '../../model/paths.js';
import type { CrashState, DestroyingKind } from './kind.js';
import { mustMayRemove } from './rehearsal.js';
import { actionTag, besideNames, isOriginal, look, mustBeFree } from './shared.js';

/**
 * Delete: the file is set aside beside itself (its journaled target), compared, the keeper proven to still hold
 * the compared bytes, and only then is the set-aside name removed.
 */
export const deleteKind: DestroyingKind = {
  op: 'delete',
  destroys: true,
  sharesKeeper: false,
  proof: 'keeper',
  linksKeeper: false,
  removesPath: true,
  target: (path, place) => besideNames(path, actionTag(place.catalogId, place.runId, place.seq)).aside,
  asideOf: (entry) => entry.target!,
  rehearse: ({ ops, entry, folder, file }) => {
    mustBeFree(ops, entry.target);
    mustMayRemove(ops, folder, file);
  },
  stateAfterCrash(ops, entry): CrashState {
    try {
      const aside = entry.target!;
      const atPath = look(ops, entry.path);
      const setAsideFile = look(ops, aside);
      if (isOriginal(setAsideFile, entry.expect)) {
        if (isOriginal(atPath, entry.expect)) {
          ops.unlink(aside); // interrupted inside the no-replace rename: one inode, two names
          return 'not-done';
        }
        if (atPath === 'missing') {
          renameNoReplace(ops, aside, entry.path);
          return 'not-done';
        }
        return { unknown: `the file was set aside as ${displayPath(aside)} and its path is taken` };
      }
      if (isOriginal(atPath, entry.expect)) return 'not-done';
      if (typeof atPath === 'object' && 'error' in atPath) return { unknown: describeErrno(atPath.error) };
      return 'done';
    } catch (error) {
      return { unknown: describeErrno(error) };
    }
  },
  reverse: () => ({ outcome: 'problem', reason: 'a deleted file cannot be brought back by undo' }),
};
