import { DEFAULT_DOC_THRESHOLD, fingerprintJaccard, similarDocPairs } from './docs/doc-index.js';
import { DOC_EXTENSIONS } from './docs/doc-formats.js';
import { decodeFingerprint } from './docs/fingerprint-layout.js';
import type { SimilarityDetector, SimilarSubject } from './detector.js';
import { docFingerprintUrl, imageFingerprintUrl } from './detector-url.js';
import { findSimilarPairs } from './images/hamming-index.js';
import { FINGERPRINT, IMAGE_EXTENSIONS } from './images/image-fingerprint.js';
import { likeness } from './images/likeness.js';
import { DEFAULT_SIMILARITY, SIMILARITY_PRESETS } from './images/presets.js';

/**
 * The least likeness (correlation of the thumbnails) for two pictures the hashes join: copies, even brightened,
 * captioned or cropped a little, are above; other shots of one scene (another angle) below.
 */
const MIN_LIKENESS = 0.9;

/** The hashes the index compares: the whole picture's (its turns and flips too, when asked) and its centre's. */
function hashesOf(print: Uint8Array, rotations: boolean): Uint8Array {
  if (rotations) return print.subarray(FINGERPRINT.hashes, FINGERPRINT.centreHash + 8);
  const two = new Uint8Array(16);
  two.set(print.subarray(FINGERPRINT.hashes, FINGERPRINT.hashes + 8));
  two.set(print.subarray(FINGERPRINT.centreHash, FINGERPRINT.centreHash + 8), 8);
  return two;
}

/** Whether the pictures look alike: whole with whole, or one's whole with the other's centre (a cropped copy). */
function alike(a: Uint8Array, b: Uint8Array, rotations: boolean): boolean {
  const thumb = (p: Uint8Array) => p.subarray(FINGERPRINT.thumb, FINGERPRINT.centreThumb);
  const centre = (p: Uint8Array) => p.subarray(FINGERPRINT.centreThumb, FINGERPRINT.bytes);
  return (
    likeness(thumb(a), thumb(b), rotations) >= MIN_LIKENESS ||
    likeness(thumb(a), centre(b), false) >= MIN_LIKENESS ||
    likeness(centre(a), thumb(b), false) >= MIN_LIKENESS
  );
}

export function imageDetector(options: { rotations: boolean }): SimilarityDetector {
  const hashes = (p: Uint8Array) => hashesOf(p, options.rotations);
  return {
    name: 'images.phash',
    subject: 'images',
    version: 1,
    description:
      'a 64-bit DCT perceptual hash of each picture, turned upright, and of its turns and flips; each pair confirmed by the pictures’ thumbnails',
    extensions: IMAGE_EXTENSIONS,
    module: imageFingerprintUrl,
    maxBytes: 512 * 2 ** 20,
    distanceUnit: 'bits',
    presets: SIMILARITY_PRESETS,
    defaultPreset: DEFAULT_SIMILARITY,
    maxDistance: 16,
    index: {
      pairs: (all, threshold) =>
        findSimilarPairs(all.map(hashes), threshold).filter((p) =>
          alike(all[p.a]!, all[p.b]!, options.rotations),
        ),
      compare(a, b) {
        const [pair] = findSimilarPairs([hashes(a), hashes(b)], 64);
        return pair ?? { distance: 64, score: 0 };
      },
    },
  };
}

/** Documents by the Jaccard similarity of their word 5-grams (MinHash and LSH find the candidates). */
export function docDetector(): SimilarityDetector {
  return {
    name: 'docs.minhash',
    subject: 'docs',
    version: 1,
    description:
      'the Jaccard similarity of the word 5-grams of each document’s text (MinHash, LSH, then exact)',
    extensions: DOC_EXTENSIONS,
    module: docFingerprintUrl,
    maxBytes: 256 * 2 ** 20,
    distanceUnit: '1 - Jaccard',
    presets: DOC_PRESETS,
    defaultPreset: 'medium',
    maxDistance: 0.95,
    index: {
      pairs: (all, threshold) => similarDocPairs(all, 1 - threshold),
      compare(a, b) {
        const [left, right] = [decodeFingerprint(a), decodeFingerprint(b)];
        if ('problem' in left || 'problem' in right) return { distance: 1, score: 0 };
        const score = fingerprintJaccard(left, right);
        return { distance: 1 - score, score };
      },
    },
  };
}

/** 1 - Jaccard, by preset. */
const DOC_PRESETS: Readonly<Record<string, number>> = {
  exact: 0,
  high: 0.2,
  medium: 1 - DEFAULT_DOC_THRESHOLD,
  low: 0.7,
};

/** The built-in detector of a subject. */
export function builtinDetector(
  subject: SimilarSubject,
  options: { rotations: boolean },
): SimilarityDetector {
  return subject === 'images' ? imageDetector(options) : docDetector();
}
