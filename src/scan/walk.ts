import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { abortErrorFrom } from '../core/errors.js';
import { nodeFileOps, type FileOps, type Stat } from '../fs/file-ops.js';
import { WalkedFilesBuilder, type FileRecords, type WalkedFiles } from '../model/records.js';
import { compileFilters, type FilterOptions, type Filters } from './filters.js';
import { FolderQueue, type WalkPool } from './folder-queue.js';
import type { FolderProblem, FoundFolder, WalkTaskResult } from '../model/walk-task.js';
import { readFolders } from './read-folders.js';
import { displayPath, fromBytes, toBytes, type FsPath } from '../model/paths.js';

export type { WalkPool };

/** Something the walk could not read; it is counted and reported, and never stops the walk. */
export interface WalkProblem {
  path: FsPath;
  op: 'readdir' | 'lstat' | 'stat';
  code: string;
  message: string;
}

export interface WalkOptions {
  roots: readonly string[];
  /**
   * The filters, as options: each thread that reads folders compiles them once. Each glob that matched is added
   * to `filters.matched`, as `compileFilters` does.
   */
  filters: FilterOptions;
  followSymlinks?: boolean;
  oneFileSystem?: boolean;
  /** Folder levels to enter below each root; 0 reads only the root's own entries. */
  maxDepth?: number;
  signal?: AbortSignal;
  /**
   * Called as the walk goes, every thousand or two entries, with the files found since the last call (full
   * paths, in columns) and the folders read so far, so that work on them (hashing) can start while the walk
   * goes on. The walk keeps no file: a large tree is never held twice.
   */
  onFiles: (files: WalkedFiles, dirs: number) => void;
  /** Folders never entered, whatever the roots: nodupe's own (the catalog, the quarantine, snapshots). */
  skipFolders?: readonly string[];
  /**
   * Files never taken, wherever they are: nodupe's own catalog `/x/c.db`, and beside it the files whose names
   * start with `c.db-` (its write-ahead log, its lock).
   */
  skipFiles?: readonly string[];
  /**
   * Worker threads to share (a scan's `HashPool`): a batch of folders goes to a thread when one is free (its
   * `idle`; a pool without `idle` always takes it), else it is read on this thread. Without a pool, or with `ops`
   * other than `nodeFileOps` (they cannot cross to another thread), every folder is read on this thread.
   */
  pool?: WalkPool;
  /**
   * With a pool: entries read on this thread before any batch goes to the pool; by default 2,048, so that a
   * small tree starts no thread. 0 sends every batch to the pool, free thread or not.
   */
  readHereFirst?: number;
  /** The file system calls (readdir, lstat, stat, realpath); tests inject failures and races here. */
  ops?: FileOps;
}

/** A symbolic link the walk followed: its own path, and the real path it leads to (folder or file). */
export interface FollowedLink {
  link: FsPath;
  real: FsPath;
}

/** What the walk found besides the files (those went to `onFiles`). Lists are in the byte order of paths. */
export interface WalkResult {
  /** How many file paths the walk found. */
  paths: number;
  /** Symbolic links met and not followed: never part of a group. */
  symlinks: FsPath[];
  /**
   * With `followSymlinks`: the links followed. Files are reported by their real paths (what a link leads to,
   * every link resolved); the paths through these links are aliases (see `aliasesOf`).
   */
  followed: FollowedLink[];
  problems: WalkProblem[];
  dirs: number;
  /** Entries that are neither files, folders nor links (sockets, devices, fifos). */
  special: number;
}

/** Tasks in flight per worker thread, and entries per task: a thread never waits for the main thread. */
const TASKS_PER_THREAD = 2;
const ENTRIES_PER_TASK = 2048;
/** On the walk's own thread: entries between two yields to the event loop (progress, aborts). */
const ENTRIES_PER_YIELD = 1024;
/** Entries read on the walk's own thread before it hands folders to the pool (see `sharing`). */
const SMALL_TREE = 2048;

let walks = 0;

/**
 * Walks the roots: folders are read (readdir, then lstat of each entry) on the pool's worker threads in
 * batches, or on this thread between yields to the event loop, and files arrive in columns through `onFiles`.
 * Names are read as bytes, so names that are not UTF-8 survive. A folder reached twice (overlapping roots, `.`
 * and its absolute path, a followed link) is entered once, which also stops link loops. A root that is a
 * symbolic link is followed, as `find -H` does; links below the roots only with `followSymlinks`, and then what
 * they lead to is walked by its real path.
 */
export async function walk(options: WalkOptions): Promise<WalkResult> {
  const { signal } = options;
  if (signal?.aborted) throw abortErrorFrom(signal);
  const ops = options.ops ?? nodeFileOps;
  const filters = compileFilters(options.filters);
  const found = new Findings();
  const entered = new Set<string>();
  // Marked entered before the walk begins, by device and inode: reached by any path below a root, they are
  // not entered. A folder the user named as a root is scanned all the same.
  const rootIds = new Set(options.roots.map((r) => identityOf(ops, r)));
  for (const folder of options.skipFolders ?? []) {
    const id = identityOf(ops, folder);
    if (id !== undefined && !rootIds.has(id)) entered.add(id);
  }

  const rootFolders: FoundFolder[] = [];
  const rootDevs: bigint[] = [];
  const rootFiles = new WalkedFilesBuilder(16);
  for (let root = 0; root < options.roots.length; root++) {
    const path = toBytes(options.roots[root]!);
    // A root is followed if it is a link (as `find -H` does): the user named what it leads to.
    let st: Stat;
    try {
      st = ops.stat(path);
    } catch (error) {
      found.problem(path, 'stat', error);
      continue;
    }
    rootDevs[root] = st.dev;
    if (st.isFile()) {
      if (!filters.skipSize(Number(st.size))) rootFiles.add(path, undefined, st, root);
    } else if (st.isDirectory()) {
      const id = `${st.dev}:${st.ino}`;
      rootFolders.push({ path: new Uint8Array(path), id, depth: 0, root, relative: '' });
    } else {
      found.special++;
    }
  }
  if (rootFiles.count > 0) found.files(rootFiles.finish(), options.onFiles);

  const { matched, ...plain } = options.filters;
  // Injected file operations cannot cross to another thread: the walk then reads on its own.
  const inThread = options.pool === undefined || (options.ops !== undefined && options.ops !== nodeFileOps);
  const local = threadReader(ops, filters);
  const queue = new FolderQueue({
    reader: inThread ? local : sharing(local, options.pool!, options.readHereFirst ?? SMALL_TREE),
    tasksPerThread: inThread ? 1 : TASKS_PER_THREAD,
    entriesPerTask: inThread ? ENTRIES_PER_YIELD : ENTRIES_PER_TASK,
    template: {
      kind: 'walk',
      walk: `${process.pid}.${++walks}`,
      filters: plain,
      followSymlinks: options.followSymlinks ?? false,
      maxDepth: options.maxDepth ?? Infinity,
      ...(options.oneFileSystem ? { rootDevs } : {}),
    },
    entered,
    ownIn: ownFilesByFolder(ops, options.skipFiles ?? []),
    signal,
    onReport: (report) => {
      found.add(report, options.onFiles);
      if (matched) for (const glob of report.matched) matched.add(glob);
    },
  });
  await queue.run(rootFolders);
  return found.result();
}

/**
 * Shares the pool's threads: the first `first` entries are read on this thread (a small tree starts no thread),
 * then a batch goes to the pool when it has a thread free, and is read on this thread when none is. The threads
 * are a scan's hashing threads: while they hash, the main thread (otherwise waiting for them) reads folders.
 */
function sharing(local: WalkPool, pool: WalkPool, first: number): WalkPool {
  let entries = 0;
  return {
    threads: pool.threads,
    walk: async (task) => {
      if (first === 0 || (entries >= first && pool.idle !== false)) return pool.walk(task);
      const report = await local.walk(task);
      entries += report.entries;
      return report;
    },
  };
}

/** Reads folders on the walk's own thread, one batch per turn of the event loop. */
function threadReader(ops: FileOps, filters: Filters): WalkPool {
  return {
    threads: 1,
    walk: async (task) => {
      await yieldToLoop();
      // The filters were compiled here with the caller's `matched`: nothing to pass on.
      return { ...readFolders(task, ops, filters), matched: [] };
    },
  };
}

/** What the walk found, gathered from every batch; sorted by path at the end, as batches arrive in any order. */
class Findings {
  paths = 0;
  dirs = 0;
  special = 0;
  readonly #symlinks: Uint8Array[] = [];
  readonly #followed: { link: Uint8Array; real: Uint8Array }[] = [];
  readonly #problems: FolderProblem[] = [];

  problem(path: Uint8Array, op: WalkProblem['op'], error: unknown): void {
    const e = error as NodeJS.ErrnoException;
    this.#problems.push({ path, op, code: e.code ?? 'EIO', message: e.message });
  }

  files(files: WalkedFiles, onFiles: WalkOptions['onFiles']): void {
    this.paths += files.count;
    onFiles(files, this.dirs);
  }

  add(report: WalkTaskResult, onFiles: WalkOptions['onFiles']): void {
    this.dirs += report.dirs;
    this.special += report.special;
    for (const s of report.symlinks) this.#symlinks.push(s);
    for (const f of report.followed) this.#followed.push(f);
    for (const p of report.problems) this.#problems.push(p);
    if (report.files.count > 0) this.files(report.files, onFiles);
  }

  result(): WalkResult {
    return {
      paths: this.paths,
      symlinks: this.#symlinks.sort((a, b) => Buffer.compare(a, b)).map(fromBytes),
      followed: this.#followed
        .sort((a, b) => Buffer.compare(a.link, b.link))
        .map((f) => ({ link: fromBytes(f.link), real: fromBytes(f.real) })),
      problems: this.#problems
        .sort((a, b) => Buffer.compare(a.path, b.path))
        .map((p) => ({ path: fromBytes(p.path), op: p.op, code: p.code, message: p.message })),
      dirs: this.dirs,
      special: this.special,
    };
  }
}

/** The path of record `i`, as nodupe keeps paths (a string when its bytes are UTF-8). */
export function pathAt(files: FileRecords, i: number): FsPath {
  return fromBytes(files.paths.subarray(files.pathStart[i], files.pathStart[i + 1]));
}

/** "EACCES: permission denied, scandir '/x'" → "/x: permission denied (readdir)". */
export function describeProblem(p: { path: FsPath; op: string; message: string }): string {
  const reason = p.message.replace(/^[A-Z]+: /, '').replace(/, \w+ .*$/, '');
  return `${displayPath(p.path)}: ${reason} (${p.op})`;
}

/** The names in `skipFiles`, by the device and inode of their folders. */
function ownFilesByFolder(ops: FileOps, files: readonly string[]): Map<string, string[]> {
  const byFolder = new Map<string, string[]>();
  for (const file of files) {
    const slash = file.lastIndexOf('/');
    const folder = identityOf(ops, file.slice(0, slash) || '/');
    if (folder === undefined) continue;
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), file.slice(slash + 1)]);
  }
  return byFolder;
}

function identityOf(ops: FileOps, path: string): string | undefined {
  try {
    const st = ops.stat(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}
