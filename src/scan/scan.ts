import { systemClock, type Clock } from '../core/clock.js';
import type { Profiler } from '../core/profiler.js';
import type { Phase, ProgressTracker } from '../core/progress.js';
import { byteRateLimiter } from '../core/byte-rate.js';
import { handledLater } from '../core/handled-later.js';
import { poolThreads } from '../core/worker-pool.js';
import { nodeFileOps, type FileOps } from '../fs/file-ops.js';
import type { CatalogStore, KnownRows, ScanWriter } from '../catalog/store.js';
import { findDuplicateGroups, firstRange } from '../dupes/candidates.js';
import {
  sortGroups,
  type DuplicateGroup,
  type PhysicalFile,
  type ScanProblem,
  type ScanReport,
} from '../model/groups.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import { hashInBatches } from '../hash/batch-hasher.js';
import type { HashPool } from '../hash/hash-pool.js';
import { Outcome, rangeSpan, type HashRange } from '../hash/task.js';
import type { FilterOptions } from './filters.js';
import { comparePaths, fromBytes, parentOf, pathKey, toBytes, type FsPath } from '../model/paths.js';
import { aliasFinder } from './aliases.js';
import { FileTable } from './file-table.js';
import { walk } from './walk.js';
import { poolArchiveReader, readArchives, walkedArchives, type ArchiveReader } from './archives.js';

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
  /**
   * Reads every file through to its full hash, alone of its size or not (as a size found elsewhere is read):
   * what a manifest lists. Files the catalog already holds unchanged with their hashes are not read again.
   */
  readEveryFile?: boolean;
  progress?: ProgressTracker;
  profiler?: Profiler;
  clock?: Clock;
  signal?: AbortSignal;
  /** The walk's file system calls, and the check for paths gone; the hashing workers read on their own. */
  ops?: FileOps;
  /**
   * Catalogues the members of the walk's archives (`--archives`, see archives.ts); a reader may be given (by
   * default the hash pool's).
   */
  archives?: boolean | { read: ArchiveReader };
}

/** Files per catalog batch while hashing goes on: the rows of a batch are built, then written on the writer's thread. */
const WRITE_CHUNK = 10_000;
/** Candidates waiting for their first read during the walk: sent when this many have gathered. */
const EARLY_BATCH = 256;
/** Files between two records of how many the scan has seen. */
const SEEN_EVERY = 20_000;

/**
 * Scans the roots into the catalog and finds the groups of byte-identical files. The walk reads folders on the
 * worker threads and hands files over in columns to the file table: hard links collapse, paths are matched with
 * the catalog (unchanged files keep their hashes), and a file's first range (the whole of a small file, the head
 * of a larger one) is read as soon as a second file of its size turns up, while the walk goes on. Then the groups
 * are refined by tail and full hashes; in a shared catalog, files of a size that rows outside the roots have
 * (other machines' files) are read through to their full hash too, alone in the walk or not. Each file's rows are built as soon as its hashes are final and written on
 * the catalog writer's own thread, while the workers hash the others.
 */
export async function scan(options: ScanOptions): Promise<ScanReport> {
  const clock = options.clock ?? systemClock;
  const { catalog, progress, profiler, signal } = options;
  const algorithm = options.algorithm ?? 'xxh3';
  const ops = options.ops ?? nodeFileOps;
  const span = (name: string) => profiler?.start(name) ?? (() => undefined);
  const scanId = catalog.startScan(options.roots, clock.wallNow());

  const limiter = options.maxReadRate === undefined ? undefined : byteRateLimiter(options.maxReadRate, clock);
  // The phase that the workers' reads count into, as they read (the walk's, then each hashing phase's).
  let reading: Phase | undefined;
  const { HashPool: Pool } = await import('../hash/hash-pool.js');
  // The threads start when there is work for them: the walk of a small tree, and a scan that hashes nothing
  // (an empty folder), never start them.
  let started: HashPool | undefined;
  const pool = (): HashPool =>
    (started ??= new Pool({
      algorithm,
      ...(options.hasherModule === undefined ? {} : { module: options.hasherModule }),
      ...(options.hasherPlugin === undefined ? {} : { plugin: options.hasherPlugin }),
      ...(options.hasherTimeLimitMs === undefined ? {} : { hasherTimeLimitMs: options.hasherTimeLimitMs }),
      followSymlinks: options.followSymlinks ?? false,
      clock,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(limiter ? { limiter } : {}),
      ...(progress ? { onBytesRead: (bytes: number) => reading?.add({ bytes }) } : {}),
      ...(signal ? { signal } : {}),
    }));
  let writer: ScanWriter | undefined;
  try {
    // The threads start while the catalog is read.
    const endRead = span('catalog-read');
    const known = catalog.knownRows(options.roots);
    endRead();
    writer = catalog.scanWriter(scanId);
    return await scanWith(known, writer);
  } finally {
    // Whatever happened (an abort during the walk too), the workers and the writer's thread end with the scan.
    await started?.close();
    await writer?.close().catch(() => undefined);
  }

  async function scanWith(known: KnownRows, writer: ScanWriter): Promise<ScanReport> {
    let end: () => void;
    const problems: ScanProblem[] = [];
    let bytesRead = 0;
    const table = new FileTable({
      known: known.count > 0 ? known : undefined,
      algorithm,
      everyFileShared: options.roots.length > 1 || (options.followSymlinks ?? false),
    });

    // Settled files are written a chunk at a time: the rows are built here, and written on the writer's thread.
    let settledIds: number[] = [];
    const writeSettled = (): void => {
      const endWrite = span('catalog-write');
      writer.write(table.rowsOf(settledIds), clock.wallNow());
      settledIds = [];
      endWrite();
    };
    const onSettled = (ids: readonly number[]): void => {
      for (const id of ids) {
        if (!table.settle(id)) continue;
        settledIds.push(id);
        if (settledIds.length >= WRITE_CHUNK) writeSettled();
      }
    };

    /** Hashes one range of `ids` in batches; outcomes land in the table. Resolves when all are in. */
    const hashFiles = (ids: readonly number[], range: HashRange, onBatch?: (done: number[]) => void) =>
      hashInBatches(
        pool(),
        range,
        ids,
        (batch, id) => table.addToBatch(id, batch),
        (batch, results) => {
          for (let i = 0; i < results.count; i++) {
            const id = batch[i]!;
            bytesRead += results.bytes[i]!;
            const kind = results.kind[i];
            if (kind === Outcome.hash) {
              table.setHash(id, range, results.hash[i]!);
              const type = results.type[i]!;
              if (type !== '') table.setType(id, type);
            } else if (kind === Outcome.changed) table.markChanged(id);
            else table.markFailed(id);
          }
          for (const { index, code, message } of results.errors) {
            problems.push({ path: table.pathOf(batch[index]!), op: 'read', code, message });
          }
          onBatch?.(batch);
        },
        signal,
      );

    // The walk, with the first ranges of candidates read while it goes on.
    end = span('walk');
    const walkPhase = progress?.phase('walk');
    reading = walkPhase;
    let folders = 0;
    const early: Promise<void>[] = [];
    // Files that became candidates during the walk, waiting for a batch to fill: small ones are read whole, larger
    // ones by their head (see findDuplicateGroups).
    const waiting: Record<'head' | 'full', number[]> = { head: [], full: [] };
    const send = (range: 'head' | 'full', all: boolean): void => {
      const ids = waiting[range];
      if (ids.length === 0 || (!all && ids.length < EARLY_BATCH)) return;
      // A small file read whole during the walk has its final hash: if no other path can reach it, its row is
      // written now, while the walk goes on, instead of with everything else at the end.
      const onBatch =
        range === 'full'
          ? (done: readonly number[]) => onSettled(done.filter((id) => table.isSingle(id)))
          : undefined;
      early.push(handledLater(hashFiles(ids, range, onBatch)));
      waiting[range] = [];
    };
    const onCandidate = (id: number): void => {
      const range = firstRange(table.size(id));
      if (table.hash(id, range) === undefined) waiting[range].push(id);
    };
    const walked = await walk({
      ...(options.skipFolders ? { skipFolders: options.skipFolders } : {}),
      ...(options.skipFiles ? { skipFiles: options.skipFiles } : {}),
      roots: options.roots,
      filters: options.filters ?? {},
      ...(options.followSymlinks === undefined ? {} : { followSymlinks: options.followSymlinks }),
      ...(options.oneFileSystem === undefined ? {} : { oneFileSystem: options.oneFileSystem }),
      ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
      ...(signal ? { signal } : {}),
      ...(options.ops ? { ops: options.ops } : {}),
      // The walk shares the hashing threads: it never starts them (a rescan with nothing to hash walks here).
      pool: {
        threads: poolThreads(options.threads),
        get idle() {
          return started?.idle ?? false;
        },
        walk: (task) => pool().walk(task),
      },
      onFiles: (files, dirs) => {
        const before = table.count;
        table.add(files, onCandidate);
        // An interrupted scan says how far it got: recorded every so many files.
        if (Math.floor(table.count / SEEN_EVERY) > Math.floor(before / SEEN_EVERY)) writer.seen(table.count);
        walkPhase?.add({ items: files.count, folders: dirs - folders });
        folders = dirs;
        send('head', false);
        send('full', false);
      },
    });
    send('head', true);
    send('full', true);
    for (const p of walked.problems) problems.push(p);
    walkPhase?.add({ folders: walked.dirs - folders });
    walkPhase?.end();
    reading = undefined;
    end();

    end = span('early-reads');
    await Promise.all(early);
    end();
    table.finishPaths();
    writer.seen(table.count);
    const all = Array.from({ length: table.count }, (_, id) => id);
    // Files that could not be read, or changed under the scan, leave the race now.
    onSettled(all.filter((id) => table.isOut(id)));
    const candidates = all.filter((id) => !table.isOut(id));

    const hashRange = async (list: number[], range: HashRange): Promise<ReadonlySet<number>> => {
      const endRange = span(range);
      const ids = list.slice();
      // Largest first, so the long reads start early and the threads finish together.
      if (range === 'full') ids.sort((a, b) => table.size(b) - table.size(a));
      const phase = progress?.phase(range, {
        items: ids.length,
        bytes: ids.reduce((sum, id) => sum + rangeSpan(range, table.size(id)).length, 0),
      });
      reading = phase;
      await hashFiles(ids, range, (done) => phase?.add({ items: done.length }));
      phase?.end();
      reading = undefined;
      endRange();
      return new Set(ids.filter((id) => table.isOut(id)));
    };

    // In a catalog that several machines share, a file alone in the walk may have copies elsewhere: those whose
    // size a row outside the roots has are read through to their full hash too.
    // With --archives, the archives are read now: loose files of their members' sizes are read through too.
    end = span('archives');
    const archives = options.archives
      ? await readArchives(walkedArchives(table, candidates), {
          catalog,
          algorithm,
          read: options.archives === true ? poolArchiveReader(pool) : options.archives.read,
          progress,
        })
      : undefined;
    end();
    end = span('sizes-elsewhere');
    const sizesElsewhere = options.readEveryFile
      ? new Set(table.sizes())
      : catalog.sizesElsewhere(options.roots, table.sizes());
    // The catalog's read-only entries (archive members, imported manifests' files) are copies too: loose files of
    // their sizes are read through to their full hash.
    const entrySizes = archives ? archives.memberSizes : new Set(catalog.entries().entrySizes());
    end();
    const found = await findDuplicateGroups(
      candidates,
      { size: (id) => table.size(id), hash: (id, range) => table.hash(id, range) },
      hashRange,
      {
        includeEmpty: options.includeEmpty ?? false,
        onSettled,
        sizesElsewhere: entrySizes.size > 0 ? new Set([...sizesElsewhere, ...entrySizes]) : sizesElsewhere,
      },
    );
    if (settledIds.length > 0) writeSettled();
    end = span('catalog-flush');
    await writer.close();
    end();

    end = span('catalog-finish');
    // What is left of the catalog's rows is what the walk did not see: gone, unless filtered out this time.
    const unseen = unseenPaths(ops);
    const goneIds = table
      .unmatchedRows()
      .filter((row) => unseen.gone(row.path))
      .map((row) => row.id);
    catalog.finishScan(scanId, goneIds, clock.wallNow());
    const archived = archives?.write(clock.wallNow());
    if (archived) problems.push(...archived.problems);
    end();

    const aliasesOf = walked.followed.length === 0 ? undefined : aliasFinder(walked.followed);
    let totalBytes = 0;
    for (let id = 0; id < table.count; id++) totalBytes += table.size(id);
    profiler?.items('file', table.count);
    return {
      scanId,
      roots: options.roots,
      algorithm,
      files: table.count,
      paths: walked.paths,
      dirs: walked.dirs,
      totalBytes,
      groups: sortGroups(found.groups.map((ids) => toGroup(table, ids, aliasesOf))),
      symlinks: walked.symlinks,
      problems,
      changed: all.filter((id) => table.isChanged(id)).map((id) => table.pathOf(id)),
      bytesRead: bytesRead + (archived?.stats.bytesRead ?? 0),
      reused: table.reused,
      gone: goneIds.length,
      grouping: found.stats,
      ...(archived ? { archives: archived.stats } : {}),
    };
  }
}

/** A group for the report: its members as physical files, by root then path. */
function toGroup(
  table: FileTable,
  ids: number[],
  aliasesOf: ((path: FsPath) => FsPath[]) | undefined,
): DuplicateGroup {
  const files = ids
    .map((id): PhysicalFile => {
      const paths = table.paths(id);
      const aliases = aliasesOf && aliasesFor(paths, aliasesOf);
      const type = table.type[id];
      return {
        id,
        ...table.identity(id),
        paths,
        ...(aliases ? { aliases } : {}),
        root: table.root(id),
        ...(type === undefined ? {} : { type }),
      };
    })
    .sort((a, b) => a.root - b.root || comparePaths(a.paths[0]!, b.paths[0]!));
  return { size: table.size(ids[0]!), hash: table.hash(ids[0]!, 'full') ?? '', files };
}

/**
 * Whether a catalog row the walk did not see is gone: nothing is at its path, what is there is no longer a regular
 * file (a copy replaced by a symbolic link to its keeper, a folder of the same name), or its path runs through a
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
        if (!ops.lstat(path).isFile()) return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return code === 'ENOENT' || code === 'ENOTDIR';
      }
      return !isReal(parentOf(path));
    },
  };
}

/** The paths by which followed links reach a file (its own real paths left out), or undefined when none do. */
function aliasesFor(paths: FsPath[], aliasesOf: (path: FsPath) => FsPath[]): FsPath[] | undefined {
  const found = paths.flatMap(aliasesOf);
  if (found.length === 0) return undefined;
  const own = new Set(paths.map(pathKey));
  const aliases = found.filter((a) => !own.has(pathKey(a)) && own.add(pathKey(a)));
  return aliases.length > 0 ? aliases.sort(comparePaths) : undefined;
}
