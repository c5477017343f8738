import { fmix32, murmurStep } from './hash32.js';

/** How a signature is cut for LSH: `bands` bands of `rows` positions (bands × rows ≤ the signature's size). */
export interface Banding {
  readonly bands: number;
  readonly rows: number;
}

/** The least chance that a pair right at the threshold becomes a candidate (the S-curve's height there). */
export const BAND_RECALL = 0.99;

/** The chance that a pair of Jaccard similarity `similarity` shares at least one band: 1 − (1 − s^r)^b. */
export function candidateChance(similarity: number, { bands, rows }: Banding): number {
  return 1 - (1 - similarity ** rows) ** bands;
}

/**
 * The banding for a threshold: the most rows per band (the fewest dissimilar candidates), then the fewest bands,
 * whose S-curve still gives a pair at the threshold a `recall` chance to be a candidate (every pair above the
 * threshold has a higher chance). At thresholds so low that one row per band falls short even with every
 * position a band of its own, that (the best there is).
 */
export function chooseBanding(threshold: number, signatureSize: number, recall = BAND_RECALL): Banding {
  for (let rows = signatureSize; rows >= 1; rows--) {
    // The chance that one band misses a pair at the threshold; bands needed so that all miss at most 1 − recall.
    const miss = 1 - threshold ** rows;
    if (miss >= 1) continue;
    const bands = miss <= 0 ? 1 : Math.ceil(Math.log(1 - recall) / Math.log(miss));
    if (bands * rows <= signatureSize) return { bands, rows };
  }
  return { bands: signatureSize, rows: 1 };
}

/**
 * The candidate pairs [a, b] (a < b, indexes into `signatures`) that agree on every row of at least one band;
 * each pair once. Buckets are keyed by a hash of the band's rows; a collision only adds a candidate, which the
 * exact Jaccard then rejects.
 */
export function candidatePairs(
  signatures: readonly Uint32Array[],
  banding: Banding,
): Array<[number, number]> {
  const seen = new Set<number>();
  const pairs: Array<[number, number]> = [];
  const count = signatures.length;
  for (let band = 0; band < banding.bands; band++) {
    const buckets = new Map<number, number[]>();
    for (let item = 0; item < count; item++) {
      const signature = signatures[item];
      if (signature === undefined) continue;
      let hash = band;
      for (let row = band * banding.rows; row < (band + 1) * banding.rows; row++) {
        hash = murmurStep(hash, signature[row] ?? 0);
      }
      const key = fmix32(hash);
      const bucket = buckets.get(key);
      if (bucket === undefined) buckets.set(key, [item]);
      else bucket.push(item);
    }
    for (const bucket of buckets.values()) {
      for (let i = 0; i < bucket.length; i++) {
        for (let j = i + 1; j < bucket.length; j++) {
          const a = bucket[i] ?? 0;
          const b = bucket[j] ?? 0;
          const key = a * count + b;
          if (seen.has(key)) continue;
          seen.add(key);
          pairs.push([a, b]);
        }
      }
    }
  }
  return pairs;
}
