import { lstatSync } from 'node:fs';
import { systemClock, type Clock } from '../core/clock.js';
import { abortErrorFrom } from '../core/errors.js';
import type { Profiler } from '../core/profiler.js';
import type { ProgressTracker } from '../core/progress.js';
import { RateLimiter } from '../core/rate-limiter.js';
import type { CatalogFile, CatalogStore, SeenFile, StoredHashes } from '../catalog/store.js';
import { findDuplicateGroups, type Candidate, type GroupingStats } from '../dupes/candidates.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import { HashPool } from '../hash/hash-pool.js';
import { rangeSpan, type HashItem, type HashRange } from '../hash/task.js';
import { compileFilters, type FilterOptions } from './filters.js';
import { comparePaths, pathKey, type FsPath } from './paths.js';
import { walk, type WalkedFile, type WalkProblem } from './walk.js';

export interface ScanOptions {
  /** Absolute paths, in the order the user gave them (which `first-root` keeper rules use). */
  roots: readonly string[];
  catalog: CatalogStore;
  filters?: FilterOptions;
  followSymlinks?: boolean;
  oneFileSystem?: boolean;
  maxDepth?: number;
  includeEmpty?: boolean;
  algorithm?: HashAlgorithm;
  threads?: number;
  /** Content reads in bytes per second, through the rate limiter. */
  maxReadRate?: number;
  progress?: ProgressTracker;
  profiler?: Profiler;
  clock?: Clock;
  signal?: AbortSignal;
}

/** One file on disk (one device and inode), with every path the scan reached it by. */
export interface PhysicalFile {
  id: number;
  /** The first is the one to show; the others are hard links (or followed links) to the same file. */
  paths: FsPath[];
  root: number;
  dev: bigint;
  ino: bigint;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface DuplicateGroup {
  size: number;
  /** The full-content hash the members share (empty files: the empty string). */
  hash: string;
  files: PhysicalFile[];
}

export interface ScanProblem {
  path: FsPath;
  op: WalkProblem['op'] | 'read';
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

interface Tracked extends Candidate {
  file: PhysicalFile;
}

const BATCH_ITEMS = 64;
const BATCH_BYTES = 8 << 20;

/**
 * Scans the roots into the catalog and finds the groups of byte-identical files: walk, collapse hard links,
 * reuse the catalog's hashes of unchanged files, hash what still collides, then record everything in one
 * transaction.
 */
export async function scan(options: ScanOptions): Promise<ScanReport> {
  const clock = options.clock ?? systemClock;
  const { catalog, progress, profiler, signal } = options;
  const algorithm = options.algorithm ?? 'xxh128';
  const span = (name: string) => profiler?.start(name) ?? (() => undefined);
  const scanId = catalog.startScan(options.roots, clock.wallNow());

  let end = span('walk');
  const walkPhase = progress?.phase('walk');
  let walkedSoFar = 0;
  const onWalkProgress = (files: number): void => {
    walkPhase?.add({ items: files - walkedSoFar });
    walkedSoFar = files;
  };
  const walked = await walk({
    roots: options.roots,
    filters: compileFilters(options.filters ?? {}),
    ...(options.followSymlinks === undefined ? {} : { followSymlinks: options.followSymlinks }),
    ...(options.oneFileSystem === undefined ? {} : { oneFileSystem: options.oneFileSystem }),
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
    ...(signal ? { signal } : {}),
    onProgress: onWalkProgress,
  });
  walkPhase?.end();
  end();

  end = span('catalog-read');
  const physical = collapse(walked.files);
  const known = new Map<string, CatalogFile>();
  for (const row of catalog.filesUnder(options.roots)) known.set(pathKey(row.path), row);
  const tracked: Tracked[] = physical.map((file) => ({ id: file.id, size: file.size, file }));
  let reused = 0;
  for (const t of tracked) if (reuse(t, known, algorithm)) reused++;
  end();

  const problems: ScanProblem[] = [...walked.problems];
  const changed: Tracked[] = [];
  let bytesRead = 0;
  let pool: HashPool | undefined;
  const limiter =
    options.maxReadRate === undefined
      ? undefined
      : new RateLimiter({
          rate: options.maxReadRate,
          burst: Math.max(1 << 20, options.maxReadRate / 4),
          clock,
        });

  const hashRange = async (list: Candidate[], range: HashRange): Promise<Set<number>> => {
    const endRange = span(range);
    pool ??= new HashPool({
      algorithm,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(limiter ? { limiter } : {}),
      ...(signal ? { signal } : {}),
    });
    const files = (list as Tracked[]).slice();
    // Largest first, so the long reads start early and the threads finish together.
    if (range === 'full') files.sort((a, b) => b.size - a.size);
    const phase = progress?.phase(range, {
      items: files.length,
      bytes: files.reduce((sum, f) => sum + rangeSpan(range, f.size).length, 0),
    });
    const failed = new Set<number>();
    const results: Promise<void>[] = [];
    for (const batch of batches(files, range)) {
      if (signal?.aborted) throw abortErrorFrom(signal);
      const items: HashItem[] = batch.map((f) => ({
        path: f.file.paths[0]!,
        range,
        size: f.size,
        mtimeNs: f.file.mtimeNs,
      }));
      const { result } = await pool.submit(items);
      results.push(
        result.then((outcomes) => {
          let bytes = 0;
          outcomes.forEach((outcome, i) => {
            const f = batch[i]!;
            bytes += outcome.bytes;
            if (outcome.kind === 'hash') {
              f[range] = outcome.hash;
            } else {
              failed.add(f.id);
              if (outcome.kind === 'changed') changed.push(f);
              else
                problems.push({
                  path: f.file.paths[0]!,
                  op: 'read',
                  code: outcome.code,
                  message: outcome.message,
                });
            }
          });
          bytesRead += bytes;
          phase?.add({ items: batch.length, bytes });
        }),
      );
    }
    await Promise.all(results);
    phase?.end();
    endRange();
    return failed;
  };

  let grouping: GroupingStats;
  let groups: DuplicateGroup[];
  try {
    const found = await findDuplicateGroups(tracked, hashRange, {
      includeEmpty: options.includeEmpty ?? false,
    });
    grouping = found.stats;
    groups = found.groups.map((members) => toGroup(members as Tracked[]));
  } finally {
    await pool?.close();
  }
  // A file that changed under the scan keeps no hashes, so the next scan reads it afresh.
  for (const t of changed) t.head = t.tail = t.full = undefined;

  end = span('catalog-write');
  const seen: SeenFile[] = [];
  const seenKeys = new Set<string>();
  for (const t of tracked) {
    const hashes: StoredHashes | undefined =
      t.head === undefined && t.full === undefined
        ? undefined
        : { algorithm, head: t.head, tail: t.tail, full: t.full };
    for (const path of t.file.paths) {
      seenKeys.add(pathKey(path));
      seen.push({
        path,
        dev: t.file.dev,
        ino: t.file.ino,
        size: t.size,
        mtimeNs: t.file.mtimeNs,
        ctimeNs: t.file.ctimeNs,
        hashes,
      });
    }
  }
  const gone = [...known.values()]
    .filter((row) => !seenKeys.has(pathKey(row.path)) && vanished(row.path))
    .map((r) => r.path);
  catalog.finishScan(scanId, seen, gone, clock.wallNow());
  end();

  return {
    scanId,
    roots: options.roots,
    algorithm,
    files: physical.length,
    paths: walked.files.length,
    dirs: walked.dirs,
    totalBytes: physical.reduce((sum, f) => sum + f.size, 0),
    groups: sortGroups(groups),
    symlinks: walked.symlinks,
    problems,
    changed: changed.map((t) => t.file.paths[0]!),
    bytesRead,
    reused,
    gone: gone.length,
    grouping,
  };
}

/** Collapses paths that reach the same device and inode (hard links, a folder reached twice) into one file. */
export function collapse(files: readonly WalkedFile[]): PhysicalFile[] {
  const byInode = new Map<string, PhysicalFile>();
  const out: PhysicalFile[] = [];
  for (const w of files) {
    const key = `${w.dev}:${w.ino}`;
    const existing = byInode.get(key);
    if (existing) {
      if (!existing.paths.some((p) => pathKey(p) === pathKey(w.path))) existing.paths.push(w.path);
      existing.root = Math.min(existing.root, w.root);
      continue;
    }
    const file: PhysicalFile = {
      id: out.length,
      paths: [w.path],
      root: w.root,
      dev: w.dev,
      ino: w.ino,
      size: w.size,
      mtimeNs: w.mtimeNs,
      ctimeNs: w.ctimeNs,
    };
    byInode.set(key, file);
    out.push(file);
  }
  for (const f of out) if (f.paths.length > 1) f.paths.sort(comparePaths);
  return out;
}

/** Takes the catalog's hashes for a file none of whose identity fields changed. */
function reuse(t: Tracked, known: Map<string, CatalogFile>, algorithm: HashAlgorithm): boolean {
  for (const path of t.file.paths) {
    const row = known.get(pathKey(path));
    if (
      row?.hashes?.algorithm === algorithm &&
      row.dev === t.file.dev &&
      row.ino === t.file.ino &&
      row.size === t.size &&
      row.mtimeNs === t.file.mtimeNs &&
      row.ctimeNs === t.file.ctimeNs
    ) {
      t.head = row.hashes.head;
      t.tail = row.hashes.tail;
      t.full = row.hashes.full;
      return true;
    }
  }
  return false;
}

function* batches(files: Tracked[], range: HashRange): Generator<Tracked[]> {
  let batch: Tracked[] = [];
  let bytes = 0;
  for (const f of files) {
    const length = rangeSpan(range, f.size).length;
    if (batch.length > 0 && (batch.length >= BATCH_ITEMS || bytes + length > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(f);
    bytes += length;
  }
  if (batch.length > 0) yield batch;
}

function toGroup(members: Tracked[]): DuplicateGroup {
  const files = members
    .map((m) => m.file)
    .sort((a, b) => a.root - b.root || comparePaths(a.paths[0]!, b.paths[0]!));
  return { size: members[0]!.size, hash: members[0]!.full ?? '', files };
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

function vanished(path: FsPath): boolean {
  try {
    lstatSync(path);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}
