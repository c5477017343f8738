/**
 * The bytes of a document fingerprint, version 1 (all integers little-endian):
 *
 *   0      u8   version (1)
 *   1      u8   sample level s: the shingles kept are those below 2^(32 − s) (0: all of them)
 *   2..3   u16  k, the MinHash signature's size
 *   4..7   u32  n, the shingles kept
 *   8..    u32 × k  the MinHash signature (of every shingle, sampled or not)
 *   ..     u32 × n  the kept shingle hashes, sorted ascending, unique
 */
export const FINGERPRINT_VERSION = 1;
const HEADER = 8;

/** A document fingerprint, decoded. */
export interface DocFingerprint {
  readonly signature: Uint32Array;
  /** Sorted, unique: every shingle hash below 2^(32 − sampleLevel). */
  readonly shingles: Uint32Array;
  readonly sampleLevel: number;
}

export function encodeFingerprint({ signature, shingles, sampleLevel }: DocFingerprint): Uint8Array {
  const bytes = new Uint8Array(HEADER + 4 * (signature.length + shingles.length));
  const view = new DataView(bytes.buffer);
  view.setUint8(0, FINGERPRINT_VERSION);
  view.setUint8(1, sampleLevel);
  view.setUint16(2, signature.length, true);
  view.setUint32(4, shingles.length, true);
  let at = HEADER;
  for (const values of [signature, shingles]) {
    for (const value of values) {
      view.setUint32(at, value, true);
      at += 4;
    }
  }
  return bytes;
}

/**
 * A fingerprint's parts, or why the bytes are not a version-1 document fingerprint (another version, or cut
 * short): never a wrong reading.
 */
export function decodeFingerprint(bytes: Uint8Array): DocFingerprint | { problem: string } {
  if (bytes.length < HEADER)
    return { problem: `a document fingerprint is at least ${HEADER} bytes, not ${bytes.length}` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== FINGERPRINT_VERSION) {
    return { problem: `document fingerprint version ${version}, expected ${FINGERPRINT_VERSION}` };
  }
  const sampleLevel = view.getUint8(1);
  const size = view.getUint16(2, true);
  const count = view.getUint32(4, true);
  if (bytes.length !== HEADER + 4 * (size + count) || sampleLevel > 32) {
    return {
      problem: `a damaged document fingerprint (${bytes.length} bytes for ${size} + ${count} hashes)`,
    };
  }
  const read = (from: number, length: number): Uint32Array => {
    const values = new Uint32Array(length);
    for (let i = 0; i < length; i++) values[i] = view.getUint32(from + 4 * i, true);
    return values;
  };
  return { signature: read(HEADER, size), shingles: read(HEADER + 4 * size, count), sampleLevel };
}

/** How many of the sorted `values` are below `limit` (a binary search). */
export function countBelow(values: Uint32Array, limit: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] ?? 0) < limit) low = middle + 1;
    else high = middle;
  }
  return low;
}
