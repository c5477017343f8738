import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { systemClock, type Clock } from '../core/clock.js';
import { abortErrorFrom } from '../core/errors.js';
import { Fifo } from '../core/fifo.js';
import type { Profiler } from '../core/profiler.js';
import type { Phase, ProgressTracker } from '../core/progress.js';
import { byteRateLimiter } from '../core/byte-rate.js';
import { handledLater } from '../core/handled-later.js';
import { nodeFileOps, type FileOps } from '../fs/file-ops.js';
import type { CatalogStore, SeenFile, StoredHashes } from '../catalog/store.js';
import { identityOf, type FileIdentity } from '../model/identity.js';
import { findDuplicateGroups, firstRange, type Candidate, type GroupingStats } from '../dupes/candidates.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import { rangeSpan, type HashItem, type HashRange } from '../hash/task.js';
import { compileFilters, type FilterOptions } from './filters.js';
import { comparePaths, fromBytes, parentOf, pathKey, toBytes, type FsPath } from '../model/paths.js';
import { aliasFinder } from './aliases.js';
import { FileIndex, type Tracked } from './file-index.js';
import { walk, type FollowedLink, type WalkProblem } from './walk.js';
import type { HashPool } from '../hash/hash-pool.js';

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
  /** For a hasher a plugin provides: the file URL of its module, loaded in every hashing worker. */
  hasherModule?: string;
  /** The plugin that provides it, named if one of its calls has to be stopped. */
  hasherPlugin?: string;
  /** How long one call into a plugin's hasher may run before the scan stops (see `HashPoolOptions`); 60 s. */
  hasherTimeLimitMs?: number;
  /** Folders never scanned: nodupe's own data folder (the catalog, quarantined files, snapshots). */
  skipFolders?: readonly string[];
  /** Files never scanned: the catalog and the files beside it named after it (see `WalkOptions.skipFiles`). */
  skipFiles?: readonly string[];
  threads?: number;
  /** Content reads in bytes per second, through the rate limiter. */
  maxReadRate?: number;
  progress?: ProgressTracker;
  profiler?: Profiler;
  clock?: Clock;
  signal?: AbortSignal;
  /** The walk's file system calls, and the check for paths gone; the hashing workers read on their own. */
  ops?: FileOps;
}

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

/** Items and bytes per hashing task: enough to make a task worth sending, few enough to spread the load. */
const BATCH_ITEMS = 256;
const BATCH_BYTES = 8 << 20;
/** Rows per catalog transaction while hashing goes on; between two, the event loop serves the workers. */
const WRITE_CHUNK = 10_000;

/**
 * Scans the roots into the catalog and finds the groups of byte-identical files. The walk feeds a file index
 * as it goes: hard links collapse, paths are matched with the catalog (unchanged files keep their hashes), and
 * a file's first range (the whole of a small file, the head of a larger one) is read as soon as a second file
 * of its size turns up, while the walk goes on. Then the groups are refined by tail and full hashes. Each file's row is written as soon as its hashes are final,
 * while the workers hash the others, in transactions of whole rows.
 */
export async function scan(options: ScanOptions): Promise<ScanReport> {
  const clock = options.clock ?? systemClock;
  const { catalog, progress, profiler, signal } = options;
  const algorithm = options.algorithm ?? 'xxh3';
  const ops = options.ops ?? nodeFileOps;
  const span = (name: string) => profiler?.start(name) ?? (() => undefined);
  const scanId = catalog.startScan(options.roots, clock.wallNow());

  let end = span('catalog-read');
  const known = catalog.knownUnder(options.roots);
  end();

  const limiter = options.maxReadRate === undefined ? undefined : byteRateLimiter(options.maxReadRate, clock);
  // The phase that the workers' reads count into, as they read (the walk's, then each hashing phase's).
  let reading: Phase | undefined;
  let pool: Promise<HashPool> | undefined;
  const hashPool = (): Promise<HashPool> =>
    (pool ??= import('../hash/hash-pool.js').then(
      ({ HashPool }) =>
        new HashPool({
          algorithm,
          ...(options.hasherModule === undefined ? {} : { module: options.hasherModule }),
          ...(options.hasherPlugin === undefined ? {} : { plugin: options.hasherPlugin }),
          ...(options.hasherTimeLimitMs === undefined
            ? {}
            : { hasherTimeLimitMs: options.hasherTimeLimitMs }),
          followSymlinks: options.followSymlinks ?? false,
          clock,
          ...(options.threads === undefined ? {} : { threads: options.threads }),
          ...(limiter ? { limiter } : {}),
          ...(progress ? { onBytesRead: (bytes: number) => reading?.add({ bytes }) } : {}),
          ...(signal ? { signal } : {}),
        }),
    ));
  // A first scan of these roots will hash: start the workers now, so they load while the walk runs.
  if (known.size === 0) void hashPool();
  try {
    return await scanWith();
  } finally {
    // Whatever happened (an abort during the walk too), the workers end with the scan.
    const started = pool;
    if (started) await (await started).close();
  }

  async function scanWith(): Promise<ScanReport> {
    const problems: ScanProblem[] = [];
    const changed: Tracked[] = [];
    let bytesRead = 0;

    /** Hashes one range of `files` in batches; outcomes land on the files. Resolves when all are in. */
    const hashFiles = async (
      files: Tracked[],
      range: HashRange,
      onBatch?: (items: number, bytes: number) => void,
    ) => {
      const workers = await hashPool();
      const results: Promise<void>[] = [];
      for (const batch of batches(files, range)) {
        if (signal?.aborted) throw abortErrorFrom(signal);
        const items: HashItem[] = batch.map((f) => ({
          path: f.paths[0]!,
          range,
          size: f.size,
          mtimeNs: f.mtimeNs,
        }));
        const { result } = await workers.submit(items);
        results.push(
          handledLater(
            result.then((outcomes) => {
              let bytes = 0;
              outcomes.forEach((outcome, i) => {
                const f = batch[i]!;
                bytes += outcome.bytes;
                if (outcome.kind === 'hash') {
                  f[range] = outcome.hash;
                  f.fresh = true;
                } else if (outcome.kind === 'changed') {
                  f.changed = true;
                  changed.push(f);
                } else {
                  f.failed = true;
                  problems.push({
                    path: f.paths[0]!,
                    op: 'read',
                    code: outcome.code,
                    message: outcome.message,
                  });
                }
              });
              bytesRead += bytes;
              onBatch?.(batch.length, bytes);
            }),
          ),
        );
      }
      await Promise.all(results);
    };

    // The walk, with the first ranges of candidates read while it goes on.
    end = span('walk');
    const walkPhase = progress?.phase('walk');
    reading = walkPhase;
    let folders = 0;
    const index = new FileIndex(known, algorithm);
    const early: Promise<void>[] = [];
    // Files that became candidates during the walk, waiting for a batch to fill: small ones are read whole, larger
    // ones by their head (see findDuplicateGroups).
    const waiting: Record<'head' | 'full', Tracked[]> = { head: [], full: [] };
    const send = (range: 'head' | 'full', all: boolean): void => {
      const files = waiting[range];
      if (files.length === 0 || (!all && files.length < BATCH_ITEMS)) return;
      early.push(handledLater(hashFiles(files, range)));
      waiting[range] = [];
    };
    const walked = await walk({
      ...(options.skipFolders ? { skipFolders: options.skipFolders } : {}),
      ...(options.skipFiles ? { skipFiles: options.skipFiles } : {}),
      roots: options.roots,
      filters: compileFilters(options.filters ?? {}),
      ...(options.followSymlinks === undefined ? {} : { followSymlinks: options.followSymlinks }),
      ...(options.oneFileSystem === undefined ? {} : { oneFileSystem: options.oneFileSystem }),
      ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
      ...(signal ? { signal } : {}),
      ops,
      onFiles: (files, dirs) => {
        for (const w of files) {
          for (const t of index.add(w)) {
            const range = firstRange(t.size);
            if (t[range] === undefined) waiting[range].push(t);
          }
        }
        walkPhase?.add({ items: files.length, folders: dirs - folders });
        folders = dirs;
        send('head', false);
        send('full', false);
      },
    });
    send('head', true);
    send('full', true);
    problems.push(...walked.problems);
    walkPhase?.add({ folders: walked.dirs - folders });
    walkPhase?.end();
    reading = undefined;
    end();

    end = span('early-reads');
    await Promise.all(early);
    end();
    for (const t of index.tracked) if (t.paths.length > 1) t.paths.sort(comparePaths);
    attachAliases(index.tracked, walked.followed);
    catalog.touch(scanId, index.unchangedIds, clock.wallNow());

    const toRows = (t: Tracked): SeenFile[] => {
      const paths = index.pathsToWrite(t);
      if (paths.length === 0) return [];
      const hashes: StoredHashes | undefined =
        t.changed || (t.head === undefined && t.full === undefined)
          ? undefined
          : { algorithm, head: t.head, tail: t.tail, full: t.full };
      return paths.map((path) => ({ ...identityOf(t), path, hashes }));
    };
    const writer = catalogWriter(catalog, scanId, clock, span, toRows);
    const onSettled = (files: Candidate[]): void => writer.add(files as Tracked[]);
    // Files that could not be read, or changed under the scan, leave the race now.
    const out = index.tracked.filter((t) => t.failed || t.changed);
    onSettled(out);
    const candidates =
      out.length === 0 ? index.tracked : index.tracked.filter((t) => !t.failed && !t.changed);

    const hashRange = async (list: Candidate[], range: HashRange): Promise<Set<number>> => {
      const endRange = span(range);
      const files = (list as Tracked[]).slice();
      // Largest first, so the long reads start early and the threads finish together.
      if (range === 'full') files.sort((a, b) => b.size - a.size);
      const phase = progress?.phase(range, {
        items: files.length,
        bytes: files.reduce((sum, f) => sum + rangeSpan(range, f.size).length, 0),
      });
      reading = phase;
      await hashFiles(files, range, (items) => phase?.add({ items }));
      phase?.end();
      reading = undefined;
      endRange();
      return new Set(files.filter((f) => f.failed || f.changed).map((f) => f.id));
    };

    const found = await findDuplicateGroups(candidates, hashRange, {
      includeEmpty: options.includeEmpty ?? false,
      onSettled,
    });
    await writer.flush();

    end = span('catalog-write');
    // What is left of the catalog's rows is what the walk did not see: gone, unless filtered out this time.
    const goneIds: number[] = [];
    const unseen = unseenPaths(ops);
    for (const [key, row] of known) if (unseen.gone(Buffer.from(key, 'latin1'))) goneIds.push(row.id);
    catalog.finishScan(scanId, goneIds, clock.wallNow());
    end();

    return {
      scanId,
      roots: options.roots,
      algorithm,
      files: index.tracked.length,
      paths: walked.paths,
      dirs: walked.dirs,
      totalBytes: index.tracked.reduce((sum, t) => sum + t.size, 0),
      groups: sortGroups(found.groups.map((members) => toGroup(members as Tracked[]))),
      symlinks: walked.symlinks,
      problems,
      changed: changed.map((t) => t.paths[0]!),
      bytesRead,
      reused: index.reused,
      gone: goneIds.length,
      grouping: found.stats,
    };
  }
}

/**
 * Writes rows in the background of the hashing: `add` queues them, and a loop writes a transaction of rows at a
 * time, yielding to the event loop between two so that finished hashing tasks are taken in and new ones sent.
 */
function catalogWriter(
  catalog: CatalogStore,
  scanId: number,
  clock: Clock,
  span: (name: string) => () => void,
  toRows: (t: Tracked) => SeenFile[],
) {
  // Settled files wait here as they are; their rows are made a chunk at a time, just before they are written.
  const full = new Fifo<Tracked[]>();
  let filling: Tracked[] = [];
  let running: Promise<void> | undefined;
  const next = (): Tracked[] | undefined => {
    const chunk = full.shift();
    if (chunk) return chunk;
    if (filling.length === 0) return undefined;
    const last = filling;
    filling = [];
    return last;
  };
  const loop = async (): Promise<void> => {
    for (let chunk = next(); chunk; chunk = next()) {
      const end = span('catalog-write');
      catalog.upsert(scanId, chunk.flatMap(toRows), clock.wallNow());
      end();
      await yieldToLoop();
    }
  };
  return {
    add(files: Tracked[]): void {
      for (const t of files) {
        filling.push(t);
        if (filling.length >= WRITE_CHUNK) {
          full.push(filling);
          filling = [];
        }
      }
      // Cleared after the loop ends (never from inside it, which may finish before this assignment).
      running ??= loop().finally(() => (running = undefined));
    },
    async flush(): Promise<void> {
      while (running) await running;
    },
  };
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
    .map((m) => m as PhysicalFile)
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

/**
 * Whether a catalog row the walk did not see is gone: nothing is at its path, or its path runs through a
 * symbolic link (the catalog holds real paths; such a row came from a link followed once, and a walk never
 * reaches a file that way). A row only filtered out this time (`--exclude`, sizes, depth) stays.
 */
function unseenPaths(ops: FileOps) {
  const realFolders = new Map<string, boolean>();
  const isReal = (folder: FsPath): boolean => {
    const key = pathKey(folder);
    let real = realFolders.get(key);
    if (real === undefined) {
      try {
        real = pathKey(fromBytes(toBytes(ops.realpath(folder)))) === key;
      } catch {
        real = true; // unreadable: not known to run through a link; lstat decides
      }
      realFolders.set(key, real);
    }
    return real;
  };
  return {
    gone(path: FsPath): boolean {
      try {
        ops.lstat(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return code === 'ENOENT' || code === 'ENOTDIR';
      }
      return !isReal(parentOf(path));
    },
  };
}

/**
 * Gives each file the paths by which followed links reach it (its own real paths left out). Without followed
 * links nothing is done: this runs once for every file of every scan.
 */
function attachAliases(files: readonly Tracked[], followed: readonly FollowedLink[]): void {
  if (followed.length === 0) return;
  const aliasesOf = aliasFinder(followed);
  for (const t of files) {
    const found = t.paths.flatMap(aliasesOf);
    if (found.length === 0) continue;
    const own = new Set(t.paths.map(pathKey));
    const aliases = found.filter((a) => !own.has(pathKey(a)) && own.add(pathKey(a)));
    if (aliases.length > 0) t.aliases = aliases.sort(comparePaths);
  }
}
