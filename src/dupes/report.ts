import type { HashAlgorithm } from '../hash/algorithms.js';
import type { FsPath } from '../model/paths.js';
import type { DuplicateGroup, ScanProblem, ScanReport } from '../model/groups.js';
import type { UnfinishedScan } from './unfinished.js';
import { countMismatches } from '../types/groups.js';

export interface DupesSummary {
  groups: number;
  /** Physical files that belong to a group. */
  files: number;
  /** Files beyond the first of each group: what a cleanup could remove. */
  redundant: number;
  reclaimableBytes: number;
  /** Archive members in the groups (`--archives`): read-only, in no count above. Absent when none. */
  members?: number;
  /** Members whose name's extension promises another type than their content has (`photo.jpg` that is a PNG). Absent when none. */
  extensionMismatches?: number;
}

/** What `dupes` prints, whichever format: from a scan, or from the catalog alone. */
export interface DupesReport {
  algorithm: HashAlgorithm;
  roots: readonly string[];
  /**
   * The roots as the user typed them (`./a`, `b`), parallel to `roots`: the fdupes format prints paths under
   * them as fdupes does. Absent for a report from the catalog alone.
   */
  rootsAsTyped?: readonly string[];
  groups: DuplicateGroup[];
  summary: DupesSummary;
  /** Present when the report comes from a scan. */
  scan?: Pick<ScanReport, 'files' | 'paths' | 'dirs' | 'totalBytes' | 'bytesRead' | 'reused' | 'gone'> & {
    symlinks: number;
  };
  problems: ScanProblem[];
  changed: FsPath[];
  /** From the catalog alone: scans that did not finish, whose roots the report may know only in part. */
  unfinished?: UnfinishedScan[];
  /** With `--archives`: archives whose members are, name for name and content for content, a folder's files. */
  sameFolders?: SameFolder[];
}

/** An archive and a folder that hold the same files (see dupes/archive-groups.ts). */
export interface SameFolder {
  archive: FsPath;
  folder: FsPath;
  files: number;
}

export function summarize(groups: readonly DuplicateGroup[]): DupesSummary {
  let files = 0;
  let redundant = 0;
  let reclaimableBytes = 0;
  let members = 0;
  for (const g of groups) {
    files += g.files.length;
    // Members are never removed: the files beyond the first loose one are what a cleanup could remove.
    const beyond = Math.max(0, g.files.length - 1);
    redundant += beyond;
    reclaimableBytes += g.size * beyond;
    members += g.members?.length ?? 0;
  }
  const extensionMismatches = countMismatches(groups);
  return {
    groups: groups.length,
    files,
    redundant,
    reclaimableBytes,
    ...(members > 0 ? { members } : {}),
    ...(extensionMismatches > 0 ? { extensionMismatches } : {}),
  };
}

export function reportFromScan(scan: ScanReport): DupesReport {
  return {
    algorithm: scan.algorithm,
    roots: scan.roots,
    groups: scan.groups,
    summary: summarize(scan.groups),
    scan: {
      files: scan.files,
      paths: scan.paths,
      dirs: scan.dirs,
      totalBytes: scan.totalBytes,
      bytesRead: scan.bytesRead,
      reused: scan.reused,
      gone: scan.gone,
      symlinks: scan.symlinks.length,
    },
    problems: scan.problems,
    changed: scan.changed,
  };
}
