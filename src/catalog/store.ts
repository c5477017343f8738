import type { HashAlgorithm } from '../hash/algorithms.js';
import type { Journal } from '../apply/journal.js';
import type { FileIdentity } from '../model/identity.js';
import type { FsPath } from '../model/paths.js';

/** Hashes of one file, all by the same algorithm. `full` covers the whole content. */
export interface StoredHashes {
  algorithm: HashAlgorithm;
  head: string | undefined;
  tail: string | undefined;
  full: string | undefined;
}

/** A path the catalog knows, as a rescan needs it: its row, its identity, its hashes. */
export interface KnownFile {
  id: number;
  identity: string;
  hashes: StoredHashes | undefined;
}

/** One path as the catalog knows it. Times in nanoseconds are file times; the others are wall-clock ms. */
export interface CatalogFile extends FileIdentity {
  path: FsPath;
  hashes: StoredHashes | undefined;
}

/** What a scan writes for a path it saw. */
export interface SeenFile extends FileIdentity {
  path: FsPath;
  hashes: StoredHashes | undefined;
}

export interface ScanRecord {
  id: number;
  startedAt: number;
  finishedAt: number | undefined;
  roots: string[];
}

/**
 * Where nodupe remembers what it saw. SQLite now; the same interface will run on PostgreSQL.
 * Each writing method is one transaction, and every row it writes is whole and true on its own: a scan
 * interrupted midway leaves an unfinished scan record and rows that are right, never a half-written row.
 */
/** A path whose file an apply or undo changed: its identity now, or undefined when no regular file is there. */
export interface RefreshedPath {
  path: FsPath;
  now: FileIdentity | undefined;
}

export interface CatalogStore {
  readonly location: string;
  /** A random id made when the catalog was created; plans name the catalog they came from. */
  readonly id: string;
  /** Paths not marked gone that are a root or lie under one, keyed by `pathKey`. */
  knownUnder(roots: readonly string[]): Map<string, KnownFile>;
  /** Files not marked gone that have a full hash by `algorithm`, and every empty file: what `dupes` groups. */
  hashedFiles(algorithm: HashAlgorithm): CatalogFile[];
  /** The algorithms of the full hashes the catalog holds (for files not gone). */
  hashAlgorithms(): string[];
  /** Every file not marked gone, hashed or not. */
  liveFiles(): CatalogFile[];
  startScan(roots: readonly string[], startedAt: number): number;
  /** Marks rows as seen again by this scan, unchanged. */
  touch(scanId: number, ids: readonly number[], at: number): void;
  /** Inserts or updates rows for paths this scan saw new, changed, or with new hashes. */
  upsert(scanId: number, files: readonly SeenFile[], at: number): void;
  /** Marks the rows of vanished paths gone and closes the scan. */
  finishScan(scanId: number, goneIds: readonly number[], at: number): void;
  scans(): ScanRecord[];
  /** How many paths this scan saw (those it saw last: a later scan takes them over). */
  filesSeenBy(scanId: number): number;
  /**
   * Brings known rows up to date after apply or undo changed their files: a new identity (hashes kept: the
   * content is the same), or gone. Paths the catalog does not know are left alone.
   */
  refresh(paths: readonly RefreshedPath[], at: number): void;
  /** The write-ahead journal of apply, in the same store. */
  journal(): Journal;
  /** Runs `fn`, whose writes to the catalog and the journal then commit together, durably, once. */
  atomically<T>(fn: () => T): T;
  close(): void;
}
