import { fmix32, murmurStep } from './hash32.js';

/** Hash functions in a signature: enough for LSH bands that find pairs at the default threshold (measured). */
export const SIGNATURE_SIZE = 128;

/** The seeds of the signature's hash functions: fixed, so signatures stay comparable across runs and versions. */
const SEEDS = Uint32Array.from({ length: 1024 }, (_, i) => fmix32(murmurStep(0x5eed, i)));

/**
 * The MinHash signature of a set of shingle hashes: for each of `size` permutations of the 32-bit integers
 * (x → fmix32(x xor seed), a bijection), the least image of a member. Two sets agree at a position with
 * probability equal to their Jaccard similarity. An empty set's signature is all 0xffffffff.
 */
export function minhashSignature(shingles: Uint32Array, size = SIGNATURE_SIZE): Uint32Array {
  if (size < 1 || size > SEEDS.length)
    throw new RangeError(`signature size: expected 1..${SEEDS.length}, received ${size}`);
  const signature = new Uint32Array(size).fill(0xffffffff);
  for (let p = 0; p < size; p++) {
    const seed = SEEDS[p] ?? 0;
    let least = 0xffffffff;
    for (let i = 0; i < shingles.length; i++) {
      const image = fmix32((shingles[i] ?? 0) ^ seed);
      if (image < least) least = image;
    }
    signature[p] = least;
  }
  return signature;
}
