import type { DetectorModule } from './fingerprint-task.js';
import type { SimilarityIndex } from './group-similar.js';

/** What `nodupe similar` compares: pictures, or documents by their text. */
export type SimilarSubject = 'images' | 'docs';

/**
 * A near-duplicate detector: which files it reads, the module that makes a file's fingerprint in the worker
 * pool, and how fingerprints compare in the main thread. The built-in ones are plugins like a third party's.
 */
export interface SimilarityDetector {
  /** `images.phash`: unique among detectors. */
  name: string;
  subject: SimilarSubject;
  /** Changes whenever its fingerprints do: the catalog keeps them under `name/version`. */
  version: number;
  description: string;
  /** The file name extensions it reads (lowercase, without the dot). */
  extensions: readonly string[];
  /** File URL of its worker module, and what it exports. */
  module: string;
  makes: DetectorModule;
  /** Files larger than this are reported, not read. */
  maxBytes: number;
  /** What its distances count. */
  distanceUnit: 'bits' | '1 - Jaccard';
  /** `--similarity` presets: name → the largest distance that still joins two files. */
  presets: Readonly<Record<string, number>>;
  defaultPreset: string;
  /** The largest distance `--similarity N` may ask for (beyond it, everything is alike). */
  maxDistance: number;
  index: SimilarityIndex;
}

/** The key the catalog keeps a detector's fingerprints under. */
export const detectorKey = (d: Pick<SimilarityDetector, 'name' | 'version'>): string =>
  `${d.name}/${d.version}`;
