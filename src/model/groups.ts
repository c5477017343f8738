import type { HashAlgorithm } from './hashes.js';
import type { FileIdentity } from './identity.js';
import { comparePaths, displayPath, type FsPath } from './paths.js';

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
  /** Its type from its first bytes (a MIME type, see `detectType`), when a scan read them and one matched. */
  type?: string;
}

export interface DuplicateGroup {
  size: number;
  /** The full-content hash the members share (empty files: the empty string). */
  hash: string;
  files: PhysicalFile[];
  /**
   * Archive members of the same content (`dupes --archives`): read-only, never acted on. A group with members
   * may hold fewer than two files (one loose file already inside an archive; or members only).
   */
  members?: ArchiveMemberRef[];
}

/** A file inside an archive, shown as `ARCHIVE!/member`. */
export interface ArchiveMemberRef {
  /** The archive file's real path. */
  archive: FsPath;
  /** The member's name in it: validated text (relative, `/`-separated), a label, never joined onto a real path. */
  member: string;
  /** The member's own modification time (wall-clock ms), when the archive records one. */
  mtimeMs?: number | undefined;
  /**
   * A file listed in an imported manifest (`scan --from-manifest`: a disk not mounted now) rather than an archive
   * member: `archive` is then the import's label, `member` the file's path relative to the manifest's folder.
   */
  manifest?: true;
  /** The archive file's identity as the catalog holds it (an archive member only): what a plan keeps it by. */
  archiveIdentity?: FileIdentity | undefined;
  /** The archive was read to its end and is plain (see `keeperRefusal`): a member of it may be a keeper. */
  archivePlain?: boolean | undefined;
}

/**
 * How a member is shown: the archive's path, `!/`, the member's name (bytes when the archive's path is not
 * UTF-8); a manifest's file as `LABEL:/path`.
 */
export function memberPath(m: ArchiveMemberRef): FsPath {
  if (m.manifest) return `${displayPath(m.archive)}:/${m.member}`;
  return typeof m.archive === 'string'
    ? `${m.archive}!/${m.member}`
    : Buffer.concat([m.archive, Buffer.from(`!/${m.member}`)]);
}

export interface ScanProblem {
  path: FsPath;
  /** `archive`: an archive whose reading stopped before its end (corrupt, a cap passed, not an archive). */
  op: 'readdir' | 'lstat' | 'stat' | 'read' | 'archive';
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
  /** With `--archives`: the archives found, read and left unchanged, and their members. */
  archives?: ArchiveScanStats;
}

/** What the archive step of a scan did (see scan/archives.ts). */
export interface ArchiveScanStats {
  /** Archive files (by name) in the walk. */
  found: number;
  /** Those read by this scan (new or changed), and their bytes. */
  read: number;
  bytesRead: number;
  /** Those unchanged since they were read: not read again. */
  unchanged: number;
  /** Members catalogued by this scan's reads, and those skipped (unsafe names, links, devices, caps). */
  members: number;
  skipped: number;
  /** Archives whose reading stopped with a problem (corrupt, a cap passed, not an archive after all). */
  problems: number;
  /** Archives dropped from the catalog with their members: gone, or changed since they were read. */
  dropped: number;
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
  const reclaimable = (g: DuplicateGroup) => g.size * Math.max(0, g.files.length - 1);
  // A group of archive members only is named by its first member.
  const first = (g: DuplicateGroup) => g.files[0]?.paths[0] ?? memberPath(g.members![0]!);
  return groups.sort(
    (a, b) => reclaimable(b) - reclaimable(a) || b.size - a.size || comparePaths(first(a), first(b)),
  );
}
