import { createHash, randomBytes } from 'node:crypto';
import type { JournalSeal } from './journal-seal.js';
import type { SyncPostgres } from './sync-client.js';
import type {
  EntryState,
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
import type { ActionOp } from '../../plan/plan.js';
import { toBytes, type FsPath } from '../../model/paths.js';
import {
  entryOfRow,
  entryValues,
  folderOfRow,
  runOfRow,
  type EntryRow as SharedEntryRow,
  type FolderRow,
  type Int,
  type RunRow as SharedRunRow,
} from '../journal-rows.js';

interface RunRow extends SharedRunRow {
  plan_sha256: Buffer;
  nonce: Buffer | null;
  seal: Buffer | null;
  state_seal: Buffer | null;
}

interface TallyRow {
  run_id: Int;
  op: ActionOp;
  state: EntryState;
  entries: Int;
  bytes: Int;
  freed: Int;
}

interface EntryRow extends SharedEntryRow {
  seal: Buffer | null;
  state_seal: Buffer | null;
}

/** This machine's runs: every statement is held to them (`$MACHINE` is the last parameter of each). */
const OWN_RUNS = 'SELECT id FROM runs WHERE machine = $MACHINE';

const ENTRY_COLUMNS = [
  ['run_id', 'bigint'],
  ['seq', 'bigint'],
  ['op', 'text'],
  ['path', 'bytea'],
  ['keeper', 'bytea'],
  ['target', 'bytea'],
  ['size', 'bigint'],
  ['mtime_ns', 'bigint'],
  ['ctime_ns', 'bigint'],
  ['dev', 'bigint'],
  ['ino', 'bigint'],
  ['hash', 'text'],
  ['mode', 'bigint'],
  ['uid', 'bigint'],
  ['gid', 'bigint'],
  ['atime_ns', 'bigint'],
  ['folder_dev', 'bigint'],
  ['folder_ino', 'bigint'],
  ['keeper_dev', 'bigint'],
  ['keeper_ino', 'bigint'],
  ['state', 'text'],
  ['reason', 'text'],
  ['bytes', 'bigint'],
  ['freed', 'bigint'],
  ['folders_made', 'bigint'],
  ['seal', 'bytea'],
  ['state_seal', 'bytea'],
] as const;

/** The columns of an entry's intent that its seal covers, in order: all but its state and its figures. */
const SEALED_ENTRY_COLUMNS = [
  'run_id',
  'seq',
  'op',
  'path',
  'keeper',
  'target',
  'size',
  'mtime_ns',
  'ctime_ns',
  'dev',
  'ino',
  'hash',
  'mode',
  'uid',
  'gid',
  'atime_ns',
  'folder_dev',
  'folder_ino',
  'keeper_dev',
  'keeper_ino',
  'bytes',
] as const;
const SEALED_AT = SEALED_ENTRY_COLUMNS.map((name) => ENTRY_COLUMNS.findIndex(([c]) => c === name));

const names = ENTRY_COLUMNS.map(([name]) => name).join(', ');
const WRITE_SQL = `WITH put AS (
    INSERT INTO journal (${names}, updated_at)
    SELECT e.*, $${ENTRY_COLUMNS.length + 1}::bigint
    FROM unnest(${ENTRY_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) AS e (${names})
    WHERE e.run_id IN (${OWN_RUNS})
    RETURNING 1)
  SELECT count(*) AS n FROM put`.replace('$MACHINE', `$${ENTRY_COLUMNS.length + 2}`);

/**
 * The journal in a PostgreSQL catalog: the port of the SQLite journal (src/catalog/sqlite/journal-store.ts), with
 * the same states and figures, held to one machine's runs (`runs.machine`): a machine lists, reads, settles and
 * undoes its own runs only, as the files they acted on are its own. Each call is one statement (rows passed as
 * arrays), so within the catalog's `atomically` a batch's settlements, intents and folders commit together, and
 * on its own each call is atomic. Commits wait for the server's WAL flush (`synchronous_commit = on`): once a
 * write returns, it survives a crash of the server too.
 */
export class PostgresJournal implements Journal {
  readonly #db: SyncPostgres;
  readonly #machine: string;
  readonly #seal: JournalSeal;
  /** The nonce of each run read or written, once its record's seal was checked. */
  readonly #nonces = new Map<number, Buffer>();

  constructor(db: SyncPostgres, machineId: string, seal: JournalSeal) {
    this.#db = db;
    this.#machine = machineId;
    this.#seal = seal;
    db.exec('SET synchronous_commit = on');
  }

  startRun(
    planId: string,
    planText: string,
    at: number,
    extra: { quarantineDir?: string | undefined; snapshot?: RunSnapshot | undefined } = {},
  ): number {
    // The id first, so that the run is written with its seal in one statement.
    const [next] = this.#db.query<{ id: Int }>("SELECT nextval(pg_get_serial_sequence('runs', 'id')) AS id");
    const id = Number(next!.id);
    const startedAt = BigInt(Math.round(at));
    const run = {
      id,
      plan_id: planId,
      quarantine: extra.quarantineDir ?? null,
      snapshot: extra.snapshot?.id ?? null,
      snapshot_store: extra.snapshot?.store ?? null,
      started_at: startedAt,
      plan_sha256: createHash('sha256').update(planText).digest(),
      // A run id can come again (someone rewinds the sequence): no seal of an earlier run with it fits this one.
      nonce: randomBytes(16),
    };
    this.#db.query(
      `INSERT INTO runs (id, machine, plan_id, plan, quarantine, snapshot, snapshot_store, state, started_at, seal,
         state_seal, nonce)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9, $10, $11)`,
      [
        id,
        this.#machine,
        planId,
        planText,
        run.quarantine,
        run.snapshot,
        run.snapshot_store,
        startedAt,
        this.#seal.of('run', this.#runSealed(run)),
        this.#seal.of('run-state', this.#runStateSealed(id, run.nonce, 'running', null, null)),
        run.nonce,
      ],
    );
    this.#nonces.set(id, run.nonce);
    return id;
  }

  quarantineFolders(): string[] {
    // Every machine's, sealed or not: a folder another machine quarantines into may be on a share mounted here.
    return this.#db
      .query<{ quarantine: string }>(
        'SELECT DISTINCT quarantine FROM runs WHERE quarantine IS NOT NULL ORDER BY quarantine',
      )
      .map((r) => r.quarantine);
  }

  unsealedRuns(): number[] {
    const ids = this.#db
      .query<{ id: Int }>('SELECT id FROM runs WHERE machine = $1 ORDER BY id', [this.#machine])
      .map((r) => Number(r.id));
    const sealed = new Set(this.runs().map((r) => r.id));
    return ids.filter((id) => !sealed.has(id));
  }

  /** This machine's runs; a row whose seals are wrong is left out (`run(id)` says why). */
  runs(): RunRecord[] {
    return this.#selectRuns('true', []);
  }

  run(id: number): RunRecord | undefined {
    return this.#selectRuns('id = $2', [id], { strict: true })[0];
  }

  runsOfPlan(planId: string): RunRecord[] {
    return this.#selectRuns('plan_id = $2', [planId]);
  }

  planText(runId: number): string {
    const [row] = this.#db.query<Omit<RunRow, 'plan_sha256'> & { plan: string }>(
      `SELECT id, plan_id, plan, quarantine, snapshot, snapshot_store, started_at, nonce, seal
       FROM runs WHERE id = $1 AND machine = $2`,
      [runId, this.#machine],
    );
    if (row === undefined) return row as unknown as string;
    // The run's seal covers its plan's digest: the text read is the text this machine wrote.
    const plan_sha256 = createHash('sha256').update(row.plan).digest();
    this.#seal.check('run', this.#runSealed({ ...row, plan_sha256 }), row.seal, `run ${runId}`);
    return row.plan;
  }

  setRunState(runId: number, state: RunState, at: number): void {
    const [now] = this.#db.query<{ finished_at: Int | null; undone_at: Int | null }>(
      'SELECT finished_at, undone_at FROM runs WHERE id = $1 AND machine = $2',
      [runId, this.#machine],
    );
    if (now === undefined) return;
    const when = BigInt(Math.round(at));
    const finished = state === 'finished' ? when : now.finished_at;
    const undone = state === 'undone' || state === 'partly-undone' ? when : now.undone_at;
    // Only this machine writes its runs (under its cleanup lock): what was read is what is sealed over.
    this.#db.query(
      `UPDATE runs SET state = $1, finished_at = $4, undone_at = $5, state_seal = $6
       WHERE id = $2 AND machine = $3`,
      [
        state,
        runId,
        this.#machine,
        finished,
        undone,
        this.#seal.of(
          'run-state',
          this.#runStateSealed(runId, this.#nonceOf(runId), state, finished, undone),
        ),
      ],
    );
  }

  write(entries: readonly JournalEntry[], at: number): void {
    if (entries.length === 0) return;
    const columns: unknown[][] = ENTRY_COLUMNS.map(() => new Array<unknown>(entries.length));
    entries.forEach((e, i) => {
      // The seal and the state's seal go last, once the row is made.
      const row = [...entryValues(e), null, null];
      const nonce = this.#nonceOf(e.runId);
      row[row.length - 2] = this.#seal.of('entry', [this.#machine, nonce, ...SEALED_AT.map((c) => row[c]!)]);
      row[row.length - 1] = this.#seal.of(
        'entry-state',
        this.#entryStateSealed(e.runId, e.seq, e.state, e.foldersMade ?? null),
      );
      row.forEach((value, c) => (columns[c]![i] = value));
    });
    const [put] = this.#db.query<{ n: Int }>(WRITE_SQL, [...columns, BigInt(Math.round(at)), this.#machine]);
    if (Number(put!.n) !== entries.length) {
      const runs = [...new Set(entries.map((e) => e.runId))].join(', ');
      throw new Error(`journal entries for a run that is not this machine's (runs ${runs})`);
    }
  }

  settle(runId: number, outcomes: readonly Settlement[], at: number): void {
    if (outcomes.length === 0) return;
    // Outcomes of one entry are folded as applying them one after another would: the last state, and each
    // figure the last one given. Figures not given keep what the entry holds (an undo leaves the figures of what
    // it reverses).
    const bySeq = new Map<
      number,
      { state: EntryState; reason: string | null; freed: number | null; made: number | null }
    >();
    for (const o of outcomes) {
      const before = bySeq.get(o.seq);
      bySeq.set(o.seq, {
        state: o.state,
        reason: o.reason ?? before?.reason ?? null,
        freed: o.freed ?? before?.freed ?? null,
        made: o.foldersMade ?? before?.made ?? null,
      });
    }
    const merged = [...bySeq];
    // Each entry's state is sealed with the folders it made: those an outcome does not give are the entry's now.
    const made = new Map(
      this.#db
        .query<{ seq: Int; folders_made: Int | null }>(
          `SELECT seq, folders_made FROM journal
           WHERE run_id = $1 AND seq = ANY ($2::bigint[]) AND run_id IN (${OWN_RUNS.replace('$MACHINE', '$3')})`,
          [runId, merged.map(([seq]) => seq), this.#machine],
        )
        .map((r) => [Number(r.seq), r.folders_made] as const),
    );
    this.#db.query(
      `UPDATE journal AS j SET state = o.state, reason = coalesce(o.reason, j.reason),
         freed = coalesce(o.freed, j.freed), folders_made = coalesce(o.folders_made, j.folders_made),
         updated_at = $6, state_seal = o.state_seal
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $9::bytea[])
         AS o (seq, state, reason, freed, folders_made, state_seal)
       WHERE j.run_id = $7 AND j.seq = o.seq AND j.run_id IN (${OWN_RUNS.replace('$MACHINE', '$8')})`,
      [
        merged.map(([seq]) => seq),
        merged.map(([, o]) => o.state),
        merged.map(([, o]) => o.reason),
        merged.map(([, o]) => o.freed),
        merged.map(([, o]) => o.made),
        BigInt(Math.round(at)),
        runId,
        this.#machine,
        merged.map(([seq, o]) =>
          this.#seal.of(
            'entry-state',
            this.#entryStateSealed(runId, seq, o.state, o.made ?? made.get(seq) ?? null),
          ),
        ),
      ],
    );
  }

  entries(runId: number): JournalEntry[] {
    const rows = this.#db.query<EntryRow>(
      `SELECT * FROM journal WHERE run_id = $1 AND run_id IN (${OWN_RUNS.replace('$MACHINE', '$2')})
       ORDER BY seq`,
      [runId, this.#machine],
    );
    for (const r of rows) {
      const sealed = SEALED_ENTRY_COLUMNS.map((c) => r[c]);
      const what = `entry ${r.seq} of run ${runId}`;
      this.#seal.check('entry', [this.#machine, this.#nonceOf(runId), ...sealed], r.seal, what);
      const state = this.#entryStateSealed(runId, r.seq, r.state, r.folders_made);
      this.#seal.check('entry-state', state, r.state_seal, `the state of ${what}`);
    }
    return rows.map(entryOfRow);
  }

  targets(runId: number): EntryTarget[] {
    // Read through entries(): the targets are taken only from sealed intents.
    return this.entries(runId).flatMap((e) =>
      e.target === undefined ? [] : [{ seq: e.seq, op: e.op, path: e.path, target: e.target }],
    );
  }

  recordFolders(runId: number, folders: readonly MadeFolder[]): void {
    if (folders.length === 0) return;
    // A path given twice: the last record replaces the first, as it would one after another.
    const byPath = new Map<string, MadeFolder>();
    for (const f of folders) byPath.set(toBytes(f.path).toString('hex'), f);
    const rows = [...byPath.values()];
    const [put] = this.#db.query<{ n: Int }>(
      `WITH put AS (
         INSERT INTO run_folders (run_id, path, dev, ino, birth_ns, seal)
         SELECT $1::bigint, f.path, f.dev, f.ino, f.birth_ns, f.seal
         FROM unnest($2::bytea[], $3::bigint[], $4::bigint[], $5::bigint[], $7::bytea[])
           AS f (path, dev, ino, birth_ns, seal)
         WHERE $1::bigint IN (${OWN_RUNS.replace('$MACHINE', '$6')})
         ON CONFLICT (run_id, path) DO UPDATE
           SET dev = excluded.dev, ino = excluded.ino, birth_ns = excluded.birth_ns, seal = excluded.seal
         RETURNING 1)
       SELECT count(*) AS n FROM put`,
      [
        runId,
        rows.map((f) => toBytes(f.path)),
        rows.map((f) => f.dev),
        rows.map((f) => f.ino),
        rows.map((f) => f.birthNs ?? null),
        this.#machine,
        rows.map((f) => this.#seal.of('folder', this.#folderSealed(runId, f))),
      ],
    );
    if (Number(put!.n) !== rows.length) throw new Error(`run ${runId} is not this machine's`);
  }

  folders(runId: number): MadeFolder[] {
    const rows = this.#db.query<FolderRow & { seal: Buffer | null }>(
      `SELECT path, dev, ino, birth_ns, seal FROM run_folders
       WHERE run_id = $1 AND run_id IN (${OWN_RUNS.replace('$MACHINE', '$2')}) ORDER BY path`,
      [runId, this.#machine],
    );
    return rows.map((r) => {
      const made = folderOfRow(r);
      this.#seal.check('folder', this.#folderSealed(runId, made), r.seal, `a folder run ${runId} made`);
      return made;
    });
  }

  forgetFolders(runId: number, paths: readonly FsPath[]): void {
    if (paths.length === 0) return;
    this.#db.query(
      `DELETE FROM run_folders
       WHERE run_id = $1 AND path = ANY ($2::bytea[]) AND run_id IN (${OWN_RUNS.replace('$MACHINE', '$3')})`,
      [runId, paths.map(toBytes), this.#machine],
    );
  }

  /** The sealed columns of a run's record, in order: the machine, its id, its plan (by digest), where it keeps files. */
  #runSealed(run: {
    nonce: Buffer | null;
    id: Int;
    plan_id: string;
    quarantine: string | null;
    snapshot: string | null;
    snapshot_store: string | null;
    started_at: Int;
    plan_sha256: Buffer;
  }) {
    return [
      this.#machine,
      run.nonce,
      run.id,
      run.plan_id,
      run.plan_sha256,
      run.quarantine,
      run.snapshot,
      run.snapshot_store,
      run.started_at,
    ];
  }

  /** The sealed columns of a run's state: it, and when the run finished and was undone. */
  #runStateSealed(
    runId: Int,
    nonce: Buffer | null,
    state: RunState,
    finished: Int | null,
    undone: Int | null,
  ) {
    return [this.#machine, nonce, runId, state, finished, undone];
  }

  /** The sealed columns of an entry's state: it, and the folders it made (what undo removes once empty). */
  #entryStateSealed(runId: Int, seq: Int, state: EntryState, foldersMade: Int | null) {
    return [this.#machine, this.#nonceOf(Number(runId)), runId, seq, state, foldersMade];
  }

  /** The sealed columns of a folder a run made. */
  #folderSealed(runId: number, f: MadeFolder) {
    return [this.#machine, this.#nonceOf(runId), runId, toBytes(f.path), f.dev, f.ino, f.birthNs ?? null];
  }

  /**
   * Runs as `runs`, `run` and `runsOfPlan` give them. A run is this machine's only when its seals say so: a row
   * another machine wrote or changed is left out of a list (so that it cannot block the others), and refused,
   * with why, when asked for by its id (`strict`).
   */
  /**
   * The nonce of this machine's run `runId`, once its record's seal is checked (and kept); an empty one for a run
   * that is not this machine's (nothing of it is written or read: every statement is held to this machine's runs).
   */
  #nonceOf(runId: number): Buffer {
    const known = this.#nonces.get(runId);
    if (known !== undefined) return known;
    const [row] = this.#db.query<Omit<RunRow, 'plan_sha256'> & { plan_sha256: Buffer }>(
      `SELECT id, plan_id, quarantine, snapshot, snapshot_store, started_at, nonce, seal,
         sha256(convert_to(plan, 'UTF8')) AS plan_sha256
       FROM runs WHERE id = $1 AND machine = $2`,
      [runId, this.#machine],
    );
    if (row === undefined) return Buffer.alloc(0);
    this.#seal.check('run', this.#runSealed(row), row.seal, `run ${runId}`);
    const nonce = row.nonce ?? Buffer.alloc(0);
    this.#nonces.set(runId, nonce);
    return nonce;
  }

  #selectRuns(where: string, params: unknown[], options: { strict?: boolean } = {}): RunRecord[] {
    const found = this.#db.query<RunRow>(
      `SELECT id, plan_id, state, started_at, finished_at, undone_at, quarantine, snapshot, snapshot_store,
         sha256(convert_to(plan, 'UTF8')) AS plan_sha256, nonce, seal, state_seal
       FROM runs WHERE machine = $1 AND ${where} ORDER BY id`,
      [this.#machine, ...params],
    );
    const rows = found.filter((r) => {
      try {
        this.#seal.check('run', this.#runSealed(r), r.seal, `run ${r.id}`);
        const state = this.#runStateSealed(r.id, r.nonce, r.state, r.finished_at, r.undone_at);
        this.#seal.check('run-state', state, r.state_seal, `the state of run ${r.id}`);
        return true;
      } catch (error) {
        if (options.strict) throw error;
        return false;
      }
    });
    if (rows.length === 0) return [];
    // An entry without a measured figure (an older nodupe's, or one judged done after a crash) counts its size.
    // One read for all the runs: each is a round trip to the server.
    const tallies = this.#db.query<TallyRow>(
      `SELECT run_id, op, state, count(*) AS entries, sum(bytes)::bigint AS bytes,
         sum(coalesce(freed, bytes))::bigint AS freed
       FROM journal WHERE run_id = ANY ($1::bigint[])
       GROUP BY run_id, op, state ORDER BY run_id, op COLLATE "C", state COLLATE "C"`,
      [rows.map((r) => r.id)],
    );
    const byRun = new Map<number, EntryTally[]>();
    for (const t of tallies) {
      const list = byRun.get(Number(t.run_id)) ?? [];
      list.push({
        op: t.op,
        state: t.state,
        entries: Number(t.entries),
        bytes: Number(t.bytes),
        freed: Number(t.freed),
      });
      byRun.set(Number(t.run_id), list);
    }
    return rows.map((r) => runOfRow(r, byRun.get(Number(r.id)) ?? []));
  }
}
