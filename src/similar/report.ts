import type { FsPath } from '../model/paths.js';
import type { SimilarGroup } from './group-similar.js';

/** What `nodupe similar images|docs` found. */
export interface SimilarReport {
  subject: 'images' | 'docs';
  /** The detector and its version: `images.phash/1`. */
  detector: string;
  /** Members are at most this far from another member (the detector's measure), and what it counts. */
  maxDistance: number;
  distanceUnit: 'bits' | '1 - Jaccard';
  /** The preset chosen (`--similarity`), when one was. */
  preset: string | undefined;
  roots: readonly string[];
  groups: SimilarGroup[];
  /** Files with a fingerprint that are like no other: every file looked at is in a group, here, or a problem. */
  unique: FsPath[];
  /** Every file the detector would read that has no fingerprint, and why: none is skipped silently. */
  problems: { path: FsPath; reason: string }[];
  /** Files looked at (with a fingerprint or a problem); read now; whose fingerprint the catalog held. */
  files: number;
  read: number;
  reused: number;
}
