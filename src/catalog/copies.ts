import type { HashAlgorithm } from '../hash/algorithms.js';
import type { FsPath } from '../model/paths.js';

/** Some content, as the catalog keys it: its size and its full hash by an algorithm. */
export interface Content {
  size: number;
  algorithm: HashAlgorithm;
  hash: string;
}

/**
 * One copy of some content the catalog knows, on this machine or, in a shared catalog, on another. A copy on
 * another machine is evidence only: nothing is ever planned from it.
 */
export interface ContentCopy {
  /** The machine that last scanned it, by its name (a shared catalog), or this machine's. */
  machine: string;
  /** Whether it is on a volume mounted on this machine: then `path` is its path here. */
  local: boolean;
  /** Its path: here when local, else as the machine that scanned it saw it. */
  path: FsPath;
  size: number;
  hash: string;
  /** When a scan last saw it (wall-clock ms). */
  lastSeen: number;
  /**
   * Its inode number and modification time as scanned: a copy with the same ones as another (on another volume)
   * may be the same file seen through two mounts (a NAS's own disk, and its share on a laptop).
   */
  ino: bigint;
  mtimeNs: bigint;
}

/** Where the copies of a content are: every machine's, for `nodupe where` and `dupes --all-machines`. */
export interface CopyLookup {
  /** Every live copy of `content` the catalog knows, on any machine. */
  copiesOf(content: Content): ContentCopy[];
  /**
   * The contents that have more than one live copy on any machines together (empty files left out): each
   * group's copies together, local first.
   */
  copyGroups(algorithm: HashAlgorithm): IterableIterator<ContentCopy[]>;
}
