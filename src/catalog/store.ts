import type { HashAlgorithm } from '../hash/algorithms.js';
import type { Journal } from '../apply/journal.js';
import type { CopyLookup } from './copies.js';
import type { EntryStore } from './entries.js';
import type { FingerprintStore } from './fingerprints.js';
import type { FileIdentity } from '../model/identity.js';
import type { FsPath } from '../model/paths.js';
import type { FileRecords } from '../model/records.js';

/** Hashes of one file, all by the same algorithm. `full` covers the whole content. */
export interface StoredHashes {
  algorithm: HashAlgorithm;
  head: string | undefined;
  tail: string | undefined;
  full: string | undefined;
}

/** One path as the catalog knows it. Times in nanoseconds are file times; the others are wall-clock ms. */
export interface CatalogFile extends FileIdentity {
  /** The row's id: stable while the path stays in the catalog. */
  id: number;
  path: FsPath;
  hashes: StoredHashes | undefined;
  /** Its type detected from its first bytes when a scan read them (see `detectType`); absent when never read or none matched. */
  type?: string;
}

/**
 * What a scan writes, in columns: records plus their hashes, all by `algorithm` (a scan uses one). A row whose
 * three hashes are null has none (it is written with no algorithm).
 */
export interface CatalogRows extends FileRecords {
  algorithm: HashAlgorithm;
  head: (string | null)[];
  tail: (string | null)[];
  full: (string | null)[];
  /** Each row's type detected from its first bytes (null: none); absent, all null. */
  type?: (string | null)[];
}

/**
 * The rows a rescan compares the walk with, in columns, in path byte order (the order of SQLite's BLOB
 * comparison and of `Buffer.compare`): each row's id, its record and its hashes (null: none; `algorithm` is null
 * exactly when the row has no hashes).
 */
export interface KnownRows extends FileRecords {
  id: Float64Array;
  algorithm: (HashAlgorithm | null)[];
  head: (string | null)[];
  tail: (string | null)[];
  full: (string | null)[];
  /** Each row's detected type (null: none), kept with its hashes by an unchanged file. */
  type: (string | null)[];
}

export interface ScanWriterOptions {
  /**
   * Rows written up to which the writer works on the calling thread; past them it moves to a
   * thread of its own. A thread costs ~30 ms to start: a small scan is done sooner without one. Default 5000;
   * 0 starts the thread at the first row. A catalog in memory is always written on the calling thread.
   */
  threadAbove?: number;
}

/**
 * Writes one scan's rows in order, off the calling thread once there are many (see ScanWriterOptions). `write`
 * and `seen` return at once; `flush` says when all of it is committed, or why not.
 */
export interface ScanWriter {
  /**
   * Inserts or updates the rows of paths the scan saw new, changed, or with new hashes: a row's `first_seen` is
   * kept unless it was gone (then it is seen first again), `gone_at` is cleared, `last_seen` and `last_scan` say
   * when a scan last wrote it (an unchanged file's row is not rewritten). The batch is taken: its column buffers are moved (detached), so the caller must not read them afterwards.
   */
  write(rows: CatalogRows, at: number): void;
  /**
   * Records how many files the scan has seen so far: what an unfinished scan reports. (Rows of files seen again
   * unchanged are not rewritten: a rescan writes only what changed.)
   */
  seen(files: number): void;
  /**
   * Resolves once everything queued so far is committed. Rejects with the error of the first write that failed;
   * after one failed, later writes are dropped and every later flush rejects with that error.
   */
  flush(): Promise<void>;
  /** Flushes, then ends the writer's thread (if it had one). Nothing may be written after. */
  close(): Promise<void>;
}

export interface ScanRecord {
  id: number;
  startedAt: number;
  finishedAt: number | undefined;
  roots: string[];
}

/** A group marked "not duplicates": its size and full-content hash, and when (wall-clock ms). */
export interface IgnoredGroup {
  size: number;
  hash: string;
  at: number;
}

/** Files not marked gone, and their bytes (hard links counted once per path). */
export interface CatalogCounts {
  files: number;
  bytes: number;
}

/** A path whose file an apply or undo changed: its identity now, or undefined when no regular file is there. */
export interface RefreshedPath {
  path: FsPath;
  now: FileIdentity | undefined;
}

/**
 * Where nodupe remembers what it saw. SQLite now; the same interface will run on PostgreSQL.
 * Each writing method is one transaction, and every row it writes is whole and true on its own: a scan
 * interrupted midway leaves an unfinished scan record and rows that are right, never a half-written row.
 */
export interface CatalogStore extends CopyLookup {
  readonly location: string;
  /** A random id made when the catalog was created; plans name the catalog they came from. */
  readonly id: string;
  /**
   * The rows not marked gone whose path is a root or lies under one (a root given twice, or inside another,
   * counts once), in columns and in path byte order: what a rescan merges with its walk.
   */
  knownRows(roots: readonly string[]): KnownRows;
  /**
   * The rows of `knownRows`, a chunk at a time (chunks in order): for reading a large catalog without holding
   * all of its columns at once (`similar folders` keeps only what it needs of each chunk).
   */
  knownRowChunks(roots: readonly string[]): IterableIterator<KnownRows>;
  /**
   * Of `sizes` (a scan's, of the files it walked under `roots`), those that some live row outside the roots has,
   * on any machine: the scan reads its files of these sizes through to their full hash even when they are alone
   * in its walk, so that `nodupe where` and `dupes --all-machines` find their copies elsewhere. A catalog that
   * several machines share answers; one machine's catalog answers with none (its rows outside the roots are
   * files a scan of them hashes when they collide). `sizes` is read only by a store that answers.
   */
  sizesElsewhere(roots: readonly string[], sizes: Iterable<number>): Set<number>;
  /** Files not marked gone that have a full hash by `algorithm`, and every empty file: what `dupes` groups. */
  hashedFiles(algorithm: HashAlgorithm): CatalogFile[];
  /**
   * The rows of `hashedFiles` that can be in a group: those whose size and full hash another row shares (hard
   * links of one file among them), and the empty files when asked for. Read one by one, not as one array; the
   * rows of one size and full hash come one after another (the empty files last), so a group is read whole
   * before the next begins.
   */
  sharedHashFiles(algorithm: HashAlgorithm, includeEmpty: boolean): IterableIterator<CatalogFile>;
  /**
   * Rows not marked gone, as their id and their path as text (bytes that are not UTF-8 replaced, as
   * `displayPath` does): up to `limit` of them with an id above `afterId`, by id. What a path pattern is matched
   * against, a page at a time, so that a long match can let other work run between pages.
   */
  pathTexts(afterId: number, limit: number): [id: number, text: string][];
  /** The algorithms of the full hashes the catalog holds (for files not gone). */
  hashAlgorithms(): string[];
  /** Every file not marked gone, hashed or not. */
  liveFiles(): CatalogFile[];
  /** The row `id` when it is not marked gone. */
  fileById(id: number): CatalogFile | undefined;
  /** The row of `path`, when it is not gone. */
  fileAtPath(path: FsPath): CatalogFile | undefined;
  /** The rows `ids` that are not gone, in the order of `ids` (any that are gone, left out): one read. */
  filesById(ids: readonly number[]): CatalogFile[];
  /**
   * The rows not gone whose size is one of `sizes`, in no particular order: what new files of those sizes could
   * duplicate. One read, answered from the catalog itself (watch asks it for each batch of settled files rather
   * than hold every row's size in memory).
   */
  liveFilesOfSizes(sizes: readonly number[]): CatalogFile[];
  /**
   * A number that changes whenever another connection (another process, a scan's writer thread) commits a change
   * to the catalog; this store's own writes leave it as it is. Cheap: read it on every request to notice them.
   */
  dataVersion(): number;
  /** How many files are not marked gone, and their bytes. */
  counts(): CatalogCounts;
  /** The groups marked "not duplicates". */
  ignoredGroups(): IgnoredGroup[];
  /** Marks a group "not duplicates" (at `at`), or unmarks it. */
  setIgnored(group: { size: number; hash: string }, ignored: boolean, at: number): void;
  startScan(roots: readonly string[], startedAt: number): number;
  /** A writer of this scan's rows in order, on a thread of its own once there are many. */
  scanWriter(scanId: number, options?: ScanWriterOptions): ScanWriter;
  /** Marks the rows of vanished paths gone and closes the scan. */
  finishScan(scanId: number, goneIds: readonly number[], at: number): void;
  scans(): ScanRecord[];
  /**
   * How many files this scan had seen when it last said so (see `ScanWriter.seen`); for scans recorded before
   * catalogs kept that count, the rows it was the last to see.
   */
  filesSeenBy(scanId: number): number;
  /**
   * Brings known rows up to date after apply or undo changed their files: a new identity (hashes kept: the
   * content is the same), or gone. Paths the catalog does not know are left alone.
   */
  refresh(paths: readonly RefreshedPath[], at: number): void;
  /** The write-ahead journal of apply, in the same store. */
  journal(): Journal;
  /** What near-duplicate detectors made of the catalog's contents (`nodupe similar`). */
  fingerprints(): FingerprintStore;
  /** Read-only entries: archive members (and a manifest's files), grouped with files and never acted on. */
  entries(): EntryStore;
  /** Runs `fn`, whose writes to the catalog and the journal then commit together, durably, once. */
  atomically<T>(fn: () => T): T;
  close(): void;
}
