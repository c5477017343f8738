import type { SqliteDatabase } from './driver.js';
import type {
  CatalogEntry,
  ContainerKey,
  ContainerRecord,
  EntryStore,
  StoredContainer,
  StoredEntry,
} from '../entries.js';
import { LIVE, toContainer, toEntry, type ContainerRow, type EntryRow } from '../entry-rows.js';

/** The catalog's `containers` and `entries` tables (migration 12). */
export class SqliteEntries implements EntryStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  replace(container: ContainerRecord, entries: readonly CatalogEntry[]): void {
    const { key, identity, problem } = container;
    const insertEntry = this.#db.prepare(
      `INSERT INTO entries (container_id, seq, name, size, mtime_ms, head_hash, tail_hash, full_hash, crc32,
         encrypted, type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#db.transaction(() => {
      this.#remove(key);
      const info = this.#db
        .prepare(
          `INSERT INTO containers (kind, file_id, label, dev, ino, size, mtime_ns, ctime_ns, format, hash_alg,
             skipped, problem_code, problem_message, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          key.kind,
          key.kind === 'archive' ? BigInt(key.fileId) : null,
          key.kind === 'manifest' ? key.label : null,
          identity ? BigInt.asIntN(64, identity.dev) : null,
          identity ? BigInt.asIntN(64, identity.ino) : null,
          identity ? BigInt(identity.size) : null,
          identity?.mtimeNs ?? null,
          identity?.ctimeNs ?? null,
          container.format,
          container.algorithm,
          JSON.stringify(container.skipped),
          problem?.code ?? null,
          problem?.message ?? null,
          BigInt(Math.round(container.readAt)),
        );
      const id = info.lastInsertRowid;
      entries.forEach((e, seq) => {
        insertEntry.run(
          id,
          BigInt(seq),
          e.name,
          BigInt(e.size),
          e.mtimeMs === undefined ? null : BigInt(Math.round(e.mtimeMs)),
          e.hashes?.head ?? null,
          e.hashes?.tail ?? null,
          e.hashes?.full ?? null,
          e.crc32 === undefined ? null : BigInt(e.crc32),
          e.encrypted ? 1n : 0n,
          e.type ?? null,
        );
      });
    })();
  }

  containers(kind: ContainerKey['kind']): StoredContainer[] {
    const rows = this.#db
      .prepare(
        `SELECT c.*, (SELECT count(*) FROM entries e WHERE e.container_id = c.id) AS entries
           FROM containers c WHERE c.kind = ? ORDER BY c.id`,
      )
      .all(kind) as ContainerRow[];
    return rows.map(toContainer);
  }

  remove(keys: readonly ContainerKey[]): void {
    if (keys.length === 0) return;
    this.#db.transaction(() => {
      for (const key of keys) this.#remove(key);
    })();
  }

  pruneArchives(): number {
    return this.#db.transaction(() => {
      const stale = `SELECT id FROM containers c WHERE c.kind = 'archive' AND NOT ${LIVE}`;
      this.#db.prepare(`DELETE FROM entries WHERE container_id IN (${stale})`).run();
      return this.#db.prepare(`DELETE FROM containers WHERE id IN (${stale})`).run().changes;
    })();
  }

  *hashedEntries(algorithm: string): IterableIterator<StoredEntry> {
    const rows = this.#db
      .prepare(
        `SELECT c.kind, c.file_id, c.label, c.hash_alg, e.name, e.size, e.mtime_ms, e.head_hash, e.tail_hash,
           e.full_hash, e.crc32, e.encrypted, e.type
           FROM entries e JOIN containers c ON c.id = e.container_id
          WHERE c.hash_alg = ? AND e.full_hash IS NOT NULL AND ${LIVE}
          ORDER BY e.size, e.full_hash, c.id, e.seq`,
      )
      .iterate(algorithm) as IterableIterator<EntryRow>;
    for (const row of rows) yield toEntry(row);
  }

  looseMatches(algorithm: string): number[] {
    return this.#db
      .prepare(
        `SELECT DISTINCT f.id FROM files f
            WHERE f.gone_at IS NULL AND f.hash_alg = ? AND f.full_hash IS NOT NULL AND EXISTS (
              SELECT 1 FROM entries e JOIN containers c ON c.id = e.container_id
               WHERE e.size = f.size AND e.full_hash = f.full_hash AND c.hash_alg = f.hash_alg AND ${LIVE})
            ORDER BY f.id`,
      )
      .pluck()
      .safeIntegers(false)
      .all(algorithm) as number[];
  }

  entrySizes(): number[] {
    return this.#db
      .prepare(
        `SELECT DISTINCT e.size FROM entries e JOIN containers c ON c.id = e.container_id WHERE ${LIVE}
          ORDER BY e.size`,
      )
      .pluck()
      .safeIntegers(false)
      .all() as number[];
  }

  #remove(key: ContainerKey): void {
    const where =
      key.kind === 'archive'
        ? { sql: `kind = 'archive' AND file_id = ?`, value: BigInt(key.fileId) }
        : { sql: `kind = 'manifest' AND label = ?`, value: key.label };
    this.#db
      .prepare(`DELETE FROM entries WHERE container_id IN (SELECT id FROM containers WHERE ${where.sql})`)
      .run(where.value);
    this.#db.prepare(`DELETE FROM containers WHERE ${where.sql}`).run(where.value);
  }
}
