import type { CatalogStore, RefreshedPath } from '../catalog/store.js';
import type { Clock } from '../core/clock.js';
import { abortErrorFrom, NodupeError } from '../core/errors.js';
import type { ProgressTracker } from '../core/progress.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import type { ActionOp, Plan, PlannedAction, PlannedKeeper } from '../plan/plan.js';
import { parentOf, pathKey, type FsPath } from '../scan/paths.js';
import { identityNow, perform, stateAfterCrash, targetFor } from './actions.js';
import { checkAction, compareBytes } from './check.js';
import { describeErrno, nodeFileOps, type FileOps } from './file-ops.js';
import { pickRun, type JournalEntry } from './journal.js';
import { QuarantineRoots } from './quarantine.js';

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
}

/** What happened to one action: done, skipped (with why), or, in a dry run, what would happen. */
export interface Step {
  seq: number;
  op: ActionOp;
  path: FsPath;
  keeper: FsPath;
  outcome: 'done' | 'skipped' | 'would';
  reason?: string;
  /** Bytes freed (or moved) by this action: a file's size once per inode. */
  bytes: number;
  target?: FsPath;
}

export interface ApplyReport {
  runId: number | undefined;
  dryRun: boolean;
  done: number;
  skipped: number;
  bytes: number;
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

const DEFAULT_BATCH = 128;

/** The plan's actions in order, each with its keeper and the bytes it frees. */
function itemsOf(plan: Plan): Item[] {
  const items: Item[] = [];
  for (const group of plan.groups) {
    const keepers = new Map(group.keepers.map((k) => [pathKey(k.path), k]));
    const counted = new Set<string>();
    for (const action of group.actions) {
      const inode = `${action.expect.dev}:${action.expect.ino}`;
      items.push({
        seq: items.length,
        action,
        keeper: keepers.get(pathKey(action.keeper))!,
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
  if (plan.catalog.id !== options.catalog.id) {
    throw new NodupeError(
      'BAD_INPUT',
      `the plan was made from another catalog (${plan.catalog.location}, id ${plan.catalog.id}); ` +
        `this catalog is ${options.catalog.location} (id ${options.catalog.id}). Pass --catalog, or make a new plan`,
    );
  }
  const journal = options.catalog.journal();
  const earlier = options.dryRun ? [] : journal.runsOfPlan(plan.id);
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
  return execute(readPlan(text, `the plan of run ${run.id}`), text, run.id, options);
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
  }

  const settledBefore = new Map<number, JournalEntry>();
  const runId = dryRun ? 0 : (resumeId ?? journal.startRun(plan.id, planText, clock.wallNow()));
  if (resumeId !== undefined) for (const e of journal.entries(resumeId)) settledBefore.set(e.seq, e);

  const report: ApplyReport = {
    runId: dryRun ? undefined : runId,
    dryRun,
    done: 0,
    skipped: 0,
    bytes: 0,
    skips: [],
    alreadySettled: 0,
    stopped: false,
  };
  const phase = options.progress?.phase(dryRun ? 'check' : 'apply', {
    items: items.length,
    bytes: items.reduce((sum, i) => sum + 2 * i.action.expect.size, 0),
  });
  const entryOf = (item: Item): JournalEntry => ({
    runId,
    seq: item.seq,
    op: item.action.op,
    path: item.action.path,
    keeper: item.keeper.path,
    target: targetFor(item.action.op, item.action.path, {
      runId,
      seq: item.seq,
      ...(quarantineRoot.has(item.seq) ? { quarantineRoot: quarantineRoot.get(item.seq)! } : {}),
      ...(item.action.to === undefined ? {} : { to: item.action.to }),
    }),
    expect: { ...item.action.expect },
    state: 'intent',
    reason: undefined,
    bytes: item.bytes,
  });

  const settle = (entry: JournalEntry, step: Step) => {
    if (step.outcome === 'skipped') {
      report.skipped++;
      report.skips.push(step);
    } else {
      report.done++;
      report.bytes += step.bytes;
    }
    options.onStep?.(step);
    return entry;
  };

  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  try {
    for (let start = 0; start < items.length && !report.stopped; start += batchSize) {
      const batch: { item: Item; entry: JournalEntry }[] = [];
      for (const item of items.slice(start, start + batchSize)) {
        const before = settledBefore.get(item.seq);
        if (before && before.state !== 'intent') {
          report.alreadySettled++;
          continue;
        }
        batch.push({ item, entry: before ?? entryOf(item) });
      }
      if (batch.length === 0) continue;
      if (!dryRun)
        journal.write(
          batch.filter((b) => !settledBefore.has(b.item.seq)).map((b) => b.entry),
          clock.wallNow(),
        );

      const settled: JournalEntry[] = [];
      const refreshed: RefreshedPath[] = [];
      const touchedDirs = new Map<string, FsPath>();
      for (const { item, entry } of batch) {
        if (signal?.aborted || report.stopped) break;
        const step: Step = {
          seq: item.seq,
          op: item.action.op,
          path: item.action.path,
          keeper: item.keeper.path,
          outcome: dryRun ? 'would' : 'done',
          bytes: item.bytes,
          ...(entry.target === undefined ? {} : { target: entry.target }),
        };
        if (settledBefore.has(item.seq) && stateAfterCrash(ops, entry) === 'done') {
          settled.push(settle({ ...entry, state: 'done' }, step));
          refreshed.push(identityNow(ops, item.action.path));
          continue;
        }
        const reason = await carryOut(ops, item, entry, dryRun, options);
        phase?.add({ items: 1, bytes: 2 * item.action.expect.size });
        if (reason !== undefined) {
          step.outcome = 'skipped';
          step.reason = reason;
          settled.push(settle({ ...entry, state: 'skipped', reason }, step));
          if (options.stopOnError) report.stopped = true;
          continue;
        }
        if (dryRun) {
          settle(entry, step);
          continue;
        }
        if (entry.target !== undefined)
          touchedDirs.set(pathKey(parentOf(entry.target)), parentOf(entry.target));
        touchedDirs.set(pathKey(parentOf(item.action.path)), parentOf(item.action.path));
        settled.push(settle({ ...entry, state: 'done' }, step));
        refreshed.push(identityNow(ops, item.action.path));
      }
      if (dryRun) continue;
      if (report.stopped) {
        const attempted = new Set(settled.map((e) => e.seq));
        for (const { item, entry } of batch) {
          if (attempted.has(item.seq)) continue;
          settled.push({ ...entry, state: 'skipped', reason: 'not attempted: stopped at the first failure' });
        }
      }
      // The renames and links must be on disk before the journal says they are done.
      for (const dir of touchedDirs.values()) syncQuietly(ops, dir);
      journal.write(settled, clock.wallNow());
      catalog.refresh(refreshed, clock.wallNow());
      if (signal?.aborted) throw abortErrorFrom(signal);
    }
    if (!dryRun && !signal?.aborted) journal.setRunState(runId, 'finished', clock.wallNow());
  } finally {
    phase?.end();
  }
  return report;
}

/** Check, compare, act: resolves to undefined when done (or, in a dry run, when it would be), else why not. */
async function carryOut(
  ops: FileOps,
  item: Item,
  entry: JournalEntry,
  dryRun: boolean,
  options: ApplyOptions,
): Promise<string | undefined> {
  const check = checkAction(ops, item.action, item.keeper);
  if (!check.ok) return check.reason;
  const differs = await compareBytes(
    ops,
    { path: item.action.path, st: check.file },
    { path: item.keeper.path, st: check.keeper },
    {
      ...(options.limiter ? { limiter: options.limiter } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  if (differs !== undefined) return differs;
  if (dryRun) return undefined;
  entry.expect.mode = Number(check.file.mode) & 0o7777;
  try {
    perform(ops, entry, check.file);
    return undefined;
  } catch (error) {
    return explainFailure(item.action.op, error);
  }
}

function explainFailure(op: ActionOp, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (
    op === 'reflink' &&
    (code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV' || code === 'EINVAL')
  ) {
    return `this file system cannot make reflinks (${code}); use hardlink or quarantine`;
  }
  if (op === 'hardlink' && code === 'EXDEV')
    return 'the keeper is on another file system: a hard link cannot cross (EXDEV)';
  if (op === 'move' && code === 'EXDEV')
    return 'the destination is on another file system; --to must be on the same one (EXDEV)';
  return `${op} failed: ${describeErrno(error)}`;
}

function syncQuietly(ops: FileOps, dir: FsPath): void {
  try {
    ops.fsyncDir(dir);
  } catch {
    // A folder that cannot be opened for fsync (permissions) still had its entries changed by the kernel.
  }
}
