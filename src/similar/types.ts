/** A file's fingerprint as a detector makes it in a worker: bytes to keep, or why it could not be made. */
export type FingerprintResult = { fingerprint: Uint8Array } | { problem: string };

/** Two near-duplicates an index found (by their indexes in what it was given), and how alike they are. */
export interface SimilarPair {
  a: number;
  b: number;
  /** The detector's own measure: bits apart for images, 1 - Jaccard for documents. */
  distance: number;
  /** How alike, 0..1 (1: the same by the detector's measure). */
  score: number;
}
