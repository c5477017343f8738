/**
 * The near-duplicate methods of `nodupe serve` (`similar`, `similar.groups`, `similar.detectors`): their params and
 * results, as clients see them. Plain data only; protocol.ts lists them in `Methods`.
 */
import type { FileId, FileKind, PathView } from './protocol.js';

/** What `similar` compares: pictures, or documents by their text. */
export const SIMILAR_SUBJECTS = ['images', 'docs'] as const;
export type SimilarSubjectName = (typeof SIMILAR_SUBJECTS)[number];

export interface SimilarParams {
  subject: SimilarSubjectName;
  /** A preset's name (`similar.detectors` lists them) or the largest distance, in the detector's unit. */
  similarity?: string | number;
  /** Absolute folders: only the catalog's files under them are compared (default: every file of the catalog). */
  paths?: string[];
}

/** A built-in detector, for a page to offer its presets. */
export interface SimilarDetectorView {
  subject: SimilarSubjectName;
  /** `images.phash/1`. */
  detector: string;
  description: string;
  distanceUnit: 'bits' | '1 - Jaccard';
  /** In order, the most alike first: a preset's name and the largest distance it joins. */
  presets: { name: string; maxDistance: number }[];
  defaultPreset: string;
  /** The largest distance a number may ask for. */
  maxDistance: number;
}

export interface SimilarGroupsParams {
  subject: SimilarSubjectName;
  /** From the previous page's `next`; a cursor of an older result is refused. */
  cursor?: string;
  /** Groups per page: 1..100, default 50. */
  limit?: number;
}

/** One file of a group of near-duplicates. */
export interface SimilarMemberView {
  /** The catalog row of its first path: `GET /files/ID/thumb` and `/text` show it. */
  id: FileId;
  /** Its paths (hard links of one file), first the one shown. */
  paths: PathView[];
  size: number;
  /** Wall-clock, ISO 8601. */
  mtime: string;
  kind: FileKind;
  /** How far it is from the group's first member (the detector's unit), and how alike (0..1). */
  distance: number;
  score: number;
  /** The one to keep: the group's first member (the largest file, then the oldest). */
  keep: boolean;
}

export interface SimilarGroupView {
  /** Its place in the result's order (0: the largest reclaimable). */
  index: number;
  /** Physical files in the group; `members` holds the first 100 of them. */
  files: number;
  /** Bytes of every member but the first. */
  reclaimable: number;
  members: SimilarMemberView[];
}

export interface SimilarGroupsResult {
  subject: SimilarSubjectName;
  detector: string;
  /** The preset asked for, or null when the request named a distance. */
  preset: string | null;
  maxDistance: number;
  distanceUnit: 'bits' | '1 - Jaccard';
  /** The folders compared (none: the whole catalog). */
  roots: PathView[];
  /** When the result was made (ISO 8601), and the catalog generation it was made in (`stats`). */
  finishedAt: string;
  generation: number;
  /** The catalog changed since (a scan, an apply, an undo): files may be gone or edited; run `similar` again. */
  stale: boolean;
  /** Files looked at, read now, and whose fingerprint the catalog held. */
  files: number;
  read: number;
  reused: number;
  /** Files with a fingerprint that are like no other. */
  unique: number;
  groups: SimilarGroupView[];
  next: string | null;
  /** Groups and reclaimable bytes of every page. */
  total: number;
  reclaimable: number;
  /** The first 100 files without a fingerprint, in path order, and why; `problemCount` counts them all. */
  problems: { path: PathView; reason: string }[];
  problemCount: number;
}

/** The `result` of a finished `similar` job: the figures of what `similar.groups` pages. */
export interface SimilarJobResult extends Record<string, unknown> {
  subject: SimilarSubjectName;
  detector: string;
  preset: string | null;
  maxDistance: number;
  groups: number;
  reclaimable: number;
  files: number;
  read: number;
  reused: number;
  unique: number;
  problems: number;
}
