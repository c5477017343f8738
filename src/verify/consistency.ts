import type { Journal, JournalEntry } from '../apply/journal.js';
import { describeErrno, errnoOf, lstatIfPresent, type FileOps } from '../fs/file-ops.js';
import { displayPath, type FsPath } from '../model/paths.js';
import type { VerifyError } from './verify.js';

/**
 * The journal agrees with the disk: no run left unsettled; every file a run quarantined or moved is where the
 * journal says; the keeper of every completed action still exists; links made are still there; files an undo
 * brought back are back. A path that cannot be looked at (EACCES, EIO) is reported as unreadable.
 */
export function checkConsistency(ops: FileOps, journal: Journal): { checked: number; errors: VerifyError[] } {
  const errors: VerifyError[] = [];
  let checked = 0;
  for (const run of journal.runs()) {
    if (run.state === 'undone') continue;
    for (const e of journal.entries(run.id)) {
      // Undone as far as it can be: the files undo brought back are the user's again.
      if (run.state === 'partly-undone' && e.state === 'undone') continue;
      checked++;
      const fail = (code: string, message: string, path = e.path) =>
        errors.push({ check: 'consistency', path, code, message, run: run.id });
      try {
        checkEntry(ops, e, run.id, fail);
      } catch (error) {
        if (errnoOf(error) === undefined) throw error;
        fail('unreadable', `could not be looked at: ${describeErrno(error)}`);
      }
    }
  }
  return { checked, errors };
}

type Fail = (code: string, message: string, path?: FsPath) => void;

function checkEntry(ops: FileOps, e: JournalEntry, run: number, fail: Fail): void {
  switch (e.state) {
    case 'intent':
      fail(
        'unsettled',
        `run ${run} was interrupted before this ${e.op} settled: \`nodupe apply --resume\` finishes it, \`nodupe undo ${run}\` reverses it`,
      );
      break;
    case 'done': {
      const keeper = lstatIfPresent(ops, e.keeper);
      if (!keeper?.isFile()) {
        fail(
          'keeper-missing',
          `its keeper ${displayPath(e.keeper)} is gone: this content may have no copy left`,
        );
      }
      if (e.op === 'quarantine' || e.op === 'move') {
        const there = e.target === undefined ? undefined : lstatIfPresent(ops, e.target);
        if (!there || there.ino !== e.expect.ino) {
          fail(
            `${e.op === 'move' ? 'moved' : 'quarantined'}-missing`,
            `its ${e.op === 'move' ? 'moved' : 'quarantined'} copy ${displayPath(e.target ?? '')} is gone`,
          );
        }
      } else if (e.op !== 'delete') {
        const here = lstatIfPresent(ops, e.path);
        if (!here) fail('link-missing', `the ${e.op} made here is gone`);
      }
      break;
    }
    case 'undone':
      if (!lstatIfPresent(ops, e.path)) fail('undone-missing', 'undo brought it back, but it is gone');
      break;
    case 'skipped':
    case 'purged':
      break;
    default: {
      const unknown: never = e.state;
      throw new Error(`unhandled state ${String(unknown)}`);
    }
  }
}
