import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Database, type SqliteDatabase, type SqliteStatement } from './driver.js';
import { NodupeError } from '../../core/errors.js';
import { fromBytes, toBytes, type FsPath } from '../../model/paths.js';
import type { Journal } from '../../apply/journal.js';
import type { EntryStore } from '../entries.js';
import type { FingerprintStore } from '../fingerprints.js';
import type {
  CatalogCounts,
  CatalogFile,
  CatalogStore,
  IgnoredGroup,
  KnownRows,
  RefreshedPath,
  ScanRecord,
  ScanWriter,
  ScanWriterOptions,
  StoredHashes,
} from '../store.js';
import type { Content, ContentCopy } from '../copies.js';
import { machineName } from '../identity.js';
import { catalogFileProblem, createCatalogFile } from './catalog-file.js';
import { SqliteEntries } from './entries.js';
import { SqliteFingerprints } from './fingerprint-store.js';
import { SqliteJournal } from './journal-store.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations.js';
import { configure } from './pragmas.js';
import { knownRowChunks, readKnownRows } from './known-rows.js';
import { RowWriter } from './row-writer.js';
import { SqliteScanWriter } from './scan-writer.js';

interface FileRow {
  id: bigint;
  path: Buffer;
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtime_ns: bigint;
  ctime_ns: bigint;
  hash_alg: string | null;
  head_hash: string | null;
  tail_hash: string | null;
  full_hash: string | null;
  type: string | null;
  first_seen: bigint;
  last_seen: bigint;
  last_scan: bigint;
}

const FILE_COLUMNS = `id, path, dev, ino, size, mtime_ns, ctime_ns, hash_alg, head_hash, tail_hash, full_hash,
  first_seen, last_seen, last_scan, type`;
/** The page cache of a pass over the whole table (pragma units: negative means KiB). */
const PASS_CACHE_SIZE = -512;

/** The catalog in an SQLite file (better-sqlite3): WAL, migrations, one transaction per write. */
export class SqliteCatalog implements CatalogStore {
  readonly location: string;
  readonly id: string;
  readonly #db: SqliteDatabase;
  #journal: SqliteJournal | undefined;
  #fingerprints: SqliteFingerprints | undefined;
  #entries: SqliteEntries | undefined;
  #rowWriter: RowWriter | undefined;
  #dataVersion: SqliteStatement | undefined;

  private constructor(
    location: string,
    db: SqliteDatabase,
    /** This machine's name, which every copy the catalog knows is on (see `copiesOf`). */
    readonly machineName: string,
  ) {
    this.location = location;
    this.#db = db;
    this.id = db.prepare(`SELECT value FROM catalog_meta WHERE key = 'id'`).pluck().get() as string;
  }

  /**
   * Opens a catalog. With `create` (the default; the CLI passes it only for commands that scan), a catalog is
   * made where no file exists (and its folder), and one of an older schema is brought up to date. Without it,
   * the catalog must exist at the current schema, and nothing is created or migrated.
   *
   * Refused with a BAD_INPUT error, and left byte for byte as it is: a missing file (without `create`), an
   * empty (0-byte), truncated or corrupt file, a file that is not an SQLite database or not a nodupe catalog,
   * and a catalog from a newer nodupe (or, without `create`, an older one: `olderAdvice` says what to do). The
   * damaged catalog is never replaced by a new one: that would drop the journal of the runs whose files are in
   * quarantine.
   */
  static open(
    location: string,
    options: { create?: boolean; migrate?: boolean; olderAdvice?: string; machineName?: string } = {},
  ): SqliteCatalog {
    const create = options.create ?? true;
    const migrateOlder = options.migrate ?? create;
    if (location !== ':memory:') {
      if (create) {
        // Private, as XDG asks of the folders it names: apply and undo refuse a catalog others could write.
        try {
          mkdirSync(dirname(location), { recursive: true, mode: 0o700 });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          throw new NodupeError(
            'BAD_INPUT',
            `cannot make the catalog's folder ${dirname(location)}: ${code === 'EACCES' ? 'permission denied' : (error as Error).message}`,
            { cause: error, hint: '--catalog FILE puts the catalog elsewhere' },
          );
        }
        createCatalogFile(location, initialize);
      } else if (!existsSync(location)) {
        throw new NodupeError(
          'BAD_INPUT',
          `there is no catalog at ${location}: \`nodupe scan PATH\` makes one`,
        );
      }
      const problem = catalogFileProblem(location);
      if (problem !== undefined) throw damaged(location, problem);
    }
    let db: SqliteDatabase | undefined;
    try {
      db = new Database(location, { fileMustExist: location !== ':memory:' });
      db.defaultSafeIntegers(true);
      const tables = db
        .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
        .pluck()
        .all() as string[];
      if (tables.length === 0 && location !== ':memory:') {
        throw damaged(location, 'is an empty SQLite database, with none of the tables of a catalog');
      }
      if (tables.length > 0 && !tables.includes('schema_migrations')) {
        throw new NodupeError('BAD_INPUT', `${location} is an SQLite database, but not a nodupe catalog`);
      }
      const version =
        tables.length === 0
          ? 0
          : Number(db.prepare('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get());
      if (version > LATEST_VERSION) {
        throw new NodupeError(
          'BAD_INPUT',
          `the catalog ${location} has schema version ${version}, newer than this nodupe knows (${LATEST_VERSION}); upgrade nodupe`,
        );
      }
      if (version < LATEST_VERSION && !migrateOlder) {
        throw new NodupeError(
          'BAD_INPUT',
          `the catalog ${location} has schema version ${version}, older than this nodupe's (${LATEST_VERSION}); ` +
            (options.olderAdvice ??
              `a read-only command does not upgrade it: run \`nodupe scan PATH\` once, or any of apply, undo or quarantine purge (the catalog keeps what it holds)`),
        );
      }
      configure(db);
      migrate(db, version);
      return new SqliteCatalog(location, db, options.machineName ?? machineName());
    } catch (error) {
      db?.close();
      if (error instanceof NodupeError) throw error;
      const e = error as { code?: string; message?: string };
      if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT') {
        throw damaged(location, `is corrupt or not a database (${e.message ?? e.code})`, error);
      }
      throw error;
    }
  }

  knownRows(roots: readonly string[]): KnownRows {
    return readKnownRows(this.#db, roots);
  }

  knownRowChunks(roots: readonly string[]): IterableIterator<KnownRows> {
    return knownRowChunks(this.#db, roots);
  }

  /**
   * None: this catalog is one machine's, and its rows outside the roots are files a scan of them hashes when they
   * collide, so a scan here reads only what collides in its own walk (as it always has).
   */
  sizesElsewhere(): Set<number> {
    return new Set();
  }

  hashedFiles(algorithm: string): CatalogFile[] {
    const rows = this.#db
      .prepare(
        `SELECT ${FILE_COLUMNS} FROM files WHERE gone_at IS NULL AND ((hash_alg = ? AND full_hash IS NOT NULL) OR size = 0)`,
      )
      .all(algorithm) as FileRow[];
    return rows.map(toFile);
  }

  *sharedHashFiles(algorithm: string, includeEmpty: boolean): IterableIterator<CatalogFile> {
    const live = 'gone_at IS NULL AND hash_alg = ? AND full_hash IS NOT NULL AND size > 0';
    const rows = this.#db
      .prepare(
        `SELECT ${FILE_COLUMNS} FROM files WHERE ${live} AND (size, full_hash) IN
           (SELECT size, full_hash FROM files WHERE ${live} GROUP BY size, full_hash HAVING count(*) > 1)
         ORDER BY size, full_hash`,
      )
      .iterate(algorithm, algorithm) as IterableIterator<FileRow>;
    for (const row of rows) yield toFile(row);
    if (!includeEmpty) return;
    const empty = this.#db
      .prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE gone_at IS NULL AND size = 0`)
      .iterate() as IterableIterator<FileRow>;
    for (const row of empty) yield toFile(row);
  }

  pathTexts(afterId: number, limit: number): [id: number, text: string][] {
    return this.#db
      .prepare(
        'SELECT id, CAST(path AS TEXT) FROM files WHERE id > ? AND gone_at IS NULL ORDER BY id LIMIT ?',
      )
      .raw()
      .safeIntegers(false)
      .all(afterId, limit) as [number, string][];
  }

  hashAlgorithms(): string[] {
    return this.#db
      .prepare(
        'SELECT DISTINCT hash_alg FROM files WHERE gone_at IS NULL AND full_hash IS NOT NULL ORDER BY hash_alg',
      )
      .pluck()
      .all() as string[];
  }

  liveFiles(): CatalogFile[] {
    const rows = this.#db
      .prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE gone_at IS NULL`)
      .all() as FileRow[];
    return rows.map(toFile);
  }

  fileById(id: number): CatalogFile | undefined {
    const row = this.#db
      .prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE id = ? AND gone_at IS NULL`)
      .get(BigInt(id)) as FileRow | undefined;
    return row === undefined ? undefined : toFile(row);
  }

  fileAtPath(path: FsPath): CatalogFile | undefined {
    const row = this.#db
      .prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE path = ? AND gone_at IS NULL`)
      .get(toBytes(path)) as FileRow | undefined;
    return row === undefined ? undefined : toFile(row);
  }

  filesById(ids: readonly number[]): CatalogFile[] {
    const select = this.#db.prepare(
      `SELECT ${FILE_COLUMNS} FROM files WHERE id IN (SELECT value FROM json_each(?)) AND gone_at IS NULL`,
    );
    const byId = new Map<number, CatalogFile>();
    // A few thousand ids a statement: one read for a group, whatever its size.
    for (let at = 0; at < ids.length; at += 4096) {
      const rows = select.all(JSON.stringify(ids.slice(at, at + 4096))) as FileRow[];
      for (const row of rows) byId.set(Number(row.id), toFile(row));
    }
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  liveFilesOfSizes(sizes: readonly number[]): CatalogFile[] {
    if (sizes.length === 0) return [];
    // No index on size (one would cost every row written): one pass over the table, whatever the sizes. Through a
    // small page cache: the pass would otherwise fill the whole cache with pages read once, and a long-running
    // watch would keep that memory.
    const cacheSize = this.#db.pragma('cache_size', { simple: true }) as number;
    this.#db.pragma(`cache_size = ${PASS_CACHE_SIZE}`);
    try {
      const rows = this.#db
        .prepare(
          `SELECT ${FILE_COLUMNS} FROM files WHERE size IN (SELECT value FROM json_each(?)) AND gone_at IS NULL`,
        )
        .all(JSON.stringify(sizes)) as FileRow[];
      return rows.map(toFile);
    } finally {
      this.#db.pragma(`cache_size = ${cacheSize}`);
    }
  }

  dataVersion(): number {
    this.#dataVersion ??= this.#db.prepare('PRAGMA data_version').pluck().safeIntegers(false);
    return this.#dataVersion.get() as number;
  }

  counts(): CatalogCounts {
    const row = this.#db
      .prepare('SELECT count(*) AS files, coalesce(sum(size), 0) AS bytes FROM files WHERE gone_at IS NULL')
      .safeIntegers(false)
      .get() as CatalogCounts;
    return { files: row.files, bytes: row.bytes };
  }

  ignoredGroups(): IgnoredGroup[] {
    const rows = this.#db
      .prepare('SELECT size, hash, ignored_at AS at FROM ignored_groups ORDER BY size, hash')
      .safeIntegers(false)
      .all() as IgnoredGroup[];
    return rows.map((r) => ({ size: r.size, hash: r.hash, at: r.at }));
  }

  setIgnored(group: { size: number; hash: string }, ignored: boolean, at: number): void {
    if (ignored) {
      this.#db
        .prepare('INSERT OR IGNORE INTO ignored_groups (size, hash, ignored_at) VALUES (?, ?, ?)')
        .run(BigInt(group.size), group.hash, BigInt(Math.round(at)));
    } else {
      this.#db
        .prepare('DELETE FROM ignored_groups WHERE size = ? AND hash = ?')
        .run(BigInt(group.size), group.hash);
    }
  }

  startScan(roots: readonly string[], startedAt: number): number {
    const info = this.#db
      .prepare('INSERT INTO scans (started_at, roots) VALUES (?, ?)')
      .run(BigInt(Math.round(startedAt)), JSON.stringify(roots));
    return Number(info.lastInsertRowid);
  }

  scanWriter(scanId: number, options?: ScanWriterOptions): ScanWriter {
    const local = () => (this.#rowWriter ??= new RowWriter(this.#db));
    return new SqliteScanWriter(this.location, local, scanId, options);
  }

  finishScan(scanId: number, goneIds: readonly number[], at: number): void {
    const now = BigInt(Math.round(at));
    this.#db.transaction(() => {
      if (goneIds.length > 0) {
        this.#db
          .prepare(
            'UPDATE files SET gone_at = ? WHERE gone_at IS NULL AND id IN (SELECT value FROM json_each(?))',
          )
          .run(now, JSON.stringify(goneIds));
      }
      this.#db.prepare('UPDATE scans SET finished_at = ? WHERE id = ?').run(now, BigInt(scanId));
    })();
  }

  scans(): ScanRecord[] {
    const rows = this.#db
      .prepare('SELECT id, started_at, finished_at, roots FROM scans ORDER BY id')
      .all() as {
      id: bigint;
      started_at: bigint;
      finished_at: bigint | null;
      roots: string;
    }[];
    return rows.map((r) => ({
      id: Number(r.id),
      startedAt: Number(r.started_at),
      finishedAt: r.finished_at === null ? undefined : Number(r.finished_at),
      roots: JSON.parse(r.roots) as string[],
    }));
  }

  filesSeenBy(scanId: number): number {
    const row = this.#db
      .prepare(
        `SELECT coalesce(files_seen, (SELECT count(*) FROM files WHERE last_scan = scans.id)) AS n
         FROM scans WHERE id = ?`,
      )
      .safeIntegers(false)
      .get(BigInt(scanId)) as { n: number } | undefined;
    if (row === undefined) return 0;
    return row.n;
  }

  refresh(paths: readonly RefreshedPath[], at: number): void {
    if (paths.length === 0) return;
    const now = BigInt(Math.round(at));
    const update = this.#db.prepare(
      `UPDATE files SET dev = ?, ino = ?, size = ?, mtime_ns = ?, ctime_ns = ?, last_seen = ?, gone_at = NULL
       WHERE path = ?`,
    );
    // Paths as hex in one JSON array: one statement for all the vanished paths instead of one each.
    const gone = this.#db.prepare(
      'UPDATE files SET gone_at = ? WHERE gone_at IS NULL AND path IN (SELECT unhex(value) FROM json_each(?))',
    );
    this.#db.transaction(() => {
      const vanished: string[] = [];
      for (const { path, now: f } of paths) {
        if (f) update.run(f.dev, f.ino, BigInt(f.size), f.mtimeNs, f.ctimeNs, now, toBytes(path));
        else vanished.push(toBytes(path).toString('hex'));
      }
      if (vanished.length > 0) gone.run(now, JSON.stringify(vanished));
    })();
  }

  copiesOf(content: Content): ContentCopy[] {
    const rows = this.#db
      .prepare(
        `SELECT path, last_seen, ino, mtime_ns FROM files
         WHERE gone_at IS NULL AND size = ? AND hash_alg = ? AND full_hash = ? ORDER BY path`,
      )
      .all(BigInt(content.size), content.algorithm, content.hash) as {
      path: Buffer;
      last_seen: bigint;
      ino: bigint;
      mtime_ns: bigint;
    }[];
    const machine = this.machineName;
    return rows.map((r) => ({
      machine,
      local: true,
      path: fromBytes(r.path),
      size: content.size,
      hash: content.hash,
      lastSeen: Number(r.last_seen),
      ino: BigInt.asUintN(64, r.ino),
      mtimeNs: r.mtime_ns,
    }));
  }

  *copyGroups(algorithm: string): IterableIterator<ContentCopy[]> {
    // One machine's catalog: every copy is here.
    const machine = this.machineName;
    const live = 'gone_at IS NULL AND hash_alg = ? AND full_hash IS NOT NULL AND size > 0';
    const rows = this.#db
      .prepare(
        `SELECT path, size, full_hash, last_seen, ino, mtime_ns FROM files WHERE ${live} AND (size, full_hash) IN
           (SELECT size, full_hash FROM files WHERE ${live} GROUP BY size, full_hash HAVING count(*) > 1)
         ORDER BY size, full_hash, path`,
      )
      .iterate(algorithm, algorithm) as IterableIterator<{
      path: Buffer;
      size: bigint;
      full_hash: string;
      last_seen: bigint;
      ino: bigint;
      mtime_ns: bigint;
    }>;
    let group: ContentCopy[] = [];
    for (const r of rows) {
      const size = Number(r.size);
      if (group.length > 0 && (group[0]!.size !== size || group[0]!.hash !== r.full_hash)) {
        yield group;
        group = [];
      }
      group.push({
        machine,
        local: true,
        path: fromBytes(r.path),
        size,
        hash: r.full_hash,
        lastSeen: Number(r.last_seen),
        ino: BigInt.asUintN(64, r.ino),
        mtimeNs: r.mtime_ns,
      });
    }
    if (group.length > 0) yield group;
  }

  atomically<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  journal(): Journal {
    return (this.#journal ??= new SqliteJournal(this.#db));
  }

  fingerprints(): FingerprintStore {
    return (this.#fingerprints ??= new SqliteFingerprints(this.#db));
  }

  entries(): EntryStore {
    return (this.#entries ??= new SqliteEntries(this.#db));
  }

  close(): void {
    this.#db.close();
  }
}

/** Fills a new catalog file (see createCatalogFile): the schema, in WAL mode from the start. */
function initialize(file: string): void {
  const db = new Database(file);
  try {
    db.defaultSafeIntegers(true);
    db.pragma('journal_mode = WAL');
    migrate(db, 0);
  } finally {
    db.close();
  }
}

/**
 * The refusal of a catalog file that is damaged: what is wrong, and what to do. It is never replaced here,
 * because the journal in it is what undo needs, and the quarantined files stay where they are whatever happens.
 */
function damaged(location: string, problem: string, cause?: unknown): NodupeError {
  return new NodupeError(
    'BAD_INPUT',
    `the catalog ${location} ${problem}, and was left as it is: restore it from a backup, or move it away and ` +
      'run `nodupe scan PATH` to start a new one (which cannot undo earlier runs). Files that earlier runs ' +
      "quarantined are still in their quarantine folder (quarantine/ in nodupe's data folder, .nodupe-quarantine/ " +
      'at the top of their file system, or the --quarantine folder given), under <catalog id>/run-N/ plus their ' +
      'original path',
    cause === undefined ? undefined : { cause },
  );
}

function migrate(db: SqliteDatabase, from: number): void {
  const pending = MIGRATIONS.filter((m) => m.version > from);
  if (pending.length === 0) return;
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
    const record = db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
    for (const m of pending) {
      db.exec(m.sql);
      record.run(BigInt(m.version), BigInt(Date.now()));
    }
  })();
}

function toHashes(
  algorithm: string | null,
  head: string | null,
  tail: string | null,
  full: string | null,
): StoredHashes | undefined {
  if (algorithm === null) return undefined;
  return { algorithm, head: head ?? undefined, tail: tail ?? undefined, full: full ?? undefined };
}

function toFile(row: FileRow): CatalogFile {
  return {
    id: Number(row.id),
    path: fromBytes(row.path),
    dev: row.dev,
    ino: row.ino,
    size: Number(row.size),
    mtimeNs: row.mtime_ns,
    ctimeNs: row.ctime_ns,
    hashes: toHashes(row.hash_alg, row.head_hash, row.tail_hash, row.full_hash),
    ...(row.type === null ? {} : { type: row.type }),
  };
}
