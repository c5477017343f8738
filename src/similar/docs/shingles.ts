import { fmix32, fnv1a, murmurStep } from './hash32.js';

/** Words per shingle: 5-grams tell a shared sentence from shared common words. */
export const SHINGLE_WORDS = 5;

const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

/**
 * The words of a text, normalized: Unicode NFKC (ligatures, full-width forms and compatibility characters folded),
 * lowercase, and a word is a run of letters and digits (with their combining marks). Punctuation, markup left
 * over and whitespace only separate words, so line breaks and layout do not matter.
 */
export function normalizedWords(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

/**
 * The sorted, unique 32-bit hashes of a text's word 5-grams. A text of 1 to 4 words has no 5-gram: its one
 * shingle is the hash of all its words, so it matches only the same short text. A text without words has none
 * (and is never anyone's near-duplicate).
 */
export function shingleSet(text: string): Uint32Array {
  const words = normalizedWords(text);
  const wordHashes = Uint32Array.from(words, fnv1a);
  const span = Math.min(SHINGLE_WORDS, wordHashes.length);
  const count = wordHashes.length === 0 ? 0 : wordHashes.length - span + 1;
  const shingles = new Uint32Array(count);
  for (let start = 0; start < count; start++) {
    let hash = span;
    for (let i = start; i < start + span; i++) hash = murmurStep(hash, wordHashes[i] ?? 0);
    shingles[start] = fmix32(hash ^ span);
  }
  return sortedUnique(shingles);
}

function sortedUnique(values: Uint32Array): Uint32Array {
  values.sort();
  let kept = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] ?? 0;
    if (kept === 0 || values[kept - 1] !== value) values[kept++] = value;
  }
  return values.subarray(0, kept);
}

/**
 * The exact Jaccard similarity |A ∩ B| / |A ∪ B| of two sorted sets of unique hashes, by one merge. Two empty
 * sets have no similarity (0): texts without words are nobody's duplicates.
 */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] ?? 0;
    const y = b[j] ?? 0;
    if (x === y) {
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  const union = a.length + b.length - shared;
  return union === 0 ? 0 : shared / union;
}
