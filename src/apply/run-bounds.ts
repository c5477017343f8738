import { describeErrno, type FileOps } from '../fs/file-ops.js';
import { displayPath, pathKey, toBytes, type FsPath } from '../model/paths.js';
import { readPlan } from '../plan/plan-json.js';
import type { Plan, PlannedAction } from '../plan/plan.js';
import { unsafePath } from '../plan/validate.js';
import { ACTION_KINDS, mirrorBaseOf, removeMadeFolders } from './actions/index.js';
import type { EntryTarget, Journal } from './journal.js';

const CHANGED = 'the journal was changed (nodupe never writes this); nothing was done with it';

/**
 * Where a run's journal may say its files went, judged before resume, undo or purge follows it: each entry must
 * be an action of the run's own plan (its path, at its place), and its target the very name apply gives it: for a
 * quarantine, its path recreated in the run's own quarantine folder (`…/<catalog id>/run-N`); for a move, its
 * path recreated under the --to its plan names; for the others, the names apply reserves beside the file. A
 * journal nodupe wrote always passes; one changed by hand (or by someone who could write the catalog) does not,
 * and nothing is done with what it names.
 */
export class RunBounds {
  private constructor(
    private readonly catalogId: string,
    private readonly runId: number,
    /** The plan's actions by their place (`seq`), or why the plan cannot be read. */
    private readonly actions: readonly PlannedAction[] | string,
  ) {}

  /** The bounds of run `runId`, from its plan (as parsed, or its text as the journal keeps it). */
  static of(catalogId: string, runId: number, plan: Plan | string): RunBounds {
    let parsed: Plan;
    try {
      parsed = typeof plan === 'string' ? readPlan(plan, `the plan of run ${runId}`) : plan;
    } catch (error) {
      return new RunBounds(
        catalogId,
        runId,
        `the run's plan in the journal cannot be read (${describeErrno(error)})`,
      );
    }
    return new RunBounds(
      catalogId,
      runId,
      parsed.groups.flatMap((g) => g.actions),
    );
  }

  /** The bounds of a run from its journal. */
  static ofRun(catalogId: string, journal: Journal, runId: number): RunBounds {
    return RunBounds.of(catalogId, runId, journal.planText(runId));
  }

  /**
   * The member of an archive that the action of place `seq` was kept against (see PlannedKeeper.member), as the
   * run's own plan says: the journal keeps only the archive's path. Ask after `problem` passed.
   */
  keeperMember(seq: number): string | undefined {
    return typeof this.actions === 'string' ? undefined : this.actions[seq]?.keeperMember;
  }

  /**
   * Why the journal's entry must not be followed, or undefined when it is what apply wrote (its keeper too, when
   * the entry names one).
   */
  problem(entry: EntryTarget & { keeper?: FsPath }): string | undefined {
    if (typeof this.actions === 'string') return `${this.actions}: nothing was done with it`;
    const planned = this.actions[entry.seq];
    if (
      planned?.op !== entry.op ||
      pathKey(planned.path) !== pathKey(entry.path) ||
      (entry.keeper !== undefined && pathKey(planned.keeper) !== pathKey(entry.keeper))
    ) {
      return `the journal's entry ${entry.seq + 1} (${entry.op} ${displayPath(entry.path)}) is not that action of the run's plan: ${CHANGED}`;
    }
    const target = entry.target;
    if (target === undefined) return `the journal's entry ${entry.seq + 1} names no target: ${CHANGED}`;
    const kind = ACTION_KINDS[entry.op];
    const place = { catalogId: this.catalogId, runId: this.runId, seq: entry.seq };
    let expected: FsPath;
    let where: string;
    if (entry.op === 'quarantine') {
      const runFolder = mirrorBaseOf(target, entry.path);
      const tail = `/${this.catalogId}/run-${this.runId}`;
      const folder = toBytes(runFolder);
      if (
        unsafePath(runFolder) !== undefined ||
        folder.length <= tail.length ||
        !folder.subarray(folder.length - tail.length).equals(Buffer.from(tail))
      ) {
        return `the journal names ${displayPath(target)} as its quarantined copy, which is not in the run's own quarantine folder (…${tail}): ${CHANGED}`;
      }
      expected = kind.target(entry.path, { ...place, runFolder });
      where = `in the run's quarantine folder ${displayPath(runFolder)}`;
    } else if (entry.op === 'move') {
      if (planned.to === undefined)
        return `the run's plan says not where ${displayPath(entry.path)} goes: ${CHANGED}`;
      expected = kind.target(entry.path, { ...place, to: planned.to });
      where = `below the run's --to ${planned.to}`;
    } else {
      expected = kind.target(entry.path, place);
      where = `beside the file, where apply reserves a name for it`;
    }
    if (pathKey(expected) !== pathKey(target)) {
      return `the journal names ${displayPath(target)} for it, which is not where apply puts it (${where}): ${CHANGED}`;
    }
    return undefined;
  }

  /**
   * The folders the run made folders below: the quarantine folder and --to of each entry that passes (the run
   * folder and --to themselves, and what is above them, are never the run's to remove).
   */
  bases(entries: readonly EntryTarget[]): FsPath[] {
    const bases = new Map<string, FsPath>();
    for (const entry of entries) {
      if (ACTION_KINDS[entry.op].destroys || entry.target === undefined) continue;
      const base = mirrorBaseOf(entry.target, entry.path);
      const key = pathKey(base);
      // Most entries share their base: an entry can only add its own, so one that passes is enough.
      if (bases.has(key) || this.problem(entry) !== undefined) continue;
      bases.set(key, base);
    }
    return [...bases.values()];
  }
}

/**
 * Removes the folders run `runId` made that are empty now (see `removeMadeFolders`), below its own quarantine
 * folder and --to only, and forgets those removed, gone or replaced.
 */
export function removeRunFolders(ops: FileOps, journal: Journal, runId: number, bounds: RunBounds): void {
  const folders = journal.folders(runId);
  if (folders.length === 0) return;
  journal.forgetFolders(runId, removeMadeFolders(ops, folders, bounds.bases(journal.targets(runId))));
}
