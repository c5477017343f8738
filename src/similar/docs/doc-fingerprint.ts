import type { FingerprintResult } from '../types.js';
import { extractText, type ExtractLimits } from './extract-text.js';
import { countBelow, encodeFingerprint, type DocFingerprint } from './fingerprint-layout.js';
import { minhashSignature } from './minhash.js';
import { shingleSet } from './shingles.js';

/**
 * The most shingle hashes a fingerprint keeps (256 KiB). A longer document keeps those below 2^(32 − s) for the
 * least s that fits: a sample that is the same rule for every document, so the Jaccard of two samples estimates
 * the Jaccard of the whole (to about ±0.004 at this size); below the cap the score is exact.
 */
export const MAX_KEPT_SHINGLES = 65_536;

/**
 * A document's fingerprint, from its bytes and its file name (for the format): its text's MinHash signature
 * and its shingle hashes, as bytes to store. A file whose text cannot be read is `{ problem }`; never throws
 * for a bad file.
 */
export async function fingerprint(
  bytes: Uint8Array,
  name: string,
  limits: Partial<ExtractLimits> = {},
): Promise<FingerprintResult> {
  const extracted = await extractText(bytes, name, limits);
  if ('problem' in extracted) return extracted;
  return { fingerprint: encodeFingerprint(textFingerprint(extracted.text)) };
}

/** The fingerprint of a text, decoded (what `fingerprint` encodes). */
export function textFingerprint(text: string): DocFingerprint {
  const shingles = shingleSet(text);
  const signature = minhashSignature(shingles);
  let sampleLevel = 0;
  let kept = shingles.length;
  while (kept > MAX_KEPT_SHINGLES) {
    sampleLevel++;
    kept = countBelow(shingles, 2 ** (32 - sampleLevel));
  }
  return { signature, shingles: shingles.subarray(0, kept), sampleLevel };
}
