import type Database from 'better-sqlite3';
import type {
  EntryState,
  Expectation,
  Journal,
  JournalEntry,
  RunRecord,
  RunState,
} from '../../apply/journal.js';
import type { ActionOp } from '../../plan/plan.js';
import { fromBytes, toBytes } from '../../scan/paths.js';

interface RunRow {
  id: number;
  plan_id: string;
  state: RunState;
  started_at: number;
  finished_at: number | null;
  undone_at: number | null;
}

interface EntryRow {
  run_id: number;
  seq: number;
  op: ActionOp;
  path: Buffer;
  keeper: Buffer;
  target: Buffer | null;
  expect: string;
  state: EntryState;
  reason: string | null;
  bytes: number;
}

const NO_ENTRIES: Record<EntryState, number> = { intent: 0, done: 0, skipped: 0, undone: 0, purged: 0 };

/**
 * The journal in the catalog's SQLite file. The connection runs with `synchronous = FULL` from the moment the
 * journal is opened, so a committed transaction is on disk (WAL fsynced), not only in the OS cache.
 */
export class SqliteJournal implements Journal {
  readonly #db: Database.Database;
  #put: Database.Statement | undefined;

  constructor(db: Database.Database) {
    this.#db = db;
    db.pragma('synchronous = FULL');
  }

  startRun(planId: string, planText: string, at: number): number {
    const info = this.#db
      .prepare(`INSERT INTO runs (plan_id, plan, state, started_at) VALUES (?, ?, 'running', ?)`)
      .run(planId, planText, BigInt(Math.round(at)));
    return Number(info.lastInsertRowid);
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
    const column = state === 'finished' ? 'finished_at' : state === 'undone' ? 'undone_at' : undefined;
    this.#db
      .prepare(`UPDATE runs SET state = ?${column ? `, ${column} = ?` : ''} WHERE id = ?`)
      .run(...(column ? [state, BigInt(Math.round(at)), runId] : [state, runId]));
  }

  write(entries: readonly JournalEntry[], at: number): void {
    if (entries.length === 0) return;
    const put = (this.#put ??= this.#db.prepare(
      `INSERT OR REPLACE INTO journal (run_id, seq, op, path, keeper, target, expect, state, reason, bytes, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ));
    const now = BigInt(Math.round(at));
    this.#db.transaction(() => {
      for (const e of entries) {
        put.run(
          e.runId,
          e.seq,
          e.op,
          toBytes(e.path),
          toBytes(e.keeper),
          e.target === undefined ? null : toBytes(e.target),
          encodeExpect(e.expect),
          e.state,
          e.reason ?? null,
          e.bytes,
          now,
        );
      }
    })();
  }

  entries(runId: number): JournalEntry[] {
    const rows = this.#db
      .prepare('SELECT * FROM journal WHERE run_id = ? ORDER BY seq')
      .safeIntegers(false)
      .all(runId) as EntryRow[];
    return rows.map((r) => ({
      runId: r.run_id,
      seq: r.seq,
      op: r.op,
      path: fromBytes(r.path),
      keeper: fromBytes(r.keeper),
      target: r.target === null ? undefined : fromBytes(r.target),
      expect: decodeExpect(r.expect),
      state: r.state,
      reason: r.reason ?? undefined,
      bytes: r.bytes,
    }));
  }

  #selectRuns(where: string, params: unknown[]): RunRecord[] {
    const rows = this.#db
      .prepare(
        `SELECT id, plan_id, state, started_at, finished_at, undone_at FROM runs WHERE ${where} ORDER BY id`,
      )
      .safeIntegers(false)
      .all(...params) as RunRow[];
    const counts = this.#db
      .prepare(
        `SELECT state, count(*) AS n, sum(bytes) AS bytes FROM journal WHERE run_id = ? GROUP BY state`,
      )
      .safeIntegers(false);
    return rows.map((r) => {
      const entries = { ...NO_ENTRIES };
      let bytesDone = 0;
      for (const c of counts.all(r.id) as { state: EntryState; n: number; bytes: number }[]) {
        entries[c.state] = c.n;
        if (c.state === 'done') bytesDone = c.bytes;
      }
      return {
        id: r.id,
        planId: r.plan_id,
        state: r.state,
        startedAt: r.started_at,
        finishedAt: r.finished_at ?? undefined,
        undoneAt: r.undone_at ?? undefined,
        entries,
        bytesDone,
      };
    });
  }
}

function encodeExpect(e: Expectation): string {
  return JSON.stringify({ ...e, mtimeNs: String(e.mtimeNs), dev: String(e.dev), ino: String(e.ino) });
}

function decodeExpect(text: string): Expectation {
  const raw = JSON.parse(text) as Record<string, unknown>;
  return {
    size: raw.size as number,
    mtimeNs: BigInt(raw.mtimeNs as string),
    dev: BigInt(raw.dev as string),
    ino: BigInt(raw.ino as string),
    hash: raw.hash as string,
    ...(typeof raw.mode === 'number' ? { mode: raw.mode } : {}),
  };
}
