import { DEFAULT_DOC_THRESHOLD, fingerprintJaccard, similarDocPairs } from './docs/doc-index.js';
import { DOC_EXTENSIONS } from './docs/doc-formats.js';
import { decodeFingerprint } from './docs/fingerprint-layout.js';
import { NodupeError } from '../core/errors.js';
import type { DetectorContribution } from '../plugins/api.js';
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
    makes: 'fingerprint',
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
    makes: 'fingerprint',
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

/** A plugin's detector (see `DetectorContribution`): its module in the workers, compared as its subject's. */
export function pluginDetector(c: DetectorContribution): SimilarityDetector {
  const own = {
    name: c.name,
    version: c.version ?? 1,
    description: c.description ?? '',
    extensions: c.extensions,
    module: c.module,
  };
  if (c.subject === 'docs') return { ...docDetector(), ...own, makes: 'text' };
  return {
    ...imageDetector({ rotations: true }),
    ...own,
    makes: 'hashes',
    // Its own hashes, by their least Hamming distance; no thumbnails to confirm a pair by.
    index: {
      pairs: (all, threshold) => findSimilarPairs(all, threshold),
      compare(a, b) {
        const [pair] = findSimilarPairs([a, b], 64);
        return pair ?? { distance: 64, score: 0 };
      },
    },
  };
}

/** The names of the built-in detector of each subject. */
export const BUILTIN_DETECTOR: Readonly<Record<SimilarSubject, string>> = {
  images: 'images.phash',
  docs: 'docs.minhash',
};

/**
 * The detector `--detector NAME` asks for (the built-in one of the subject without a name), from the detectors
 * the plugins provide; a name no plugin provides, or a detector of the other subject, is a USAGE error naming
 * those there are.
 */
export function detectorNamed(
  detectors: { get(name: string): DetectorContribution | undefined; names(): string[] },
  subject: SimilarSubject,
  name: string | undefined,
  options: { rotations: boolean },
): SimilarityDetector {
  const chosen = name ?? BUILTIN_DETECTOR[subject];
  if (chosen === BUILTIN_DETECTOR[subject]) return builtinDetector(subject, options);
  const found = detectors.get(chosen);
  if (found === undefined || found.subject !== subject) {
    const known = detectors.names().filter((n) => detectors.get(n)?.subject === subject);
    throw new NodupeError(
      'USAGE',
      `--detector ${chosen}: ${found === undefined ? 'no detector has that name' : `it compares ${found.subject}, not ${subject}`}; ` +
        `for ${subject}: ${known.join(', ')}`,
    );
  }
  return pluginDetector(found);
}
