import type { HashAlgorithm } from './hashes.js';
import type { FileIdentity } from './identity.js';
import { comparePaths, type FsPath } from './paths.js';

/**
 * What a scan finds, as every part of nodupe sees it: physical files, groups of byte-identical ones, problems,
 * the report. The scan makes them; reports, plans, plugins and the catalog's own grouping read them.
 */

/** One file on disk (one device and inode), with every path the scan reached it by. */
export interface PhysicalFile extends FileIdentity {
  id: number;
  /** Real paths (no symbolic link on the way): the first is the one to show; the others are its hard links. */
  paths: FsPath[];
  /** With `--follow-symlinks`: paths through followed links that reach the file; shown, never acted on. */
  aliases?: FsPath[];
  root: number;
}

export interface DuplicateGroup {
  size: number;
  /** The full-content hash the members share (empty files: the empty string). */
  hash: string;
  files: PhysicalFile[];
}

export interface ScanProblem {
  path: FsPath;
  op: 'readdir' | 'lstat' | 'stat' | 'read';
  code: string;
  message: string;
}

export interface ScanReport {
  scanId: number;
  roots: readonly string[];
  algorithm: HashAlgorithm;
  /** Physical files, and the paths that reached them. */
  files: number;
  paths: number;
  dirs: number;
  totalBytes: number;
  groups: DuplicateGroup[];
  symlinks: FsPath[];
  problems: ScanProblem[];
  /** Files that changed while the scan read them: left out of every group. */
  changed: FsPath[];
  /** File content read by this scan, in bytes (0 for a rescan of an unchanged tree). */
  bytesRead: number;
  /** Files whose hashes came from the catalog instead of the disk. */
  reused: number;
  /** Paths the catalog knew under these roots that are gone now. */
  gone: number;
  grouping: GroupingStats;
}

/** How far the grouping went: size groups, and the candidates that entered each hashing stage. */
export interface GroupingStats {
  sizeGroups: number;
  /** Candidates that entered each stage (needing or already having that hash). */
  head: number;
  tail: number;
  full: number;
}

/** Largest reclaimable space first; ties by size, then by first path, so output is stable. */
export function sortGroups(groups: DuplicateGroup[]): DuplicateGroup[] {
  const reclaimable = (g: DuplicateGroup) => g.size * (g.files.length - 1);
  return groups.sort(
    (a, b) =>
      reclaimable(b) - reclaimable(a) ||
      b.size - a.size ||
      comparePaths(a.files[0]!.paths[0]!, b.files[0]!.paths[0]!),
  );
}
