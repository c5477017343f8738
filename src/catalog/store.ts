import type { HashAlgorithm } from '../hash/algorithms.js';
import type { FsPath } from '../scan/paths.js';

/** Hashes of one file, all by the same algorithm. `full` covers the whole content. */
export interface StoredHashes {
  algorithm: HashAlgorithm;
  head: string | undefined;
  tail: string | undefined;
  full: string | undefined;
}

/** One path as the catalog knows it. Times in nanoseconds are file times; the others are wall-clock ms. */
export interface CatalogFile {
  path: FsPath;
  dev: bigint;
  ino: bigint;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  hashes: StoredHashes | undefined;
  firstSeen: number;
  lastSeen: number;
  lastScan: number;
}

/** What a scan writes for each path it saw. */
export type SeenFile = Omit<CatalogFile, 'firstSeen' | 'lastSeen' | 'lastScan'>;

export interface ScanRecord {
  id: number;
  startedAt: number;
  finishedAt: number | undefined;
  roots: string[];
}

/**
 * Where nodupe remembers what it saw. SQLite now; the same interface will run on PostgreSQL. Every method that
 * writes does so in one transaction: a scan's results land whole or not at all.
 */
export interface CatalogStore {
  readonly location: string;
  /** Files not marked gone whose path is a root or lies under one. */
  filesUnder(roots: readonly string[]): CatalogFile[];
  /** Files not marked gone that have a full hash by `algorithm`, and every empty file: what `dupes` groups. */
  hashedFiles(algorithm: HashAlgorithm): CatalogFile[];
  startScan(roots: readonly string[], startedAt: number): number;
  /** Records what a scan saw and which paths are gone, and closes the scan, in one transaction. */
  finishScan(scanId: number, seen: readonly SeenFile[], gone: readonly FsPath[], finishedAt: number): void;
  scans(): ScanRecord[];
  close(): void;
}
