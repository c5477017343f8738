import type { ContentKey, FingerprintStore, MadeFullHash, StoredFingerprint } from '../fingerprints.js';
import type { SyncPostgres } from './sync-client.js';

/**
 * The shared catalog's `fingerprints` table and full hashes recorded on the files' rows: the port of the SQLite
 * store (src/catalog/sqlite/fingerprint-store.ts). Fingerprints are kept by content, so every machine reuses what
 * any machine made. Each call is one statement; `transaction` makes the writes one transaction that bumps the
 * catalog's change counter.
 */
export class PostgresFingerprints implements FingerprintStore {
  constructor(
    private readonly db: SyncPostgres,
    private readonly transaction: <T>(fn: () => T) => T,
  ) {}

  get(detector: string, algorithm: string, keys: readonly ContentKey[]): (StoredFingerprint | undefined)[] {
    if (keys.length === 0) return [];
    const rows = this.db.query<{ i: number; fingerprint: Buffer | null; problem: string | null }>(
      `SELECT k.i::int4 AS i, f.fingerprint, f.problem
         FROM unnest($3::int8[], $4::text[]) WITH ORDINALITY AS k (size, full_hash, i)
         JOIN fingerprints f ON f.detector = $1 AND f.hash_alg = $2 AND f.size = k.size AND f.full_hash = k.full_hash`,
      [detector, algorithm, keys.map((k) => k.size), keys.map((k) => k.hash)],
    );
    const found = new Array<StoredFingerprint | undefined>(keys.length).fill(undefined);
    for (const row of rows) {
      found[row.i - 1] =
        row.fingerprint !== null
          ? { fingerprint: new Uint8Array(row.fingerprint) }
          : { problem: row.problem ?? 'no fingerprint' };
    }
    return found;
  }

  put(
    detector: string,
    algorithm: string,
    made: readonly (ContentKey & StoredFingerprint)[],
    at: number,
  ): void {
    if (made.length === 0) return;
    // The last given for a key wins, as one INSERT OR REPLACE after another would.
    const byKey = new Map<string, ContentKey & StoredFingerprint>();
    for (const m of made) byKey.set(`${m.size}:${m.hash}`, m);
    const rows = [...byKey.values()];
    this.transaction(() =>
      this.db.query(
        `INSERT INTO fingerprints (detector, hash_alg, size, full_hash, fingerprint, problem, made_at)
         SELECT $1, $2, size, full_hash, fingerprint, problem, $7
           FROM unnest($3::int8[], $4::text[], $5::bytea[], $6::text[]) AS m (size, full_hash, fingerprint, problem)
         ON CONFLICT (detector, hash_alg, size, full_hash) DO UPDATE SET fingerprint = excluded.fingerprint,
           problem = excluded.problem, made_at = excluded.made_at`,
        [
          detector,
          algorithm,
          rows.map((m) => m.size),
          rows.map((m) => m.hash),
          rows.map((m) => ('fingerprint' in m ? Buffer.from(m.fingerprint) : null)),
          rows.map((m) => ('problem' in m ? m.problem : null)),
          BigInt(Math.round(at)),
        ],
      ),
    );
  }

  recordFullHashes(algorithm: string, made: readonly MadeFullHash[]): number {
    if (made.length === 0) return 0;
    return this.transaction(() => {
      const rows = this.db.query<{ n: number }>(
        `WITH done AS (
           UPDATE files f SET hash_alg = $1, full_hash = m.hash
             FROM unnest($2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::text[]) AS m (id, size, mtime_ns, ctime_ns, hash)
            WHERE f.id = m.id AND f.gone_at IS NULL AND f.size = m.size AND f.mtime_ns = m.mtime_ns
              AND f.ctime_ns = m.ctime_ns AND f.full_hash IS NULL AND (f.hash_alg IS NULL OR f.hash_alg = $1)
           RETURNING 1)
         SELECT count(*)::int4 AS n FROM done`,
        [
          algorithm,
          made.map((m) => m.id),
          made.map((m) => m.size),
          made.map((m) => m.mtimeNs),
          made.map((m) => m.ctimeNs),
          made.map((m) => m.hash),
        ],
      );
      return rows[0]?.n ?? 0;
    });
  }
}
