import type {
  EntryState,
  EntryTally,
  JournalEntry,
  MadeFolder,
  RunRecord,
  RunState,
} from '../apply/journal.js';
import type { ActionOp } from '../plan/plan.js';
import { fromBytes, toBytes } from '../model/paths.js';

/** An integer column as a store reads it: bigint (safe integers, PostgreSQL int8) or number. */
export type Int = bigint | number;

/** A run's row, as both stores keep it. */
export interface RunRow {
  id: Int;
  plan_id: string;
  state: RunState;
  started_at: Int;
  finished_at: Int | null;
  undone_at: Int | null;
  quarantine: string | null;
  snapshot: string | null;
  snapshot_store: string | null;
}

/** A journal row, as both stores keep it. Device, inode and times exceed 2^53: they are read as bigint. */
export interface EntryRow {
  run_id: Int;
  seq: Int;
  op: ActionOp;
  path: Buffer;
  keeper: Buffer;
  target: Buffer | null;
  size: Int;
  mtime_ns: bigint;
  dev: bigint;
  ino: bigint;
  hash: string;
  ctime_ns: bigint | null;
  mode: Int | null;
  uid: Int | null;
  gid: Int | null;
  atime_ns: bigint | null;
  folder_dev: bigint | null;
  folder_ino: bigint | null;
  keeper_dev: bigint | null;
  keeper_ino: bigint | null;
  state: EntryState;
  reason: string | null;
  bytes: Int;
  freed: Int | null;
  folders_made: Int | null;
}

/** A folder a run made, as both stores keep it. */
export interface FolderRow {
  path: Buffer;
  dev: bigint;
  ino: bigint;
  birth_ns: bigint | null;
}

const NO_ENTRIES: Record<EntryState, number> = { intent: 0, done: 0, skipped: 0, undone: 0, purged: 0 };

export function entryOfRow(r: EntryRow): JournalEntry {
  return {
    runId: Number(r.run_id),
    seq: Number(r.seq),
    op: r.op,
    path: fromBytes(r.path),
    keeper: fromBytes(r.keeper),
    target: r.target === null ? undefined : fromBytes(r.target),
    expect: {
      size: Number(r.size),
      mtimeNs: r.mtime_ns,
      // Runs journaled before ctimes were recorded: recovery and undo never compare it (renames move it).
      ctimeNs: r.ctime_ns ?? 0n,
      dev: r.dev,
      ino: r.ino,
      hash: r.hash,
    },
    keeperId:
      r.keeper_dev === null || r.keeper_ino === null ? undefined : { dev: r.keeper_dev, ino: r.keeper_ino },
    folder:
      r.folder_dev === null || r.folder_ino === null ? undefined : { dev: r.folder_dev, ino: r.folder_ino },
    owner:
      r.mode === null
        ? undefined
        : {
            mode: Number(r.mode),
            // An older run recorded the mode alone: the owner is then the one of the file found at undo.
            uid: r.uid === null ? -1 : Number(r.uid),
            gid: r.gid === null ? -1 : Number(r.gid),
            atimeNs: r.atime_ns ?? r.mtime_ns,
          },
    state: r.state,
    reason: r.reason ?? undefined,
    bytes: Number(r.bytes),
    freed: r.freed === null ? undefined : Number(r.freed),
    foldersMade: r.folders_made === null ? undefined : Number(r.folders_made),
  };
}

/** An entry as the values of its row: run_id to folders_made, in the order of EntryRow (the table's). */
export function entryValues(e: JournalEntry): (string | number | bigint | Buffer | null)[] {
  return [
    e.runId,
    e.seq,
    e.op,
    toBytes(e.path),
    toBytes(e.keeper),
    e.target === undefined ? null : toBytes(e.target),
    e.expect.size,
    e.expect.mtimeNs,
    e.expect.ctimeNs,
    e.expect.dev,
    e.expect.ino,
    e.expect.hash,
    e.owner?.mode ?? null,
    e.owner?.uid ?? null,
    e.owner?.gid ?? null,
    e.owner?.atimeNs ?? null,
    e.folder?.dev ?? null,
    e.folder?.ino ?? null,
    e.keeperId?.dev ?? null,
    e.keeperId?.ino ?? null,
    e.state,
    e.reason ?? null,
    e.bytes,
    e.freed ?? null,
    e.foldersMade ?? null,
  ];
}

/** A run's record: its row, with the tallies of its entries (by op and state) and their counts by state. */
export function runOfRow(r: RunRow, tallies: EntryTally[]): RunRecord {
  const entries = { ...NO_ENTRIES };
  for (const t of tallies) entries[t.state] += t.entries;
  return {
    id: Number(r.id),
    planId: r.plan_id,
    state: r.state,
    startedAt: Number(r.started_at),
    finishedAt: r.finished_at === null ? undefined : Number(r.finished_at),
    undoneAt: r.undone_at === null ? undefined : Number(r.undone_at),
    quarantineDir: r.quarantine ?? undefined,
    snapshot: r.snapshot === null ? undefined : { id: r.snapshot, store: r.snapshot_store ?? undefined },
    entries,
    tallies,
  };
}

export function folderOfRow(r: FolderRow): MadeFolder {
  return { path: fromBytes(r.path), dev: r.dev, ino: r.ino, birthNs: r.birth_ns ?? undefined };
}
