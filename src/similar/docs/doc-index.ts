import type { SimilarPair } from '../types.js';
import { countBelow, decodeFingerprint, type DocFingerprint } from './fingerprint-layout.js';
import { candidatePairs, chooseBanding } from './lsh.js';
import { fmix32, murmurStep } from './hash32.js';
import { jaccard } from './shingles.js';

/** The default threshold (Jaccard of the word 5-grams): measured on the documents benchmark (bench/). */
export const DEFAULT_DOC_THRESHOLD = 0.5;

/**
 * The near-duplicate pairs among `fingerprints` (made by `fingerprint`): the pairs whose shingle sets have a
 * Jaccard similarity of at least `threshold` (0..1), with score = Jaccard and distance = 1 − Jaccard. Never
 * compares all pairs: LSH bands over the MinHash signatures propose candidates, the exact Jaccard decides.
 * Documents with the same shingles are gathered first; each joins the first of them with score 1, and only that
 * first one is compared with the rest (so a thousand copies cost a thousand pairs, not half a million). The pairs
 * are enough for grouping by transitive closure. A fingerprint that is not a document fingerprint (another
 * version, damaged) is a bug of the caller's: RangeError.
 */
export function similarDocPairs(
  fingerprints: readonly Uint8Array[],
  threshold = DEFAULT_DOC_THRESHOLD,
): SimilarPair[] {
  if (!(threshold > 0 && threshold <= 1)) {
    throw new RangeError(`threshold: expected a Jaccard similarity in (0, 1], received ${threshold}`);
  }
  const decoded = fingerprints.map((bytes, index) => {
    const fingerprint = decodeFingerprint(bytes);
    if ('problem' in fingerprint) throw new RangeError(`fingerprint ${index}: ${fingerprint.problem}`);
    return fingerprint;
  });
  const pairs: SimilarPair[] = [];
  const firsts = sameShingles(decoded, pairs);
  const signatures = firsts.map((index) => decoded[index]?.signature ?? new Uint32Array());
  const size = signatures[0]?.length ?? 0;
  if (size === 0) return pairs;
  for (const [i, j] of candidatePairs(signatures, chooseBanding(threshold, size))) {
    const a = firsts[i] ?? 0;
    const b = firsts[j] ?? 0;
    const score = fingerprintJaccard(decoded[a] as DocFingerprint, decoded[b] as DocFingerprint);
    if (score >= threshold) pairs.push({ a, b, distance: 1 - score, score });
  }
  return pairs;
}

/**
 * The Jaccard similarity of two decoded fingerprints: exact when both kept every shingle, else over the shingles
 * both samples keep (the coarser sample's rule applied to both).
 */
export function fingerprintJaccard(a: DocFingerprint, b: DocFingerprint): number {
  const level = Math.max(a.sampleLevel, b.sampleLevel);
  const limit = 2 ** (32 - level);
  const left = a.sampleLevel === level ? a.shingles : a.shingles.subarray(0, countBelow(a.shingles, limit));
  const right = b.sampleLevel === level ? b.shingles : b.shingles.subarray(0, countBelow(b.shingles, limit));
  return jaccard(left, right);
}

/**
 * Gathers the documents with the same shingles: pushes (first, other) with score 1 for each, and returns the
 * indexes of the firsts, the documents LSH compares. Documents without words are left out: nobody's duplicates.
 */
function sameShingles(decoded: readonly DocFingerprint[], pairs: SimilarPair[]): number[] {
  const byContent = new Map<string, number[]>();
  const firsts: number[] = [];
  decoded.forEach((fingerprint, index) => {
    if (fingerprint.shingles.length === 0) return;
    const key = `${fingerprint.sampleLevel}:${fingerprint.shingles.length}:${signatureHash(fingerprint.signature)}`;
    const alike = byContent.get(key) ?? [];
    const same = alike.find((other) => equalShingles(decoded[other] as DocFingerprint, fingerprint));
    if (same === undefined) {
      alike.push(index);
      byContent.set(key, alike);
      firsts.push(index);
    } else pairs.push({ a: same, b: index, distance: 0, score: 1 });
  });
  return firsts;
}

function equalShingles(a: DocFingerprint, b: DocFingerprint): boolean {
  if (a.shingles.length !== b.shingles.length) return false;
  for (let i = 0; i < a.shingles.length; i++) if (a.shingles[i] !== b.shingles[i]) return false;
  return true;
}

function signatureHash(signature: Uint32Array): number {
  let hash = signature.length;
  for (const value of signature) hash = murmurStep(hash, value);
  return fmix32(hash);
}
