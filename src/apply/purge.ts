import type { CatalogStore } from '../catalog/store.js';
import type { Clock } from '../core/clock.js';
import { abortErrorFrom } from '../core/errors.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { describeErrno, lstatIfPresent, nodeFileOps, type FileOps } from '../fs/file-ops.js';
import { MountTable } from '../fs/mounts.js';
import { type FsPath } from '../model/paths.js';
import {
  ACTION_KINDS,
  FolderMaker,
  isExpectedFile,
  mirrorBaseOf,
  removeEmptyParents,
} from './actions/index.js';
import { reservedAside } from './actions/shared.js';
import { recoverPurgeAside } from './actions/relocate.js';
import { carryOut, type RunContext } from './carry-out.js';
import { lockCatalog } from './catalog-lock.js';
import { StackingCheck } from './check.js';
import { HeldFolders } from './pinned-folder.js';
import type { JournalEntry, Settlement } from './journal.js';
import { RunBounds } from './run-bounds.js';
import { LinkTally } from './space.js';

export interface PurgeOptions {
  olderThanMs: number;
  clock: Clock;
  ops?: FileOps;
  dryRun?: boolean;
  /** Throttles the byte compares with the keepers (`--max-read-rate`). */
  limiter?: RateLimiter;
  signal?: AbortSignal;
  /** Let a keeper of another owner stand in for the quarantined copy (`--any-owner`). */
  anyOwner?: boolean;
}

export interface PurgeReport {
  runs: number[];
  files: number;
  /** The size of the files purged. */
  bytes: number;
  /** The allocated bytes freed (see `src/apply/space.ts`): a copy with another name outside the quarantine frees none. */
  freed: number;
  problems: { path: FsPath; reason: string }[];
}

/**
 * Frees the space of quarantined files whose run finished more than `olderThanMs` ago (wall clock). A purge
 * removes bytes, so it follows the rule every removal does: each quarantined copy is compared with its keeper
 * now, set aside, and removed only while the keeper's path still names the very inode compared, unchanged. A
 * copy whose keeper is gone, changed or different stays, and the report says why. Its journal entry is marked
 * purged (undo then reports it cannot be brought back); empty quarantine folders left behind are removed, never
 * above the run's folder.
 */
export async function purgeQuarantine(catalog: CatalogStore, options: PurgeOptions): Promise<PurgeReport> {
  const release = options.dryRun ? undefined : lockCatalog(catalog);
  try {
    return await purgeLocked(catalog, options);
  } finally {
    release?.();
  }
}

async function purgeLocked(catalog: CatalogStore, options: PurgeOptions): Promise<PurgeReport> {
  const ops = options.ops ?? nodeFileOps;
  const cutoff = options.clock.wallNow() - options.olderThanMs;
  const report: PurgeReport = { runs: [], files: 0, bytes: 0, freed: 0, problems: [] };
  const run: RunContext = {
    ops,
    stacking: new StackingCheck(ops),
    limiter: options.limiter,
    signal: options.signal,
    anyOwner: options.anyOwner,
    purging: true,
    held: new HeldFolders(ops),
    touched: new Set(),
    links: new LinkTally(options.dryRun ?? false),
    mounts: new MountTable(ops),
  };
  // A purge makes no folders: only quarantine and move do.
  const folders = new FolderMaker(() => {
    throw new Error('a purge makes no folders');
  }, ops);
  try {
    await purgeRuns(catalog, run, folders, cutoff, report, options);
  } finally {
    run.held.close();
  }
  return report;
}

async function purgeRuns(
  catalog: CatalogStore,
  run: RunContext,
  folders: FolderMaker,
  cutoff: number,
  report: PurgeReport,
  options: PurgeOptions,
): Promise<void> {
  const journal = catalog.journal();
  for (const record of journal.runs()) {
    if (record.state !== 'finished' || record.finishedAt === undefined || record.finishedAt > cutoff)
      continue;
    const purged: Settlement[] = [];
    let bounds: RunBounds | undefined;
    // A run of near-duplicates quarantined files that are no copies of their keepers: purge never frees them, even
    // with --any-owner (their keeper proves nothing), however their bytes or their keepers' came to be now.
    const nearDuplicates = isNearDuplicateRun(journal.planText(record.id));
    try {
      for (const entry of journal.entries(record.id)) {
        if (options.signal?.aborted) throw abortErrorFrom(options.signal);
        if (entry.op !== 'quarantine' || entry.state !== 'done' || entry.target === undefined) continue;
        if (nearDuplicates) {
          report.problems.push({ path: entry.target, reason: NEAR_DUPLICATE_STAYS(record.id) });
          continue;
        }
        // Only a quarantined copy where apply put it: a journal entry that names another file is not followed.
        const changed = (bounds ??= RunBounds.ofRun(catalog.id, journal, record.id)).problem(entry);
        if (changed !== undefined) {
          report.problems.push({ path: entry.target, reason: changed });
          continue;
        }
        const outcome = await purgeOne(
          run,
          folders,
          entry,
          bounds.keeperMember(entry.seq),
          options.dryRun ?? false,
        );
        if ('reason' in outcome) report.problems.push({ path: entry.target, reason: outcome.reason });
        else {
          // A copy found gone (someone removed it) was freed by no purge.
          const freed = outcome.gone ? 0 : outcome.freed;
          if (!outcome.gone) {
            report.files++;
            report.bytes += entry.bytes;
            report.freed += freed;
          }
          if (!options.dryRun) purged.push({ seq: entry.seq, state: 'purged', freed });
        }
      }
    } finally {
      journal.settle(record.id, purged, options.clock.wallNow());
    }
    if (purged.length > 0 || options.dryRun) report.runs.push(record.id);
  }
}

const NEAR_DUPLICATE_STAYS = (run: number) =>
  `a near-duplicate (run ${run} applied a plan of \`nodupe similar\`): not a copy of its keeper, so purge never ` +
  `removes it; look at it and remove it yourself, or \`nodupe undo ${run}\` puts it back`;

/** Whether a run's plan (its text in the journal) is one of near-duplicates (`basis`); unreadable: treated as one. */
export function isNearDuplicateRun(planText: string): boolean {
  try {
    return (JSON.parse(planText) as { basis?: unknown }).basis !== undefined;
  } catch {
    return true;
  }
}

/** Removes one quarantined copy as a delete of it would: compared with its keeper, set aside, keeper proven. */
async function purgeOne(
  run: RunContext,
  folders: FolderMaker,
  entry: JournalEntry,
  keeperMember: string | undefined,
  dryRun: boolean,
): Promise<{ gone: true } | { gone: false; freed: number } | { reason: string }> {
  const { ops } = run;
  const copy = entry.target!;
  let there;
  try {
    recoverPurgeAside(ops, copy, entry.expect);
    there = lstatIfPresent(ops, copy);
  } catch (error) {
    return { reason: describeErrno(error) };
  }
  if (there === undefined) return { gone: true };
  // Only the very file quarantined: never something else found at its place.
  if (!isExpectedFile(there, entry.expect)) {
    return { reason: 'another file stands where the quarantined copy was: left alone' };
  }
  // The keeper must be the very file the copy was quarantined against (`keeperId`, recorded with the intent,
  // which carryOut holds it to): another file with the same bytes at its name, perhaps another user's, is not a
  // copy anyone promised to keep. A run journaled before keepers were recorded has only the owner check.
  if (entry.keeperId === undefined && run.anyOwner) {
    return {
      reason:
        'its run was journaled by an older nodupe, which did not record which file the keeper was: ' +
        '--any-owner cannot be proven safe for it; the quarantined copy stays (purge without --any-owner)',
    };
  }
  const aside = reservedAside(copy, 'purge');
  const result = await carryOut(
    run,
    ACTION_KINDS.delete,
    {
      op: 'delete',
      path: copy,
      keeper: entry.keeper,
      target: aside,
      expect: entry.expect,
      owner: undefined,
      folder: undefined,
      keeperId: entry.keeperId,
    },
    folders,
    { path: copy, expect: entry.expect, ignoreCtime: true },
    { identity: undefined, member: keeperMember },
    dryRun,
  );
  if ('reason' in result) {
    const keeperGone =
      /keeper .* (vanished|is gone|is now a symbolic link|is no longer a regular file|is another file now)/.test(
        result.reason,
      );
    return {
      reason: keeperGone
        ? `${result.reason}: the quarantined copy may be the last one, so it stays`
        : `${result.reason}: the quarantined copy stays`,
    };
  }
  if (!dryRun) removeEmptyParents(ops, copy, mirrorBaseOf(copy, entry.path));
  return { gone: false, freed: result.freed };
}
