import type { CatalogStore, RefreshedPath } from '../catalog/store.js';
import type { Clock } from '../core/clock.js';
import { abortErrorFrom } from '../core/errors.js';
import type { FsPath } from '../model/paths.js';
import { ACTION_KINDS, identityNow, type Reversal } from './actions/index.js';
import { lockCatalog } from './catalog-lock.js';
import { removeRunFolders, RunBounds } from './run-bounds.js';
import { nodeFileOps, type FileOps } from '../fs/file-ops.js';
import {
  pickRun,
  restoreCommand,
  type Journal,
  type JournalEntry,
  type RunRecord,
  type RunSnapshot,
  type RunState,
  type Settlement,
} from './journal.js';

export interface UndoOptions {
  catalog: CatalogStore;
  clock: Clock;
  ops?: FileOps;
  signal?: AbortSignal;
  onStep?: (entry: JournalEntry, outcome: 'undone' | 'already' | 'problem', reason?: string) => void;
}

export interface UndoReport {
  runId: number;
  undone: number;
  /** Entries found reversed already (an earlier, interrupted undo) or never carried out. */
  already: number;
  /** What was not undone, and why: deleted files and purged copies among them. */
  problems: { path: FsPath; op: JournalEntry['op']; reason: string }[];
  /** Files the run deleted, copies purged since, and copies found gone: no undo brings them back. */
  deleted: number;
  purged: number;
  gone: number;
  /** The snapshot the run took of the files it deletes (`apply --snapshot`), which holds them. */
  snapshot: RunSnapshot | undefined;
  /**
   * The run's state now: undone; partly-undone (all that can be is undone, deleted files, purged copies or copies
   * gone are left: final); undoing (something undo can retry stopped it: another file at a path, a folder gone).
   */
  state: RunState;
  /** True when the whole run is undone. */
  complete: boolean;
}

/**
 * Whether a run has something left that undo can reverse or put right (a finished run of deletes, or of purged
 * copies, has not). An unsettled intent of any action counts: a delete killed mid-way may have left its file set
 * aside, which undo puts back.
 */
function reversible(catalog: CatalogStore, run: RunRecord): boolean {
  return (
    run.state !== 'undone' &&
    run.state !== 'partly-undone' &&
    catalog
      .journal()
      .entries(run.id)
      .some((e) => e.state === 'intent' || (e.state === 'done' && e.op !== 'delete'))
  );
}

/** Whether any run has something left to undo: a plain `nodupe undo` with nothing to do says so, and is done. */
export function anythingToUndo(catalog: CatalogStore): boolean {
  return catalog
    .journal()
    .runs()
    .some((r) => reversible(catalog, r));
}

/**
 * The run undo acts on: the one named, else the last run with something left to reverse (a run whose only
 * actions left are deletes can never be undone: by default undo passes over it to the run before).
 */
export function runToUndo(catalog: CatalogStore, runId: number | undefined): RunRecord {
  return pickRun(catalog.journal(), runId, (r) => reversible(catalog, r), 'there is no run left to undo');
}

/**
 * Reverses an apply run, last action first, and may be repeated: each entry is judged from the file system
 * (reversed already? never carried out?) before anything moves, so an undo interrupted midway, or an undo of
 * an apply that crashed, simply continues.
 */
export function undoRun(run: RunRecord, options: UndoOptions): UndoReport {
  const release = lockCatalog(options.catalog);
  try {
    // Read again under the lock: an apply that held it may have moved the run on since it was chosen.
    return undoLocked(options.catalog.journal().run(run.id) ?? run, options);
  } finally {
    release();
  }
}

function undoLocked(run: RunRecord, options: UndoOptions): UndoReport {
  const { catalog, clock, signal } = options;
  const ops = options.ops ?? nodeFileOps;
  const journal = catalog.journal();
  const report: UndoReport = {
    runId: run.id,
    undone: 0,
    already: 0,
    problems: [],
    deleted: 0,
    purged: 0,
    gone: 0,
    snapshot: run.snapshot,
    state: run.state,
    complete: run.state === 'undone',
  };
  if (run.state === 'undone') return report;
  journal.setRunState(run.id, 'undoing', clock.wallNow());
  const entries = journal.entries(run.id).reverse();
  const bounds = RunBounds.ofRun(catalog.id, journal, run.id);
  const settled: Settlement[] = [];
  const refreshed: RefreshedPath[] = [];
  const flush = () => {
    journal.settle(run.id, settled.splice(0), clock.wallNow());
    catalog.refresh(refreshed.splice(0), clock.wallNow());
  };
  for (const entry of entries) {
    if (signal?.aborted) {
      flush();
      throw abortErrorFrom(signal);
    }
    if (entry.state === 'skipped' || entry.state === 'undone') continue;
    if (entry.state === 'purged') {
      report.purged++;
      report.problems.push({ path: entry.path, op: entry.op, reason: 'its quarantined copy was purged' });
      options.onStep?.(entry, 'problem', 'its quarantined copy was purged');
      continue;
    }
    // Only an entry as apply wrote it is followed: never one that would take a file from, or put it, elsewhere.
    const changed = bounds.problem(entry);
    if (changed !== undefined) {
      report.problems.push({ path: entry.path, op: entry.op, reason: changed });
      options.onStep?.(entry, 'problem', changed);
      continue;
    }
    if (entry.state === 'intent') {
      const crash = ACTION_KINDS[entry.op].stateAfterCrash(ops, entry);
      if (crash === 'not-done') {
        settled.push({
          seq: entry.seq,
          state: 'skipped',
          reason: 'never carried out (the run was interrupted)',
        });
        report.already++;
        options.onStep?.(entry, 'already');
        continue;
      }
      if (crash !== 'done') {
        const reason = `cannot tell whether it was carried out: ${crash.unknown}`;
        report.problems.push({ path: entry.path, op: entry.op, reason });
        options.onStep?.(entry, 'problem', reason);
        continue;
      }
    }
    const result = whereDeleted(entry, run, ACTION_KINDS[entry.op].reverse(ops, entry));
    options.onStep?.(entry, result.outcome, result.outcome === 'problem' ? result.reason : undefined);
    if (result.outcome === 'problem') {
      if (entry.op === 'delete') report.deleted++;
      else if (result.lost) report.gone++;
      report.problems.push({ path: entry.path, op: entry.op, reason: result.reason });
      // Carried out before the crash, but it cannot be reversed (a delete): the journal says done, not intent.
      if (entry.state === 'intent') settled.push({ seq: entry.seq, state: 'done' });
      continue;
    }
    if (result.outcome === 'undone') report.undone++;
    else report.already++;
    settled.push({ seq: entry.seq, state: 'undone' });
    refreshed.push(identityNow(ops, entry.path));
    if (settled.length >= 256) flush();
  }
  flush();
  // Deleted files, purged copies and copies gone never come back: a run left with those only is as undone as it
  // can be.
  const retry = report.problems.length - report.deleted - report.purged - report.gone;
  report.state = retry > 0 ? 'undoing' : report.problems.length > 0 ? 'partly-undone' : 'undone';
  report.complete = report.state === 'undone';
  if (report.state !== 'undoing') journal.setRunState(run.id, report.state, clock.wallNow());
  removeFoldersOfUndoneRuns(ops, catalog.id, journal, run.id, bounds);
  return report;
}

/**
 * The folders this run made go once empty (its files back where they were, those undo could not move staying in
 * theirs), and so do those of runs undone before: a run undone while a later run's files were still in its
 * folders leaves them to the undo of that later run. `bounds`: this run's, read already.
 */
function removeFoldersOfUndoneRuns(
  ops: FileOps,
  catalogId: string,
  journal: Journal,
  runId: number,
  bounds: RunBounds,
): void {
  for (const r of journal.runs()) {
    if (r.id !== runId && r.state !== 'undone' && r.state !== 'partly-undone') continue;
    if (journal.folders(r.id).length === 0) continue;
    removeRunFolders(ops, journal, r.id, r.id === runId ? bounds : RunBounds.ofRun(catalogId, journal, r.id));
  }
}

/** A deleted file, which undo cannot bring back: the reason says which snapshot holds it, when the run took one. */
function whereDeleted(entry: JournalEntry, run: RunRecord, result: Reversal): Reversal {
  if (entry.op !== 'delete' || result.outcome !== 'problem') return result;
  const where =
    run.snapshot === undefined
      ? 'no snapshot was taken (`apply --snapshot` takes one)'
      : `snapshot ${run.snapshot.id} holds it (\`${restoreCommand(run.snapshot)}\`)`;
  return { outcome: 'problem', reason: `${result.reason}: ${where}` };
}
