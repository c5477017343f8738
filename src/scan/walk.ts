import type { Dirent } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { abortErrorFrom } from '../core/errors.js';
import { nodeFileOps, type FileOps, type Stat } from '../fs/file-ops.js';
import type { FileIdentity } from '../model/identity.js';
import type { Filters } from './filters.js';
import { displayPath, fromBytes, joinName, toBytes, type FsPath } from '../model/paths.js';

/** A regular file as the walk saw it (lstat, or stat of a followed link). */
export interface WalkedFile extends FileIdentity {
  path: FsPath;
  /** Index of the root it was found under, in command-line order. */
  root: number;
}

/** Something the walk could not read; it is counted and reported, and never stops the walk. */
export interface WalkProblem {
  path: FsPath;
  op: 'readdir' | 'lstat' | 'stat';
  code: string;
  message: string;
}

export interface WalkOptions {
  roots: readonly string[];
  filters: Filters;
  followSymlinks?: boolean;
  oneFileSystem?: boolean;
  /** Folder levels to enter below each root; 0 reads only the root's own entries. */
  maxDepth?: number;
  signal?: AbortSignal;
  /**
   * Called every thousand or so entries, and at the end, with the files found since the last call, so that
   * work on them (hashing) can start while the walk goes on.
   */
  onFiles?: (files: WalkedFile[], dirs: number) => void;
  /** Folders never entered, whatever the roots: nodupe's own (the catalog, the quarantine, snapshots). */
  skipFolders?: readonly string[];
  /**
   * Files never taken, wherever they are: nodupe's own catalog `/x/c.db`, and beside it the files whose names
   * start with `c.db-` (its write-ahead log, its lock).
   */
  skipFiles?: readonly string[];
  /** The file system calls (readdir, lstat, stat); tests inject failures and races here. */
  ops?: FileOps;
}

/** A symbolic link the walk followed: its own path, and the real path it leads to (folder or file). */
export interface FollowedLink {
  link: FsPath;
  real: FsPath;
}

export interface WalkResult {
  /** The files found; empty when `onFiles` took them as the walk went (see `paths`). */
  files: WalkedFile[];
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

const YIELD_EVERY = 1024;

interface Dir {
  path: FsPath;
  relative: string;
  depth: number;
  root: number;
  /** In a folder that holds one of nodupe's own files: the names to leave out (see `skipFiles`). */
  own?: (name: string) => boolean;
}

/**
 * Walks the roots depth-first with synchronous readdir and lstat: on a warm cache that is the fastest way from
 * Node (no thread-pool hop per call), and it yields to the event loop every few thousand entries so progress
 * and aborts are served. Names are read as bytes, so names that are not UTF-8 survive. A folder reached twice
 * (overlapping roots, `.` and its absolute path, a followed link) is entered once, which also stops link loops.
 * A root that is a symbolic link is followed, as `find -H` does; links below the roots only with
 * `followSymlinks`, and then what they lead to is walked by its real path.
 */
export async function walk(options: WalkOptions): Promise<WalkResult> {
  const { filters, signal } = options;
  const ops = options.ops ?? nodeFileOps;
  const follow = options.followSymlinks ?? false;
  const maxDepth = options.maxDepth ?? Infinity;
  const result: WalkResult = {
    files: [],
    paths: 0,
    symlinks: [],
    followed: [],
    problems: [],
    dirs: 0,
    special: 0,
  };
  const entered = new Set<string>();
  // Marked entered before the walk begins, by device and inode: reached by any path below a root, they are
  // not entered. A folder the user named as a root is scanned all the same.
  const rootIds = new Set(options.roots.map((r) => identityOf(ops, r)));
  for (const folder of options.skipFolders ?? []) {
    const id = identityOf(ops, folder);
    if (id !== undefined && !rootIds.has(id)) entered.add(id);
  }
  const ownIn = ownFilesByFolder(ops, options.skipFiles ?? []);
  let sinceYield = 0;
  // With a consumer, files are handed over in chunks and not kept: a large tree is never held twice.
  const report = (): void => {
    if (!options.onFiles || result.files.length === 0) return;
    const files = result.files;
    result.files = [];
    options.onFiles(files, result.dirs);
  };

  const problem = (path: FsPath, op: WalkProblem['op'], error: unknown): void => {
    const e = error as NodeJS.ErrnoException;
    result.problems.push({ path, op, code: e.code ?? 'EIO', message: e.message });
  };
  const statOf = (path: FsPath, op: 'lstat' | 'stat'): Stat | undefined => {
    try {
      return op === 'lstat' ? ops.lstat(path) : ops.stat(path);
    } catch (error) {
      problem(path, op, error);
      return undefined;
    }
  };
  /** Where a followed link leads, every link resolved; recorded, so its path can be shown as an alias. */
  const resolveLink = (link: FsPath): FsPath | undefined => {
    try {
      const real = fromBytes(toBytes(ops.realpath(link)));
      result.followed.push({ link, real });
      return real;
    } catch (error) {
      problem(link, 'stat', error);
      return undefined;
    }
  };
  const addFile = (path: FsPath, root: number, st: Stat): void => {
    result.paths++;
    result.files.push({
      path,
      root,
      dev: st.dev,
      ino: st.ino,
      size: Number(st.size),
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
    });
  };

  for (let root = 0; root < options.roots.length; root++) {
    const rootPath = options.roots[root]!;
    // A root is followed if it is a link (as `find -H` does): the user named what it leads to.
    const rootStat = statOf(rootPath, 'stat');
    if (!rootStat) continue;
    const rootDev = rootStat.dev;
    if (rootStat.isFile()) {
      if (!filters.skipSize(Number(rootStat.size))) addFile(rootPath, root, rootStat);
      continue;
    }
    if (!rootStat.isDirectory()) {
      result.special++;
      continue;
    }
    const stack: Dir[] = [];
    const enter = (dir: Dir, st: Stat): void => {
      const id = `${st.dev}:${st.ino}`;
      if (entered.has(id)) return;
      entered.add(id);
      const own = ownIn.get(id);
      stack.push(own ? { ...dir, own } : dir);
    };
    enter({ path: rootPath, relative: '', depth: 0, root }, rootStat);

    for (let dir = stack.pop(); dir; dir = stack.pop()) {
      result.dirs++;
      let entries: Dirent<Buffer>[];
      try {
        entries = ops.readdir(dir.path);
      } catch (error) {
        problem(dir.path, 'readdir', error);
        continue;
      }
      for (const entry of entries) {
        const path = joinName(dir.path, entry.name);
        const name = entry.name.toString();
        const relative = filters.needsRelative ? (dir.relative ? `${dir.relative}/${name}` : name) : '';
        if (entry.isDirectory()) {
          if (dir.depth >= maxDepth || filters.skipDir(name, relative)) continue;
          const st = statOf(path, 'lstat');
          if (st && (!options.oneFileSystem || st.dev === rootDev)) {
            enter({ path, relative, depth: dir.depth + 1, root }, st);
          }
        } else if (entry.isFile()) {
          if (filters.skipFile(name, relative) || dir.own?.(name)) continue;
          const st = statOf(path, 'lstat');
          if (st && !filters.skipSize(Number(st.size))) addFile(path, root, st);
        } else if (entry.isSymbolicLink()) {
          if (!follow) {
            result.symlinks.push(path);
            continue;
          }
          const st = statOf(path, 'stat');
          if (!st) continue;
          if (st.isDirectory()) {
            if (dir.depth >= maxDepth || filters.skipDir(name, relative)) continue;
            if (options.oneFileSystem && st.dev !== rootDev) continue;
            const real = resolveLink(path);
            if (real !== undefined) enter({ path: real, relative, depth: dir.depth + 1, root }, st);
          } else if (st.isFile() && !filters.skipFile(name, relative) && !filters.skipSize(Number(st.size))) {
            const real = resolveLink(path);
            if (real !== undefined) addFile(real, root, st);
          }
        } else {
          result.special++;
        }
        if (++sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          report();
          await yieldToLoop();
          if (signal?.aborted) throw abortErrorFrom(signal);
        }
      }
    }
  }
  report();
  return result;
}

/** "EACCES: permission denied, scandir '/x'" → "/x: permission denied (readdir)". */
export function describeProblem(p: { path: FsPath; op: string; message: string }): string {
  const reason = p.message.replace(/^[A-Z]+: /, '').replace(/, \w+ .*$/, '');
  return `${displayPath(p.path)}: ${reason} (${p.op})`;
}

/** `skipFiles` by the device and inode of their folders, each with a test of names. */
function ownFilesByFolder(ops: FileOps, files: readonly string[]): Map<string, (name: string) => boolean> {
  const byFolder = new Map<string, string[]>();
  for (const file of files) {
    const slash = file.lastIndexOf('/');
    const folder = identityOf(ops, file.slice(0, slash) || '/');
    if (folder === undefined) continue;
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), file.slice(slash + 1)]);
  }
  return new Map(
    [...byFolder].map(([id, names]) => [
      id,
      (name: string) => names.some((own) => name === own || name.startsWith(`${own}-`)),
    ]),
  );
}

function identityOf(ops: FileOps, path: string): string | undefined {
  try {
    const st = ops.stat(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}
