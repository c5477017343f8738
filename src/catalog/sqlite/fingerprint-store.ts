import type { SqliteDatabase } from './driver.js';
import type { ContentKey, FingerprintStore, MadeFullHash, StoredFingerprint } from '../fingerprints.js';

interface FingerprintRow {
  fingerprint: Buffer | null;
  problem: string | null;
}

/** The catalog's `fingerprints` table (migration 10), and full hashes recorded on the files' rows. */
export class SqliteFingerprints implements FingerprintStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get(detector: string, algorithm: string, keys: readonly ContentKey[]): (StoredFingerprint | undefined)[] {
    const select = this.#db.prepare(
      `SELECT fingerprint, problem FROM fingerprints
        WHERE detector = ? AND hash_alg = ? AND size = ? AND full_hash = ?`,
    );
    return keys.map((key) => {
      const row = select.get(detector, algorithm, BigInt(key.size), key.hash) as FingerprintRow | undefined;
      if (row === undefined) return undefined;
      if (row.fingerprint !== null) return { fingerprint: new Uint8Array(row.fingerprint) };
      return { problem: row.problem ?? 'no fingerprint' };
    });
  }

  put(
    detector: string,
    algorithm: string,
    made: readonly (ContentKey & StoredFingerprint)[],
    at: number,
  ): void {
    const insert = this.#db.prepare(
      `INSERT OR REPLACE INTO fingerprints (detector, hash_alg, size, full_hash, fingerprint, problem, made_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#db.transaction(() => {
      for (const m of made) {
        const print = 'fingerprint' in m ? Buffer.from(m.fingerprint) : null;
        const problem = 'problem' in m ? m.problem : null;
        insert.run(detector, algorithm, BigInt(m.size), m.hash, print, problem, BigInt(Math.round(at)));
      }
    })();
  }

  recordFullHashes(algorithm: string, made: readonly MadeFullHash[]): number {
    const update = this.#db.prepare(
      `UPDATE files SET hash_alg = ?, full_hash = ?
        WHERE id = ? AND gone_at IS NULL AND size = ? AND mtime_ns = ? AND ctime_ns = ?
          AND full_hash IS NULL AND (hash_alg IS NULL OR hash_alg = ?)`,
    );
    let recorded = 0;
    this.#db.transaction(() => {
      for (const m of made) {
        recorded += update.run(
          algorithm,
          m.hash,
          BigInt(m.id),
          BigInt(m.size),
          m.mtimeNs,
          m.ctimeNs,
          algorithm,
        ).changes;
      }
    })();
    return recorded;
  }
}
