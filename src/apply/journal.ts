import { NodupeError } from '../core/errors.js';
import { shellWord } from '../core/format.js';
import type { Expectation } from '../model/identity.js';
import type { FsPath } from '../model/paths.js';
import type { ActionOp } from '../plan/plan.js';

/** intent: written before acting; done/skipped: settled; undone: reversed; purged: its quarantined copy freed. */
export type EntryState = 'intent' | 'done' | 'skipped' | 'undone' | 'purged';
/**
 * running: apply under way or interrupted; finished; undoing: undo under way or interrupted, or stopped by
 * something it can retry (another file at a path); undone; partly-undone: undone as far as undo ever can, with
 * deleted files or purged copies left, which no undo brings back (a final state, as undone is).
 */
export type RunState = 'running' | 'finished' | 'undoing' | 'undone' | 'partly-undone';

export interface JournalEntry {
  runId: number;
  /** The action's place in the plan: groups in order, actions in order within each. */
  seq: number;
  op: ActionOp;
  path: FsPath;
  keeper: FsPath;
  /** Where the file went (quarantine, move), or the temporary name a replacing link is made under. */
  target: FsPath | undefined;
  expect: Expectation;
  /** Who owned the file and its mode and access time, when a link took its inode's place: undo restores them. */
  owner: OwnerRecord | undefined;
  /** The folder the file was in (device, inode): apply acts, and undo puts it back, only in that very folder. */
  folder: { dev: bigint; ino: bigint } | undefined;
  /** The keeper's device and inode as planned: undo of a symlink copies the content out of that very file. */
  keeperId: { dev: bigint; ino: bigint } | undefined;
  state: EntryState;
  reason: string | undefined;
  /** The file's size, counted once per inode in the plan (the plan's figure). */
  bytes: number;
  /** Allocated bytes the action freed, as measured when it acted (see `src/apply/space.ts`); undefined: not measured. */
  freed: number | undefined;
  /** Folders the action made above its target (quarantine, move), counted upward: undo removes them when empty. */
  foldersMade: number | undefined;
}

/** Where an entry's action took its file (see `Journal.targets`). */
export type EntryTarget = Pick<JournalEntry, 'seq' | 'op' | 'path' | 'target'>;

/** A folder a run made (below its run folder or --to), as it was made: apply and undo remove only that very one. */
export interface MadeFolder {
  path: FsPath;
  dev: bigint;
  ino: bigint;
  /**
   * Its birth time (statx), which tells it from a folder made later at its inode number; undefined when the file
   * system keeps none (or an older nodupe recorded it): such a folder is never removed.
   */
  birthNs: bigint | undefined;
}

/** What a new file made by undo must be given back: the replaced inode's owner, mode and access time. */
export interface OwnerRecord {
  mode: number;
  uid: number;
  gid: number;
  atimeNs: bigint;
}

/** The outcome of one entry, written over its intent. */
export interface Settlement {
  seq: number;
  state: EntryState;
  reason?: string;
  /** Written when given (see JournalEntry): a done action's figure, a purge's. */
  freed?: number;
  foldersMade?: number;
}

/** Entries of one run with one action and one state: how many, their size and the bytes they freed. */
export interface EntryTally {
  op: ActionOp;
  state: EntryState;
  entries: number;
  /** Their sizes (once per inode). */
  bytes: number;
  /** Their allocated bytes freed; an entry not measured (an older nodupe's, or judged done after a crash) counts its size. */
  freed: number;
}

export interface RunRecord {
  id: number;
  planId: string;
  state: RunState;
  startedAt: number;
  finishedAt: number | undefined;
  undoneAt: number | undefined;
  quarantineDir: string | undefined;
  /** The snapshot taken of the files the run deletes, before it began (`apply --snapshot`). */
  snapshot: RunSnapshot | undefined;
  entries: Record<EntryState, number>;
  /** Per action and state (`runSpace` turns them into what was freed, held in quarantine, moved). */
  tallies: EntryTally[];
}

/** A snapshot a run took: its id, and its folder when that was not the default (`apply --snapshots DIR`). */
export interface RunSnapshot {
  id: string;
  store: string | undefined;
}

/** The command that brings back what the snapshot holds: `nodupe snapshot restore ID [--snapshots DIR]`. */
export function restoreCommand(snapshot: RunSnapshot): string {
  const store = snapshot.store === undefined ? '' : ` --snapshots ${shellWord(snapshot.store)}`;
  return `nodupe snapshot restore ${snapshot.id}${store}`;
}

/**
 * The run a command acts on: the one named, else the latest that `eligible` accepts. A BAD_INPUT error when
 * there is none, with `noneMessage` when none was named.
 */
export function pickRun(
  journal: Journal,
  runId: number | undefined,
  eligible: (run: RunRecord) => boolean,
  noneMessage: string,
): RunRecord {
  const run = runId === undefined ? journal.runs().filter(eligible).pop() : journal.run(runId);
  if (!run) {
    throw new NodupeError(
      'BAD_INPUT',
      runId === undefined ? noneMessage : `there is no run ${runId} (\`nodupe runs\` lists them)`,
    );
  }
  return run;
}

/**
 * The write-ahead journal of apply. Every write is one durable transaction: once `write` returns, the entries
 * survive a crash of the process or the machine.
 */
export interface Journal {
  /**
   * `quarantineDir`: the run's `--quarantine` folder, kept so that resume uses it too; `snapshot`: the snapshot
   * taken before it (undo names it).
   */
  startRun(
    planId: string,
    planText: string,
    at: number,
    extra?: { quarantineDir?: string | undefined; snapshot?: RunSnapshot | undefined },
  ): number;
  runs(): RunRecord[];
  /**
   * Run ids that claim to be this machine's but that `runs()` leaves out because they are not as it wrote them
   * (a shared catalog's seals: see src/catalog/postgres/journal-seal.ts). Always none for a catalog file.
   */
  unsealedRuns(): number[];
  /**
   * Every `--quarantine` folder a run in the catalog names, trusted or not, this machine's or another's: what
   * scans and watches skip (skipping is safe whoever wrote it; a file in quarantine is never the user's).
   */
  quarantineFolders(): string[];
  run(id: number): RunRecord | undefined;
  /** The runs made from this plan, oldest first. */
  runsOfPlan(planId: string): RunRecord[];
  planText(runId: number): string;
  setRunState(runId: number, state: RunState, at: number): void;
  /** Writes whole entries (intents), replacing any with the same (run, seq). */
  write(entries: readonly JournalEntry[], at: number): void;
  /** Records outcomes over existing entries: state, reason, and the figures given. */
  settle(runId: number, outcomes: readonly Settlement[], at: number): void;
  entries(runId: number): JournalEntry[];
  /** The entries of a run with a target, by their place, action, path and target only (cheaper than `entries`). */
  targets(runId: number): EntryTarget[];
  /** Records folders a run made (in the transaction of its batch's intents). */
  recordFolders(runId: number, folders: readonly MadeFolder[]): void;
  /** The folders a run made that are still recorded. */
  folders(runId: number): MadeFolder[];
  /** Forgets folders of a run: removed, or not that very folder any more. */
  forgetFolders(runId: number, paths: readonly FsPath[]): void;
}
