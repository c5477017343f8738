import type { CatalogRows } from '../store.js';
import type { SqliteDatabase, SqliteStatement } from './driver.js';

/**
 * The SQL of a scan's writes, on one connection, statements prepared once: the calling thread's connection for
 * a small scan, the writer thread's for a large one. Each call is one transaction. It imports only the driver's
 * types, so that the writer thread loads little.
 */
export class RowWriter {
  readonly #db: SqliteDatabase;
  readonly #insert: SqliteStatement;
  readonly #upsert: SqliteStatement;
  readonly #seen: SqliteStatement;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    const insert = `
      INSERT INTO files (path, dev, ino, size, mtime_ns, ctime_ns, hash_alg, head_hash, tail_hash, full_hash,
        first_seen, last_seen, last_scan, type)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    // A path the catalog does not hold yet: a plain insert, about a quarter cheaper than the upsert below.
    this.#insert = db.prepare(insert);
    // A path it holds: first_seen is kept unless the row was gone; gone_at is cleared.
    this.#upsert = db.prepare(`${insert}
      ON CONFLICT (path) DO UPDATE SET
        dev = excluded.dev, ino = excluded.ino, size = excluded.size,
        mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns,
        hash_alg = excluded.hash_alg, head_hash = excluded.head_hash,
        tail_hash = excluded.tail_hash, full_hash = excluded.full_hash, type = excluded.type,
        first_seen = CASE WHEN files.gone_at IS NULL THEN files.first_seen ELSE excluded.first_seen END,
        last_seen = excluded.last_seen, last_scan = excluded.last_scan, gone_at = NULL`);
    this.#seen = db.prepare('UPDATE scans SET files_seen = ? WHERE id = ?');
  }

  /** Inserts or updates `rows`, in path byte order (see pathOrder), in one transaction. */
  write(scanId: number, rows: CatalogRows, at: number): void {
    const n = rows.count;
    if (n === 0) return;
    const now = BigInt(Math.round(at));
    const scan = BigInt(scanId);
    const { paths, pathStart, dev, ino, size, mtimeNs, ctimeNs, algorithm, head, tail, full, type } = rows;
    const views = new Array<Buffer>(n);
    for (let i = 0; i < n; i++) {
      const start = pathStart[i]!;
      views[i] = Buffer.from(paths.buffer, paths.byteOffset + start, pathStart[i + 1]! - start);
    }
    const order = pathOrder(views);
    const put = (statement: SqliteStatement, i: number) => {
      const h = head[i] ?? null;
      const t = tail[i] ?? null;
      const f = full[i] ?? null;
      const alg = h === null && t === null && f === null ? null : algorithm;
      const id = [views[i], dev[i], ino[i], size[i], mtimeNs[i], ctimeNs[i]];
      statement.run(...id, alg, h, t, f, now, now, scan, type?.[i] ?? null);
    };
    // Each batch starts with plain inserts (a first scan conflicts with nothing) and, at the first path the
    // catalog already holds, goes on with upserts: the failed insert changed nothing, the transaction goes on.
    let statement = this.#insert;
    this.#db.transaction(() => {
      for (let k = 0; k < n; k++) {
        const i = order === undefined ? k : order[k]!;
        try {
          put(statement, i);
        } catch (error) {
          if (
            statement === this.#upsert ||
            (error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_UNIQUE'
          ) {
            throw error;
          }
          statement = this.#upsert;
          put(statement, i);
        }
      }
    })();
  }

  /** Records how many files the scan has seen so far. */
  seen(scanId: number, files: number): void {
    this.#seen.run(BigInt(files), BigInt(scanId));
  }
}

/**
 * The order that sorts `paths` by bytes (as SQLite compares BLOBs), or undefined when they already are: rows
 * written in index order fill neighbouring pages of the path index instead of touching (and logging) pages all
 * over it. Compared as Latin-1 strings, one character per byte: the same order, and several times faster to sort
 * than Buffers.
 */
function pathOrder(paths: Buffer[]): Uint32Array | undefined {
  const keys = paths.map((p) => p.toString('latin1'));
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! <= keys[i]!;
  if (sorted) return undefined;
  const order = new Uint32Array(keys.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
}
