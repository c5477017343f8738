import type {
  CatalogEntry,
  ContainerKey,
  ContainerRecord,
  EntryStore,
  StoredContainer,
  StoredEntry,
} from '../entries.js';
import { LIVE, toContainer, toEntry, type ContainerRow, type EntryRow } from '../entry-rows.js';
import type { SyncPostgres } from './sync-client.js';

/** Entries per INSERT statement. */
const CHUNK = 5000;

/**
 * The shared catalog's `containers` and `entries` tables (migration 3): the port of the SQLite store. Entries are
 * kept by their container's row id, so every machine reads the members of the archives on its volumes (the
 * caller resolves those rows through `filesById`, which holds them to the volumes mounted here).
 */
export class PostgresEntries implements EntryStore {
  constructor(
    private readonly db: SyncPostgres,
    private readonly transaction: <T>(fn: () => T) => T,
  ) {}

  replace(container: ContainerRecord, entries: readonly CatalogEntry[]): void {
    const { key, identity, problem } = container;
    this.transaction(() => {
      this.#remove(key);
      const [row] = this.db.query<{ id: bigint }>(
        `INSERT INTO containers (kind, file_id, label, dev, ino, size, mtime_ns, ctime_ns, format, hash_alg,
           skipped, problem_code, problem_message, read_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
        [
          key.kind,
          key.kind === 'archive' ? key.fileId : null,
          key.kind === 'manifest' ? key.label : null,
          identity ? BigInt.asIntN(64, identity.dev) : null,
          identity ? BigInt.asIntN(64, identity.ino) : null,
          identity ? identity.size : null,
          identity?.mtimeNs ?? null,
          identity?.ctimeNs ?? null,
          container.format,
          container.algorithm,
          JSON.stringify(container.skipped),
          problem?.code ?? null,
          problem?.message ?? null,
          Math.round(container.readAt),
        ],
      );
      for (let at = 0; at < entries.length; at += CHUNK) {
        const chunk = entries.slice(at, at + CHUNK);
        this.db.query(
          `INSERT INTO entries (container_id, seq, name, size, mtime_ms, head_hash, tail_hash, full_hash, crc32,
             encrypted, type)
           SELECT $1, seq, name, size, mtime_ms, head_hash, tail_hash, full_hash, crc32, encrypted, type
             FROM unnest($2::int8[], $3::text[], $4::int8[], $5::int8[], $6::text[], $7::text[], $8::text[],
               $9::int8[], $10::bool[], $11::text[])
               AS e (seq, name, size, mtime_ms, head_hash, tail_hash, full_hash, crc32, encrypted, type)`,
          [
            row!.id,
            chunk.map((_, i) => at + i),
            chunk.map((e) => e.name),
            chunk.map((e) => e.size),
            chunk.map((e) => (e.mtimeMs === undefined ? null : Math.round(e.mtimeMs))),
            chunk.map((e) => e.hashes?.head ?? null),
            chunk.map((e) => e.hashes?.tail ?? null),
            chunk.map((e) => e.hashes?.full ?? null),
            chunk.map((e) => e.crc32 ?? null),
            chunk.map((e) => e.encrypted ?? false),
            chunk.map((e) => e.type ?? null),
          ],
        );
      }
    });
  }

  containers(kind: ContainerKey['kind']): StoredContainer[] {
    return this.db
      .query<ContainerRow>(
        `SELECT c.*, (SELECT count(*) FROM entries e WHERE e.container_id = c.id) AS entries
           FROM containers c WHERE c.kind = $1 ORDER BY c.id`,
        [kind],
      )
      .map(toContainer);
  }

  remove(keys: readonly ContainerKey[]): void {
    if (keys.length === 0) return;
    this.transaction(() => {
      for (const key of keys) this.#remove(key);
    });
  }

  pruneArchives(): number {
    return this.transaction(() => {
      // Entries go with their container (ON DELETE CASCADE).
      const rows = this.db.query(
        `DELETE FROM containers c WHERE c.kind = 'archive' AND NOT ${LIVE} RETURNING c.id`,
      );
      return rows.length;
    });
  }

  *hashedEntries(algorithm: string): IterableIterator<StoredEntry> {
    const rows = this.db.query<EntryRow>(
      `SELECT c.kind, c.file_id, c.label, c.hash_alg, e.name, e.size, e.mtime_ms, e.head_hash, e.tail_hash,
         e.full_hash, e.crc32, e.encrypted, e.type
         FROM entries e JOIN containers c ON c.id = e.container_id
        WHERE c.hash_alg = $1 AND e.full_hash IS NOT NULL AND ${LIVE}
        ORDER BY e.size, e.full_hash, c.id, e.seq`,
      [algorithm],
    );
    for (const row of rows) yield toEntry(row);
  }

  looseMatches(algorithm: string): number[] {
    return this.db
      .query<{ id: bigint }>(
        `SELECT f.id FROM files f
          WHERE f.gone_at IS NULL AND f.hash_alg = $1 AND f.full_hash IS NOT NULL AND EXISTS (
            SELECT 1 FROM entries e JOIN containers c ON c.id = e.container_id
             WHERE e.size = f.size AND e.full_hash = f.full_hash AND c.hash_alg = f.hash_alg AND ${LIVE})
          ORDER BY f.id`,
        [algorithm],
      )
      .map((r) => Number(r.id));
  }

  entrySizes(): number[] {
    return this.db
      .query<{ size: bigint }>(
        `SELECT DISTINCT e.size FROM entries e JOIN containers c ON c.id = e.container_id WHERE ${LIVE}
          ORDER BY e.size`,
      )
      .map((r) => Number(r.size));
  }

  #remove(key: ContainerKey): void {
    if (key.kind === 'archive') {
      this.db.query(`DELETE FROM containers WHERE kind = 'archive' AND file_id = $1`, [key.fileId]);
    } else {
      this.db.query(`DELETE FROM containers WHERE kind = 'manifest' AND label = $1`, [key.label]);
    }
  }
}
