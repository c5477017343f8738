import type { CatalogStore, RefreshedPath } from '../catalog/store.js';
import type { Clock } from '../core/clock.js';
import { abortErrorFrom } from '../core/errors.js';
import type { FsPath } from '../scan/paths.js';
import { identityAfter, reverse, stateAfterCrash } from './actions.js';
import { nodeFileOps, type FileOps } from './file-ops.js';
import { pickRun, type JournalEntry, type RunRecord, type Settlement } from './journal.js';

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
  problems: { path: FsPath; op: JournalEntry['op']; reason: string }[];
  /** False when problems remain: the run stays "undoing" and undo can be run again. */
  complete: boolean;
}

/** The run undo acts on: the one named, else the last run that is not undone. */
export function runToUndo(catalog: CatalogStore, runId: number | undefined): RunRecord {
  return pickRun(catalog.journal(), runId, (r) => r.state !== 'undone', 'there is no run to undo');
}

/**
 * Reverses an apply run, last action first, and may be repeated: each entry is judged from the file system
 * (reversed already? never carried out?) before anything moves, so an undo interrupted midway, or an undo of
 * an apply that crashed, simply continues.
 */
export function undoRun(run: RunRecord, options: UndoOptions): UndoReport {
  const { catalog, clock, signal } = options;
  const ops = options.ops ?? nodeFileOps;
  const journal = catalog.journal();
  const report: UndoReport = { runId: run.id, undone: 0, already: 0, problems: [], complete: true };
  if (run.state === 'undone') return report;
  journal.setRunState(run.id, 'undoing', clock.wallNow());
  const entries = journal.entries(run.id).reverse();
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
      report.problems.push({ path: entry.path, op: entry.op, reason: 'its quarantined copy was purged' });
      options.onStep?.(entry, 'problem', 'its quarantined copy was purged');
      continue;
    }
    if (entry.state === 'intent' && stateAfterCrash(ops, entry) === 'not-done') {
      settled.push({
        seq: entry.seq,
        state: 'skipped',
        reason: 'never carried out (the run was interrupted)',
      });
      report.already++;
      options.onStep?.(entry, 'already');
      continue;
    }
    const result = reverse(ops, entry);
    options.onStep?.(entry, result.outcome, result.outcome === 'problem' ? result.reason : undefined);
    if (result.outcome === 'problem') {
      report.problems.push({ path: entry.path, op: entry.op, reason: result.reason });
      // Carried out before the crash, but it cannot be reversed (a delete): the journal says done, not intent.
      if (entry.state === 'intent') settled.push({ seq: entry.seq, state: 'done' });
      continue;
    }
    if (result.outcome === 'undone') report.undone++;
    else report.already++;
    settled.push({ seq: entry.seq, state: 'undone' });
    refreshed.push(identityAfter(ops, entry.op, entry.path, true));
    if (settled.length >= 256) flush();
  }
  flush();
  report.complete = report.problems.length === 0;
  if (report.complete) journal.setRunState(run.id, 'undone', clock.wallNow());
  return report;
}
