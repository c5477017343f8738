import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { NodupeError } from '../../core/errors.js';
import { isHashAlgorithm } from '../../hash/algorithms.js';
import { fromBytes, toBytes, type FsPath } from '../../scan/paths.js';
import type { CatalogFile, CatalogStore, ScanRecord, SeenFile } from '../store.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations.js';

interface FileRow {
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
  first_seen: bigint;
  last_seen: bigint;
  last_scan: bigint;
}

const FILE_COLUMNS = `path, dev, ino, size, mtime_ns, ctime_ns, hash_alg, head_hash, tail_hash, full_hash,
  first_seen, last_seen, last_scan`;

/** The catalog in an SQLite file (better-sqlite3): WAL, migrations, one transaction per write. */
export class SqliteCatalog implements CatalogStore {
  readonly location: string;
  readonly #db: Database.Database;

  private constructor(location: string, db: Database.Database) {
    this.location = location;
    this.#db = db;
  }

  /**
   * Opens (creating it and its folder if needed) and migrates a catalog. A file that is not an SQLite
   * database, a database that is not a nodupe catalog, or a catalog from a newer nodupe is refused with a
   * BAD_INPUT error, and nothing is written to it.
   */
  static open(location: string): SqliteCatalog {
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
    let db: Database.Database | undefined;
    try {
      db = new Database(location);
      db.defaultSafeIntegers(true);
      const tables = db
        .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
        .pluck()
        .all() as string[];
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
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db, version);
      return new SqliteCatalog(location, db);
    } catch (error) {
      db?.close();
      if (error instanceof NodupeError) throw error;
      const e = error as { code?: string; message?: string };
      if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT') {
        throw new NodupeError(
          'BAD_INPUT',
          `the catalog ${location} is corrupt or not a database (${e.message ?? e.code})`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  filesUnder(roots: readonly string[]): CatalogFile[] {
    const exact = this.#db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE gone_at IS NULL AND path = ?`);
    const under = this.#db.prepare(
      `SELECT ${FILE_COLUMNS} FROM files WHERE gone_at IS NULL AND path >= ? AND path < ?`,
    );
    const byPath = new Map<string, CatalogFile>();
    for (const root of roots) {
      const base = root.endsWith('/') ? root.slice(0, -1) : root;
      const rows = [
        ...(exact.all(Buffer.from(base)) as FileRow[]),
        // Everything below `base/`: byte strings from `base/` up to, not including, `base0` ('0' follows '/').
        ...(under.all(Buffer.from(`${base}/`), Buffer.from(`${base}0`)) as FileRow[]),
      ];
      for (const row of rows) byPath.set(row.path.toString('latin1'), toFile(row));
    }
    return [...byPath.values()];
  }

  hashedFiles(algorithm: string): CatalogFile[] {
    const rows = this.#db
      .prepare(
        `SELECT ${FILE_COLUMNS} FROM files WHERE gone_at IS NULL AND ((hash_alg = ? AND full_hash IS NOT NULL) OR size = 0)`,
      )
      .all(algorithm) as FileRow[];
    return rows.map(toFile);
  }

  startScan(roots: readonly string[], startedAt: number): number {
    const info = this.#db
      .prepare('INSERT INTO scans (started_at, roots) VALUES (?, ?)')
      .run(BigInt(Math.round(startedAt)), JSON.stringify(roots));
    return Number(info.lastInsertRowid);
  }

  finishScan(scanId: number, seen: readonly SeenFile[], gone: readonly FsPath[], finishedAt: number): void {
    const now = BigInt(Math.round(finishedAt));
    const scan = BigInt(scanId);
    const upsert = this.#db.prepare(`
      INSERT INTO files (${FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (path) DO UPDATE SET
        dev = excluded.dev, ino = excluded.ino, size = excluded.size,
        mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns,
        hash_alg = excluded.hash_alg, head_hash = excluded.head_hash,
        tail_hash = excluded.tail_hash, full_hash = excluded.full_hash,
        first_seen = CASE WHEN files.gone_at IS NULL THEN files.first_seen ELSE excluded.first_seen END,
        last_seen = excluded.last_seen, last_scan = excluded.last_scan, gone_at = NULL`);
    const markGone = this.#db.prepare('UPDATE files SET gone_at = ? WHERE path = ? AND gone_at IS NULL');
    const close = this.#db.prepare('UPDATE scans SET finished_at = ? WHERE id = ?');
    this.#db.transaction(() => {
      for (const f of seen) {
        const h = f.hashes;
        upsert.run(
          toBytes(f.path),
          f.dev,
          f.ino,
          BigInt(f.size),
          f.mtimeNs,
          f.ctimeNs,
          h?.algorithm ?? null,
          h?.head ?? null,
          h?.tail ?? null,
          h?.full ?? null,
          now,
          now,
          scan,
        );
      }
      for (const path of gone) markGone.run(now, toBytes(path));
      close.run(now, scan);
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

  close(): void {
    this.#db.close();
  }
}

function migrate(db: Database.Database, from: number): void {
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

function toFile(row: FileRow): CatalogFile {
  const algorithm = row.hash_alg;
  return {
    path: fromBytes(row.path),
    dev: row.dev,
    ino: row.ino,
    size: Number(row.size),
    mtimeNs: row.mtime_ns,
    ctimeNs: row.ctime_ns,
    hashes:
      algorithm !== null && isHashAlgorithm(algorithm)
        ? {
            algorithm,
            head: row.head_hash ?? undefined,
            tail: row.tail_hash ?? undefined,
            full: row.full_hash ?? undefined,
          }
        : undefined,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    lastScan: Number(row.last_scan),
  };
}
