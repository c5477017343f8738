import type { FsPath } from '../../model/paths.js';

/**
 * Folders whose trees are the same: the same relative names, each file with the same content, recursively.
 * Only maximal folders are listed: when two folders are duplicates, their subfolders are not listed again.
 */
export interface DuplicateFolderGroup {
  /** The folders, in path order; the first is the one a plan would keep. */
  folders: FsPath[];
  /** Files in each folder's tree (paths: a hard link inside the tree counts under each of its names). */
  files: number;
  /** Bytes of each folder's tree, counted as `files` are. */
  bytes: number;
  /**
   * Bytes freed by removing every folder but the first: the files of the others that are not the first's own
   * files under another name (hard links), each physical file once.
   */
  reclaimable: number;
}

/** One side of an overlap: a folder's tree and how much of it the other side holds too. */
export interface OverlapSide {
  folder: FsPath;
  /** Files (paths) and bytes in its tree; for the outer side of a nested pair, outside the inner folder. */
  files: number;
  bytes: number;
  /** Its files, and their bytes, whose content the other side also holds (under any name). */
  sharedFiles: number;
  sharedBytes: number;
  /** Its files whose content the other side does not hold: how many, their bytes, and the first few. */
  only: OnlyOnOneSide;
}

export interface OnlyOnOneSide {
  files: number;
  bytes: number;
  /** Relative to the side's folder, in path order; at most `listLimit` of them. */
  paths: FsPath[];
}

/**
 * Two folders that share content (see `findSimilarFolders` for the definition): `a` is the side more inside
 * the other (by files, then bytes).
 */
export interface FolderOverlap {
  a: OverlapSide;
  b: OverlapSide;
  /**
   * `a-in-b`: every file of a has its content in b (a ⊆ b); `same-content`: each holds all the other's
   * contents (under other names or in other places: otherwise they would be duplicate folders); `partial`: each
   * has content the other lacks.
   */
  relation: 'a-in-b' | 'same-content' | 'partial';
  /** True when b is a's parent folder, taken without a's own tree: "a is a copy of the rest of b". */
  nested: boolean;
  /** Shared files of both sides over all files of both sides, by count and by bytes (1: all shared). */
  similarity: { files: number; bytes: number };
  /** a's bytes whose content b holds: what removing a's copies would free. */
  reclaimable: number;
}

/** What `similar folders` found, each list ordered by what can be reclaimed (most first). */
export interface SimilarFolders {
  /** Files and folders looked at. */
  files: number;
  folders: number;
  duplicates: DuplicateFolderGroup[];
  overlaps: FolderOverlap[];
  /**
   * Files with no full hash whose size another file has: their content could not be compared (they were
   * scanned apart, or could not be read), so they count as unique and copies among them are not found.
   */
  unconfirmed: number;
}
