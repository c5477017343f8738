import type { HashAlgorithm } from '../hash/algorithms.js';

/** Some content, as the catalog names it: its size and its full hash (by the algorithm asked for). */
export interface ContentKey {
  size: number;
  hash: string;
}

/** What a detector made of some content: a fingerprint, or why it could not make one. */
export type StoredFingerprint = { fingerprint: Uint8Array } | { problem: string };

/** A full hash made while a file was read for its fingerprint, for a row the scan left without one. */
export interface MadeFullHash {
  id: number;
  /** The row as the file was when it was read: the hash is recorded only if the row still says so. */
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  hash: string;
}

/**
 * Fingerprints of near-duplicate detectors (`nodupe similar`), kept by content: an unchanged file, or a copy of
 * one already seen, is never read again. `detector` names the detector and its version (`images.phash/1`): a
 * detector that changes its fingerprints changes its version, and the old ones are no longer asked for.
 */
export interface FingerprintStore {
  /** The fingerprints known for `keys`, in their order (undefined where none is). */
  get(
    detector: string,
    algorithm: HashAlgorithm,
    keys: readonly ContentKey[],
  ): (StoredFingerprint | undefined)[];
  /** Keeps fingerprints (one transaction); one already kept for a key is replaced. `at`: wall-clock ms. */
  put(
    detector: string,
    algorithm: HashAlgorithm,
    made: readonly (ContentKey & StoredFingerprint)[],
    at: number,
  ): void;
  /**
   * Records full hashes made while fingerprinting, for rows that have none by `algorithm` and still describe the
   * file that was read (same size, mtime and ctime; not gone); a row with hashes by another algorithm is left as
   * it is. Returns how many rows took their hash.
   */
  recordFullHashes(algorithm: HashAlgorithm, made: readonly MadeFullHash[]): number;
}
