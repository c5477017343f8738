import type { CatalogStore, RefreshedPath } from '../catalog/store.js';
import type { Clock } from '../core/clock.js';
import { abortErrorFrom, NodupeError } from '../core/errors.js';
import type { ProgressTracker } from '../core/progress.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { nodeFileOps, type FileOps } from '../fs/file-ops.js';
import { identityString, type Expectation, type FileIdentity } from '../model/identity.js';
import { MountTable } from '../fs/mounts.js';
import { joinName, parentOf, pathKey, type FsPath } from '../model/paths.js';
import type { ActionOp, Plan, PlannedAction, PlannedKeeper } from '../plan/plan.js';
import { ACTION_KINDS, FolderMaker, identityNow, mirrorBaseOf } from './actions/index.js';
import { carryOut, inodeKey, type Done, type RunContext } from './carry-out.js';
import { lockCatalog } from './catalog-lock.js';
import { StackingCheck } from './check.js';
import {
  pickRun,
  type JournalEntry,
  type OwnerRecord,
  type RunSnapshot,
  type Settlement,
} from './journal.js';
import { HeldFolders } from './pinned-folder.js';
import { createHashState, type HashState } from '../hash/hashers.js';
import { keeperKey, similarRefusal } from '../plan/validate.js';
import { QuarantineRoots } from './quarantine.js';
import { removeRunFolders, RunBounds } from './run-bounds.js';
import { countAction, LinkTally, noSpace, type SpaceTotals } from './space.js';

export interface ApplyOptions {
  catalog: CatalogStore;
  clock: Clock;
  /** nodupe's data folder: the default quarantine lives in it. */
  dataDir: string;
  ops?: FileOps;
  signal?: AbortSignal;
  /** Throttles the byte compares (`--max-read-rate`). */
  limiter?: RateLimiter;
  dryRun?: boolean;
  /** Stop at the first action that cannot be carried out (the default goes on with the others). */
  stopOnError?: boolean;
  quarantineDir?: string;
  progress?: ProgressTracker;
  /** Hears of every action as it settles. */
  onStep?: (step: Step) => void;
  /** Actions whose intents are written in one durable transaction. */
  batchSize?: number;
  /**
   * Let a keeper of another owner stand in for a file before its bytes go, and links join files of different
   * owners or modes (`--any-owner`).
   */
  anyOwner?: boolean;
  /** The snapshot taken of the files the plan deletes, before the run (`apply --snapshot`): undo names it. */
  snapshot?: RunSnapshot;
  /**
   * The module of the hasher plugin that provides the plan's algorithm, when a plugin does: a plan of
   * near-duplicates checks each file's own content hash by that algorithm.
   */
  hasherModule?: string;
}

/** What happened to one action: done, skipped (with why), or, in a dry run, what would happen. */
export interface Step {
  seq: number;
  op: ActionOp;
  path: FsPath;
  keeper: FsPath;
  outcome: 'done' | 'skipped' | 'would';
  reason?: string;
  /** The file's size, once per inode of the plan. */
  bytes: number;
  /**
   * The allocated bytes it freed (quarantine: what a purge would free; move: 0), as `src/apply/space.ts` counts
   * them; in a dry run, what it would free. An action found done after an interruption counts its size.
   */
  freed: number;
  target?: FsPath;
}

export interface ApplyReport {
  runId: number | undefined;
  dryRun: boolean;
  done: number;
  skipped: number;
  /** The size of the files acted on (once per inode). */
  bytes: number;
  /** What the actions did to disk space: freed, moved into quarantine (and what a purge would free), moved. */
  space: SpaceTotals;
  skips: Step[];
  /** Actions a resumed run found already settled. */
  alreadySettled: number;
  /** True when --stop-on-error stopped the run, or an abort did. */
  stopped: boolean;
}

interface Item {
  seq: number;
  action: PlannedAction;
  keeper: PlannedKeeper;
  bytes: number;
}

/** Actions per durable commit: the journal costs one fsync per batch. */
const DEFAULT_BATCH = 2048;

/** The plan's actions in order, each with its keeper and the bytes it frees. */
function itemsOf(plan: Plan): Item[] {
  const items: Item[] = [];
  for (const group of plan.groups) {
    const keepers = new Map(group.keepers.map((k) => [keeperKey(k.path, k.member), k]));
    const counted = new Set<string>();
    for (const action of group.actions) {
      const inode = `${action.expect.dev}:${action.expect.ino}`;
      items.push({
        seq: items.length,
        action,
        keeper: keepers.get(keeperKey(action.keeper, action.keeperMember))!,
        bytes: counted.has(inode) ? 0 : action.expect.size,
      });
      counted.add(inode);
    }
  }
  return items;
}

/**
 * Carries out a validated plan under the safety model: for each batch of actions the intents are journaled
 * durably first; then each action is checked (file and keeper still as planned), its bytes compared with the
 * keeper's, carried out, and the batch is marked settled. A failed check skips that action with the reason.
 * A crash anywhere leaves a journal that `resumeApply` finishes and `undoRun` reverses.
 */
export async function applyPlan(plan: Plan, planText: string, options: ApplyOptions): Promise<ApplyReport> {
  return locked(options, () => applyLocked(plan, planText, options));
}

/** Runs `work` holding the catalog's cleanup lock (a dry run changes nothing and takes none). */
async function locked<T>(options: ApplyOptions, work: () => Promise<T>): Promise<T> {
  const release = options.dryRun ? undefined : lockCatalog(options.catalog);
  try {
    return await work();
  } finally {
    release?.();
  }
}

async function applyLocked(plan: Plan, planText: string, options: ApplyOptions): Promise<ApplyReport> {
  if (plan.catalog.id !== options.catalog.id) {
    throw new NodupeError(
      'BAD_INPUT',
      `the plan was made from another catalog (${plan.catalog.location}, id ${plan.catalog.id}); ` +
        `this catalog is ${options.catalog.location} (id ${options.catalog.id}). Pass --catalog, or make a new plan`,
    );
  }
  const journal = options.catalog.journal();
  // A dry run is refused as apply would be: it predicts apply.
  const earlier = journal.runsOfPlan(plan.id);
  const last = earlier[earlier.length - 1];
  if (last) {
    throw new NodupeError(
      'BAD_INPUT',
      last.state === 'running'
        ? `this plan's run ${last.id} was interrupted; \`nodupe apply --resume\` finishes it, \`nodupe undo ${last.id}\` reverses it`
        : `this plan was already applied (run ${last.id}, ${last.state}); make a new plan to act again`,
    );
  }
  return execute(plan, planText, undefined, options);
}

/** Finishes an interrupted run (the last one by default); a finished run has nothing left and says so. */
export async function resumeApply(runId: number | undefined, options: ApplyOptions): Promise<ApplyReport> {
  return locked(options, () => resumeLocked(runId, options));
}

async function resumeLocked(runId: number | undefined, options: ApplyOptions): Promise<ApplyReport> {
  const journal = options.catalog.journal();
  const run = pickRun(journal, runId, (r) => r.state === 'running', 'no interrupted run to resume');
  if (run.state !== 'running') {
    throw new NodupeError(
      'BAD_INPUT',
      `run ${run.id} is ${run.state}; only an interrupted run can be resumed`,
    );
  }
  const { readPlan } = await import('../plan/plan-json.js');
  const text = journal.planText(run.id);
  // Without --quarantine now, the run's own folder: its remaining files go where the first ones went.
  return execute(readPlan(text, `the plan of run ${run.id}`), text, run.id, {
    ...options,
    ...((options.quarantineDir ?? run.quarantineDir) === undefined
      ? {}
      : { quarantineDir: (options.quarantineDir ?? run.quarantineDir)! }),
  });
}

async function execute(
  plan: Plan,
  planText: string,
  resumeId: number | undefined,
  options: ApplyOptions,
): Promise<ApplyReport> {
  const { catalog, clock, signal } = options;
  const ops = options.ops ?? nodeFileOps;
  const dryRun = options.dryRun ?? false;
  const journal = catalog.journal();
  const items = itemsOf(plan);
  const ownHash = await ownHashState(plan, options.hasherModule);
  const roots = new QuarantineRoots(ops, {
    dataDir: options.dataDir,
    ...(options.quarantineDir === undefined ? {} : { preferred: options.quarantineDir }),
    create: !dryRun,
  });
  // Every quarantine folder is found before anything is touched: a missing one stops the run at the start.
  const quarantineRoot = new Map<number, FsPath>();
  for (const item of items) {
    if (item.action.op === 'quarantine') {
      quarantineRoot.set(item.seq, roots.rootFor(item.action.path, item.action.expect.dev));
    }
    if (item.action.op === 'move' && item.action.to !== undefined) roots.trustMoveDestination(item.action.to);
  }

  const settledBefore = new Map<number, JournalEntry>();
  const runId = dryRun
    ? 0
    : (resumeId ??
      journal.startRun(plan.id, planText, clock.wallNow(), {
        quarantineDir: options.quarantineDir,
        snapshot: options.snapshot,
      }));
  if (resumeId !== undefined) for (const e of journal.entries(resumeId)) settledBefore.set(e.seq, e);
  // What the journal of a resumed run may name (a dry run of a resume judges that run's entries too).
  const bounds = RunBounds.of(catalog.id, resumeId ?? runId, plan);

  const report: ApplyReport = {
    runId: dryRun ? undefined : runId,
    dryRun,
    done: 0,
    skipped: 0,
    bytes: 0,
    space: plan.basis === undefined ? noSpace() : { ...noSpace(), neverPurged: true },
    skips: [],
    alreadySettled: 0,
    stopped: false,
  };
  // A compare reads the file and its keeper; a near-duplicate's own-hash check reads the file alone.
  const readsPerByte = ownHash === undefined ? 2 : 1;
  const phase = options.progress?.phase(dryRun ? 'check' : 'apply', {
    items: items.length,
    bytes: items.reduce((sum, i) => sum + readsPerByte * i.action.expect.size, 0),
  });
  // The folder each file is in (the folder itself, where its path leads), recorded with its intent: apply acts,
  // and undo puts the file back, only in that very folder. One stat per folder.
  const folderIds = new Map<string, { dev: bigint; ino: bigint } | undefined>();
  const folderOf = (path: FsPath) => {
    const key = pathKey(parentOf(path));
    if (!folderIds.has(key)) {
      let st;
      try {
        st = ops.stat(parentOf(path));
      } catch {
        st = undefined;
      }
      folderIds.set(key, st?.isDirectory() ? { dev: st.dev, ino: st.ino } : undefined);
    }
    return folderIds.get(key);
  };
  // The run's own folder in each quarantine root, made into a path once per root.
  const runFolders = new Map<FsPath, FsPath>();
  const runFolderIn = (root: FsPath) => {
    let folder = runFolders.get(root);
    if (folder === undefined) runFolders.set(root, (folder = runFolderUnder(root, catalog.id, runId)));
    return folder;
  };
  const entryOf = (item: Item): JournalEntry => {
    const kind = ACTION_KINDS[item.action.op];
    const root = quarantineRoot.get(item.seq);
    return {
      runId,
      seq: item.seq,
      op: item.action.op,
      path: item.action.path,
      keeper: item.keeper.path,
      target: kind.target(item.action.path, {
        catalogId: catalog.id,
        runId,
        seq: item.seq,
        ...(root === undefined ? {} : { runFolder: runFolderIn(root) }),
        ...(item.action.to === undefined ? {} : { to: item.action.to }),
      }),
      expect: item.action.expect,
      // A link replaces the file's inode, and its owner and mode with it: recorded with the intent, for undo.
      owner: dryRun || !(kind.destroys && kind.sharesKeeper) ? undefined : ownerOf(ops, item.action.path),
      folder: dryRun ? undefined : folderOf(item.action.path),
      keeperId: { dev: item.keeper.dev, ino: item.keeper.ino },
      state: 'intent',
      reason: undefined,
      bytes: item.bytes,
      freed: undefined,
      // The folders a run makes are journaled per run (see `makeFolders`), none per entry.
      foldersMade: 0,
    };
  };

  const count = (step: Step) => {
    if (step.outcome === 'skipped') {
      report.skipped++;
      report.skips.push(step);
    } else {
      report.done++;
      report.bytes += step.bytes;
      countAction(report.space, step.op, step.bytes, step.freed);
    }
    options.onStep?.(step);
  };

  // Quarantine and move destinations are trusted folders, their subfolders made private and checked.
  const folders = new FolderMaker((dir) => roots.makeFolder(dir), ops);
  const run: RunContext = {
    ops,
    stacking: new StackingCheck(ops),
    limiter: options.limiter,
    signal,
    anyOwner: options.anyOwner,
    held: new HeldFolders(ops),
    touched: new Set(),
    links: new LinkTally(dryRun),
    mounts: new MountTable(ops),
    nearDuplicates:
      ownHash === undefined
        ? undefined
        : {
            hash: ownHash,
            guard: nearDuplicateGuard(plan, catalog, await fingerprintDistance(plan.basis!.detector)),
          },
  };
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  // The outcomes of a batch are committed together with the intents of the next, in one durable transaction:
  // one fsync per batch, and still every intent is on disk before its file is touched.
  let unsettled: { outcomes: Settlement[]; refreshed: RefreshedPath[] } | undefined;
  const commit = (intents: JournalEntry[], finished: boolean) => {
    if (dryRun) return;
    const at = clock.wallNow();
    catalog.atomically(() => {
      if (unsettled) {
        journal.settle(runId, unsettled.outcomes, at);
        catalog.refresh(unsettled.refreshed, at);
        unsettled = undefined;
      }
      journal.write(intents, at);
      journal.recordFolders(runId, folders.takeMade());
      if (finished) journal.setRunState(runId, 'finished', at);
    });
  };
  try {
    for (let start = 0; start < items.length && !report.stopped && !signal?.aborted; start += batchSize) {
      const batch: { item: Item; entry: JournalEntry; journaled: boolean }[] = [];
      for (const item of items.slice(start, start + batchSize)) {
        const before = settledBefore.get(item.seq);
        if (before) {
          // What the run did before its interruption moved these inodes' ctimes (see RunContext.touched).
          run.touched.add(inodeKey(item.action.expect));
          const done = ACTION_KINDS[before.op];
          if (done.destroys && done.linksKeeper) run.touched.add(inodeKey(item.keeper));
          if (before.op === 'quarantine' && before.state === 'done')
            run.links.quarantinedBefore(before.expect);
        }
        if (before && before.state !== 'intent') report.alreadySettled++;
        else batch.push({ item, entry: before ?? entryOf(item), journaled: before !== undefined });
      }
      if (batch.length === 0) continue;
      if (!dryRun) makeFolders(folders, batch);
      commit(
        batch.filter((b) => !b.journaled).map((b) => b.entry),
        false,
      );
      const outcomes: Settlement[] = [];
      const refreshed: RefreshedPath[] = [];
      const attempted = new Set<number>();
      unsettled = { outcomes, refreshed };
      for (const { item, entry, journaled } of batch) {
        if (signal?.aborted || report.stopped) break;
        const step: Step = {
          seq: item.seq,
          op: item.action.op,
          path: item.action.path,
          keeper: item.keeper.path,
          outcome: dryRun ? 'would' : 'done',
          bytes: item.bytes,
          freed: 0,
          ...(entry.target === undefined ? {} : { target: entry.target }),
        };
        // An intent from before a crash may have been carried out already: the file system says. Only an intent
        // as apply wrote it is followed.
        const kind = ACTION_KINDS[entry.op];
        const changed = journaled ? bounds.problem(entry) : undefined;
        const crash = journaled && changed === undefined ? kind.stateAfterCrash(ops, entry) : 'not-done';
        if (crash === 'done' && entry.op === 'quarantine') run.links.quarantinedBefore(entry.expect);
        // Done before the interruption: what it freed was not measured (its size stands for it).
        const result: Partial<Done> | { reason: string } =
          changed !== undefined
            ? { reason: changed }
            : crash === 'done'
              ? {}
              : crash === 'not-done'
                ? await carryOut(
                    run,
                    kind,
                    { ...entry, target: entry.target! },
                    folders,
                    { path: item.action.path, expect: item.action.expect },
                    { identity: item.keeper, member: item.keeper.member },
                    dryRun,
                  )
                : {
                    reason: `cannot tell whether it was carried out before the interruption: ${crash.unknown}`,
                  };
        phase?.add({ items: 1, bytes: readsPerByte * item.action.expect.size });
        if ('reason' in result) {
          step.outcome = 'skipped';
          step.reason = result.reason;
          outcomes.push({ seq: item.seq, state: 'skipped', reason: result.reason });
          if (options.stopOnError) report.stopped = true;
        } else {
          step.freed = result.freed ?? item.bytes;
          if (!dryRun) {
            outcomes.push({
              seq: item.seq,
              state: 'done',
              ...(result.freed === undefined ? {} : { freed: result.freed }),
            });
            refreshed.push(
              kind.removesPath
                ? { path: item.action.path, now: undefined }
                : identityNow(ops, item.action.path),
            );
          }
        }
        attempted.add(item.seq);
        count(step);
      }
      if (report.stopped) {
        // The rest are skipped, in a dry run as in apply (which exits 1 for them).
        for (const { item } of batch) {
          if (!attempted.has(item.seq)) {
            const reason = 'not attempted: stopped at the first failure';
            outcomes.push({ seq: item.seq, state: 'skipped', reason });
            report.skipped++;
            report.skips.push({
              seq: item.seq,
              op: item.action.op,
              path: item.action.path,
              keeper: item.keeper.path,
              outcome: 'skipped',
              reason,
              bytes: item.bytes,
              freed: 0,
            });
          }
        }
      }
    }
    // Interrupted: what was done is recorded; the run stays "running" for resume or undo.
    commit([], !signal?.aborted);
    if (signal?.aborted) throw abortErrorFrom(signal);
    // Finished: the folders it made for actions skipped, or made and left empty, go.
    if (!dryRun) removeRunFolders(ops, journal, runId, bounds);
  } catch (error) {
    // An abort or a failure mid-batch: record the outcomes already known (the rest stay intents for resume).
    try {
      commit([], false);
    } catch {
      // The journal itself failed: resume will judge those intents from the disk.
    }
    throw error;
  } finally {
    run.held.close();
    phase?.end();
  }
  return report;
}

/**
 * A plan of near-duplicates: refused unless it only quarantines and moves (whatever way it came in), and the hashing
 * state of its algorithm, which proves each file by its own content. A byte-identical plan: undefined.
 */
async function ownHashState(plan: Plan, hasherModule: string | undefined): Promise<HashState | undefined> {
  if (plan.basis === undefined) return undefined;
  const refusal = similarRefusal(plan);
  if (refusal !== undefined) throw new NodupeError('BAD_INPUT', `the plan ${plan.id}: ${refusal}`);
  try {
    return await createHashState(plan.algorithm, hasherModule);
  } catch (error) {
    throw new NodupeError(
      'BAD_INPUT',
      `the plan ${plan.id} checks each file by its own content hash (${plan.algorithm}), which this nodupe cannot ` +
        `make: ${(error as Error).message}; load the hasher plugin that provides it`,
      { cause: error },
    );
  }
}

/**
 * What holds a plan of near-duplicates to what `nodupe similar` grouped: a file acted on must be in the catalog at
 * its path with the identity and content hash the plan gives, and so must its keeper; both must have the plan's
 * detector's fingerprint in the catalog, within the plan's distance of each other (measured when the detector is
 * a built-in one: `distance`); and the file must not be a keeper of the plan under another name (a path through a
 * link). So an edited plan cannot take a file `nodupe similar` did not find near its keeper.
 */
function nearDuplicateGuard(
  plan: Plan,
  catalog: CatalogStore,
  distance: ((a: Uint8Array, b: Uint8Array) => number) | undefined,
): (path: FsPath, expect: Expectation) => string | undefined {
  const basis = plan.basis!;
  const keepers = new Set(plan.groups.flatMap((g) => g.keepers.map((k) => inodeKey(k))));
  const keeperOf = new Map(
    plan.groups.flatMap((g) => g.actions.map((a) => [pathKey(a.path), g.keepers[0]!] as const)),
  );
  const held = (path: FsPath, identity: FileIdentity) => {
    const row = catalog.fileAtPath(path);
    const ok =
      row !== undefined &&
      identityString(row) === identityString(identity) &&
      row.hashes?.algorithm === plan.algorithm &&
      row.hashes.full !== undefined;
    return ok ? { size: row.size, hash: row.hashes!.full! } : undefined;
  };
  const print = (content: { size: number; hash: string }) => {
    const [stored] = catalog.fingerprints().get(basis.detector, plan.algorithm, [content]);
    return stored !== undefined && 'fingerprint' in stored ? stored.fingerprint : undefined;
  };
  const notGrouped =
    'the catalog does not hold this file and its keeper as `nodupe similar` grouped them (their identities, ' +
    'content hashes and fingerprints): a plan of near-duplicates acts only on those; run it again';
  return (path, expect) => {
    if (keepers.has(inodeKey(expect))) return 'it is a keeper of this plan (under another name): it stays';
    const keeper = keeperOf.get(pathKey(path));
    const file = held(path, expect);
    const kept = keeper === undefined ? undefined : held(keeper.path, keeper);
    if (file === undefined || file.hash !== expect.hash || kept === undefined) return notGrouped;
    const [a, b] = [print(file), print(kept)];
    if (a === undefined || b === undefined) return notGrouped;
    const apart = distance?.(b, a);
    if (apart !== undefined && apart > basis.maxDistance + 1e-9) {
      return `${apart} from its keeper (${basis.distanceUnit}), more than the plan's ${basis.maxDistance}: it stays`;
    }
    return undefined;
  };
}

/** How far apart a built-in detector's fingerprints are (undefined for a plugin's: not measured at apply). */
async function fingerprintDistance(
  detector: string,
): Promise<((a: Uint8Array, b: Uint8Array) => number) | undefined> {
  const { builtinDetector } = await import('../similar/builtin-detectors.js');
  const { detectorKey } = await import('../similar/detector.js');
  for (const subject of ['images', 'docs'] as const) {
    const d = builtinDetector(subject, { rotations: true });
    if (detectorKey(d) === detector) return (a, b) => d.index.compare(a, b).distance;
  }
  return undefined;
}

/**
 * Makes the folders a batch's quarantines and moves go into, before its intents are journaled, so that they are
 * journaled with them (`FolderMaker.takeMade`): a crash then leaves no folder of the run that undo does not know
 * (only between these mkdirs and that commit: empty folders, never journaled). A folder that cannot be made is
 * met again by its action, which is then skipped with the reason.
 */
function makeFolders(folders: FolderMaker, batch: readonly { entry: JournalEntry }[]): void {
  for (const { entry } of batch) {
    if (ACTION_KINDS[entry.op].destroys || entry.target === undefined) continue;
    try {
      folders.ensure(parentOf(entry.target), () => mirrorBaseOf(entry.target!, entry.path));
    } catch {
      // Said by the action itself.
    }
  }
}

/** The owner, mode and access time of the file a link will replace. */
function ownerOf(ops: FileOps, path: FsPath): OwnerRecord | undefined {
  try {
    const st = ops.lstat(path);
    return { mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), atimeNs: st.atimeNs };
  } catch {
    return undefined;
  }
}

/** A run's own quarantine folder: `<root>/<catalog id>/run-N`. */
export function runFolderUnder(root: FsPath, catalogId: string, runId: number): FsPath {
  return joinName(joinName(root, Buffer.from(catalogId)), Buffer.from(`run-${runId}`));
}
