import type { SqliteDatabase, SqliteStatement } from './driver.js';
import type {
  EntryTally,
  EntryTarget,
  Journal,
  JournalEntry,
  MadeFolder,
  RunRecord,
  RunSnapshot,
  RunState,
  Settlement,
} from '../../apply/journal.js';
import { fromBytes, toBytes, type FsPath } from '../../model/paths.js';
import {
  entryOfRow,
  entryValues,
  folderOfRow,
  runOfRow,
  type EntryRow,
  type FolderRow,
  type RunRow,
} from '../journal-rows.js';

/**
 * The journal in the catalog's SQLite file. The connection runs with `synchronous = FULL` from the moment the
 * journal is opened, so a committed transaction is on disk (WAL fsynced), not only in the OS cache.
 */
export class SqliteJournal implements Journal {
  readonly #db: SqliteDatabase;
  #put: SqliteStatement | undefined;
  #settle: SqliteStatement | undefined;
  #tallies: SqliteStatement | undefined;
  #targets: SqliteStatement | undefined;
  #putFolder: SqliteStatement | undefined;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    db.pragma('synchronous = FULL');
  }

  startRun(
    planId: string,
    planText: string,
    at: number,
    extra: { quarantineDir?: string | undefined; snapshot?: RunSnapshot | undefined } = {},
  ): number {
    const info = this.#db
      .prepare(
        `INSERT INTO runs (plan_id, plan, quarantine, snapshot, snapshot_store, state, started_at)
         VALUES (?, ?, ?, ?, ?, 'running', ?)`,
      )
      .run(
        planId,
        planText,
        extra.quarantineDir ?? null,
        extra.snapshot?.id ?? null,
        extra.snapshot?.store ?? null,
        BigInt(Math.round(at)),
      );
    return Number(info.lastInsertRowid);
  }

  quarantineFolders(): string[] {
    return this.#db
      .prepare('SELECT DISTINCT quarantine FROM runs WHERE quarantine IS NOT NULL ORDER BY quarantine')
      .pluck()
      .all() as string[];
  }

  unsealedRuns(): number[] {
    // A catalog file is one user's, checked before apply, undo and purge trust it: nothing is sealed.
    return [];
  }

  runs(): RunRecord[] {
    return this.#selectRuns('1 = 1', []);
  }

  run(id: number): RunRecord | undefined {
    return this.#selectRuns('id = ?', [id])[0];
  }

  runsOfPlan(planId: string): RunRecord[] {
    return this.#selectRuns('plan_id = ?', [planId]);
  }

  planText(runId: number): string {
    return this.#db.prepare('SELECT plan FROM runs WHERE id = ?').pluck().get(runId) as string;
  }

  setRunState(runId: number, state: RunState, at: number): void {
    const column =
      state === 'finished'
        ? 'finished_at'
        : state === 'undone' || state === 'partly-undone'
          ? 'undone_at'
          : undefined;
    this.#db
      .prepare(`UPDATE runs SET state = ?${column ? `, ${column} = ?` : ''} WHERE id = ?`)
      .run(...(column ? [state, BigInt(Math.round(at)), runId] : [state, runId]));
  }

  write(entries: readonly JournalEntry[], at: number): void {
    if (entries.length === 0) return;
    const put = (this.#put ??= this.#db.prepare(
      `INSERT INTO journal
         (run_id, seq, op, path, keeper, target, size, mtime_ns, ctime_ns, dev, ino, hash, mode, uid, gid, atime_ns,
          folder_dev, folder_ino, keeper_dev, keeper_ino, state, reason, bytes, freed, folders_made, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ));
    const now = BigInt(Math.round(at));
    this.#db.transaction(() => {
      for (const e of entries) {
        put.run(...entryValues(e), now);
      }
    })();
  }

  settle(runId: number, outcomes: readonly Settlement[], at: number): void {
    if (outcomes.length === 0) return;
    // Figures not given keep what the entry holds (an undo leaves the figures of what it reverses). One
    // statement per outcome: about a microsecond each, within the batch's transaction.
    const settle = (this.#settle ??= this.#db.prepare(
      `UPDATE journal SET state = ?, reason = coalesce(?, reason), freed = coalesce(?, freed),
         folders_made = coalesce(?, folders_made), updated_at = ?
       WHERE run_id = ? AND seq = ?`,
    ));
    const now = BigInt(Math.round(at));
    this.#db.transaction(() => {
      for (const o of outcomes) {
        settle.run(o.state, o.reason ?? null, o.freed ?? null, o.foldersMade ?? null, now, runId, o.seq);
      }
    })();
  }

  entries(runId: number): JournalEntry[] {
    const rows = this.#db
      .prepare('SELECT * FROM journal WHERE run_id = ? ORDER BY seq')
      .all(runId) as EntryRow[];
    return rows.map(entryOfRow);
  }

  targets(runId: number): EntryTarget[] {
    const rows = (this.#targets ??= this.#db.prepare(
      'SELECT seq, op, path, target FROM journal WHERE run_id = ? AND target IS NOT NULL ORDER BY seq',
    )).all(runId) as Pick<EntryRow, 'seq' | 'op' | 'path' | 'target'>[];
    return rows.map((r) => ({
      seq: Number(r.seq),
      op: r.op,
      path: fromBytes(r.path),
      target: fromBytes(r.target!),
    }));
  }

  recordFolders(runId: number, folders: readonly MadeFolder[]): void {
    if (folders.length === 0) return;
    const put = (this.#putFolder ??= this.#db.prepare(
      'INSERT OR REPLACE INTO run_folders (run_id, path, dev, ino, birth_ns) VALUES (?, ?, ?, ?, ?)',
    ));
    this.#db.transaction(() => {
      for (const f of folders) put.run(runId, toBytes(f.path), f.dev, f.ino, f.birthNs ?? null);
    })();
  }

  folders(runId: number): MadeFolder[] {
    const rows = this.#db
      .prepare('SELECT path, dev, ino, birth_ns FROM run_folders WHERE run_id = ? ORDER BY path')
      .safeIntegers(true)
      .all(runId) as FolderRow[];
    return rows.map(folderOfRow);
  }

  forgetFolders(runId: number, paths: readonly FsPath[]): void {
    if (paths.length === 0) return;
    const forget = this.#db.prepare('DELETE FROM run_folders WHERE run_id = ? AND path = ?');
    this.#db.transaction(() => {
      for (const path of paths) forget.run(runId, toBytes(path));
    })();
  }

  #selectRuns(where: string, params: unknown[]): RunRecord[] {
    const rows = this.#db
      .prepare(
        `SELECT id, plan_id, state, started_at, finished_at, undone_at, quarantine, snapshot, snapshot_store
         FROM runs WHERE ${where} ORDER BY id`,
      )
      .safeIntegers(false)
      .all(...params) as RunRow[];
    // An entry without a measured figure (an older nodupe's, or one judged done after a crash) counts its size.
    const tallies = (this.#tallies ??= this.#db
      .prepare(
        `SELECT op, state, count(*) AS entries, sum(bytes) AS bytes, sum(coalesce(freed, bytes)) AS freed
         FROM journal WHERE run_id = ? GROUP BY op, state ORDER BY op, state`,
      )
      .safeIntegers(false));
    return rows.map((r) => runOfRow(r, tallies.all(r.id) as EntryTally[]));
  }
}
