import type { CatalogStore } from '../catalog/store.js';
import type { Clock } from '../core/clock.js';
import { displayPath, type FsPath } from '../scan/paths.js';
import { describeErrno, errnoOf, nodeFileOps, type FileOps, type Stat } from './file-ops.js';
import { lockCatalog } from './catalog-lock.js';
import type { JournalEntry, Settlement } from './journal.js';
import { isExpectedFile, removeEmptyParents } from './actions.js';

export interface PurgeReport {
  runs: number[];
  files: number;
  bytes: number;
  problems: { path: FsPath; reason: string }[];
}

/**
 * Frees the space of quarantined files whose run finished more than `olderThanMs` ago (wall clock): each is
 * deleted and its journal entry marked purged (undo then reports it cannot be brought back). Empty quarantine
 * folders left behind are removed.
 */
export function purgeQuarantine(
  catalog: CatalogStore,
  options: { olderThanMs: number; clock: Clock; ops?: FileOps; dryRun?: boolean },
): PurgeReport {
  const release = options.dryRun ? undefined : lockCatalog(catalog);
  try {
    return purgeLocked(catalog, options);
  } finally {
    release?.();
  }
}

function purgeLocked(
  catalog: CatalogStore,
  options: { olderThanMs: number; clock: Clock; ops?: FileOps; dryRun?: boolean },
): PurgeReport {
  const ops = options.ops ?? nodeFileOps;
  const journal = catalog.journal();
  const cutoff = options.clock.wallNow() - options.olderThanMs;
  const report: PurgeReport = { runs: [], files: 0, bytes: 0, problems: [] };
  for (const run of journal.runs()) {
    if (run.state !== 'finished' || run.finishedAt === undefined || run.finishedAt > cutoff) continue;
    const purged: Settlement[] = [];
    for (const entry of journal.entries(run.id)) {
      if (entry.op !== 'quarantine' || entry.state !== 'done' || entry.target === undefined) continue;
      // Never the last copy: the keeper must still be there, and the file at the target must be the very one
      // quarantined (not something that took its place).
      const refusal = purgeRefusal(ops, entry);
      if (refusal !== undefined) {
        report.problems.push({ path: entry.target, reason: refusal });
        continue;
      }
      if (options.dryRun) {
        report.files++;
        report.bytes += entry.bytes;
        continue;
      }
      try {
        ops.unlink(entry.target);
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') {
          report.problems.push({ path: entry.target, reason: describeErrno(error) });
          continue;
        }
      }
      removeEmptyParents(ops, entry.target);
      purged.push({ seq: entry.seq, state: 'purged' });
      report.files++;
      report.bytes += entry.bytes;
    }
    if (purged.length > 0 || options.dryRun) report.runs.push(run.id);
    journal.settle(run.id, purged, options.clock.wallNow());
  }
  return report;
}

function purgeRefusal(ops: FileOps, entry: JournalEntry): string | undefined {
  let copy: Stat;
  try {
    copy = ops.lstat(entry.target!);
  } catch (error) {
    return errnoOf(error) === 'ENOENT' ? undefined : describeErrno(error);
  }
  if (!isExpectedFile(copy, entry.expect)) {
    return 'another file stands where the quarantined copy was: left alone';
  }
  try {
    const keeper = ops.lstat(entry.keeper);
    if (!keeper.isFile() || Number(keeper.size) !== entry.expect.size) throw new Error('changed');
  } catch {
    return `its keeper ${displayPath(entry.keeper)} is gone or changed: the quarantined copy may be the last one, so it stays`;
  }
  return undefined;
}
