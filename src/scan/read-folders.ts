import type { Dirent } from 'node:fs';
import { nodeFileOps, type FileOps, type Stat } from '../fs/file-ops.js';
import { WalkedFilesBuilder, type RecordStat } from '../model/records.js';
import type { Filters } from './filters.js';
import type { FolderProblem, FolderReport, WalkTask } from '../model/walk-task.js';
import { ENTRY, NativeListing, walkReader, type EntryKind } from './native-reader.js';

const SLASH = 0x2f;
/** The longest name a folder entry has on Linux (NAME_MAX); a longer one, elsewhere, gets a larger buffer. */
const NAME_MAX = 255;

/**
 * Reads a batch of folders: readdir, then an lstat of each file and folder (a stat of each link when links are
 * followed), writing files straight into columns. The one place that decides what an entry is; the walk runs
 * it on worker threads, or on its own thread when given no pool or injected file operations. With Node's own
 * file operations the folders are listed by the native reader when it is built (see `listingFor`).
 */
export function readFolders(task: WalkTask, ops: FileOps, filters: Filters): FolderReport {
  const files = new WalkedFilesBuilder(256);
  const report: Omit<FolderReport, 'files'> = {
    folders: [],
    symlinks: [],
    followed: [],
    problems: [],
    special: 0,
    dirs: 0,
    entries: 0,
  };
  const { followSymlinks, maxDepth, rootDevs } = task;
  // Picked once: without globs and with hidden names kept, a file's name decides nothing and is never decoded.
  const namesMatter = filters.needsRelative || task.filters.hidden === false;
  const problem = (path: Uint8Array, op: FolderProblem['op'], error: unknown): void => {
    const e = error as NodeJS.ErrnoException;
    report.problems.push({ path: new Uint8Array(path), op, code: e.code ?? 'EIO', message: e.message });
  };
  const lstatOf = (listing: FolderListing, i: number, path: Buffer): RecordStat | undefined => {
    try {
      return listing.lstat(i, path);
    } catch (error) {
      problem(path, 'lstat', error);
      return undefined;
    }
  };
  const statOf = (path: Buffer): Stat | undefined => {
    try {
      return ops.stat(path);
    } catch (error) {
      problem(path, 'stat', error);
      return undefined;
    }
  };
  const realOf = (link: Buffer): Uint8Array | undefined => {
    try {
      const real = new Uint8Array(ops.realpath(link) as Buffer);
      report.followed.push({ link: new Uint8Array(link), real });
      return real;
    } catch (error) {
      problem(link, 'stat', error);
      return undefined;
    }
  };

  const listing = listingFor(ops);
  let scratch = Buffer.allocUnsafeSlow(4096);
  for (const dir of task.folders) {
    report.dirs++;
    const folder = Buffer.from(dir.path.buffer, dir.path.byteOffset, dir.path.byteLength);
    try {
      listing.list(folder);
    } catch (error) {
      problem(folder, 'readdir', error);
      continue;
    }
    report.entries += listing.count;
    const prefix = folder[folder.length - 1] === SLASH ? folder : Buffer.concat([folder, Buffer.of(SLASH)]);
    if (scratch.length < prefix.length + NAME_MAX)
      scratch = Buffer.allocUnsafeSlow(2 * (prefix.length + NAME_MAX));
    prefix.copy(scratch);
    const descend = dir.depth < maxDepth;
    const rootDev = rootDevs?.[dir.root];
    const own = dir.own;
    const subfolder = (path: Uint8Array, relative: string, st: RecordStat): void => {
      if (rootDev !== undefined && st.dev !== rootDev) return;
      report.folders.push({
        path: new Uint8Array(path),
        id: `${st.dev}:${st.ino}`,
        depth: dir.depth + 1,
        root: dir.root,
        relative,
      });
    };
    for (let i = 0; i < listing.count; i++) {
      const end = prefix.length + listing.nameLength(i);
      if (end > scratch.length) {
        scratch = Buffer.allocUnsafeSlow(2 * end);
        prefix.copy(scratch);
      }
      listing.copyName(i, scratch, prefix.length);
      // A view of one buffer, not a new one per entry: whatever is kept of a path is copied.
      const path = scratch.subarray(0, end);
      const kind = listing.kind(i);
      if (kind === ENTRY.file) {
        if (namesMatter || own) {
          const name = path.toString('utf8', prefix.length);
          if (skipsFile(filters, name, relativeOf(filters, dir.relative, name), own)) continue;
        }
        const st = lstatOf(listing, i, path);
        if (st && !filters.skipSize(Number(st.size))) files.add(path, undefined, st, dir.root);
      } else if (kind === ENTRY.dir) {
        if (!descend) continue;
        const name = path.toString('utf8', prefix.length);
        const relative = relativeOf(filters, dir.relative, name);
        if (filters.skipDir(name, relative)) continue;
        const st = lstatOf(listing, i, path);
        if (st) subfolder(path, relative, st);
      } else if (kind === ENTRY.link) {
        if (!followSymlinks) {
          report.symlinks.push(new Uint8Array(path));
          continue;
        }
        const st = statOf(path);
        if (!st) continue;
        const name = path.toString('utf8', prefix.length);
        const relative = relativeOf(filters, dir.relative, name);
        if (st.isDirectory()) {
          if (!descend || filters.skipDir(name, relative)) continue;
          if (rootDev !== undefined && st.dev !== rootDev) continue;
          const real = realOf(path);
          if (real !== undefined) subfolder(real, relative, st);
        } else if (st.isFile() && !filters.skipFile(name, relative) && !filters.skipSize(Number(st.size))) {
          const real = realOf(path);
          if (real !== undefined) files.add(real, undefined, st, dir.root);
        }
      } else {
        report.special++;
      }
    }
  }
  return { files: files.finish(), ...report };
}

/**
 * One folder's entries, as a reader lists them: what each is, its name, and the lstat of files and folders.
 * Whatever reads the folder, `readFolders` decides alone what each entry is for the walk.
 */
export interface FolderListing {
  readonly count: number;
  /** Lists `folder`, replacing the previous listing; throws as `readdirSync` does. */
  list(folder: Buffer): void;
  kind(i: number): EntryKind;
  nameLength(i: number): number;
  /** Copies entry `i`'s name, as bytes, into `target` at `at`. */
  copyName(i: number, target: Buffer, at: number): void;
  /** The lstat of entry `i` (a file or folder), whose full path is `path`; throws as `lstatSync` does. */
  lstat(i: number, path: Buffer): RecordStat;
}

/** Lists folders through `ops` (readdir, then an lstat by full path): injected operations, or no native reader. */
class OpsListing implements FolderListing {
  readonly #ops: FileOps;
  #entries: Dirent<Buffer>[] = [];

  constructor(ops: FileOps) {
    this.#ops = ops;
  }

  get count(): number {
    return this.#entries.length;
  }

  list(folder: Buffer): void {
    this.#entries = this.#ops.readdir(folder);
  }

  kind(i: number): EntryKind {
    const entry = this.#entries[i]!;
    if (entry.isFile()) return ENTRY.file;
    if (entry.isDirectory()) return ENTRY.dir;
    return entry.isSymbolicLink() ? ENTRY.link : ENTRY.other;
  }

  nameLength(i: number): number {
    return this.#entries[i]!.name.length;
  }

  copyName(i: number, target: Buffer, at: number): void {
    this.#entries[i]!.name.copy(target, at);
  }

  lstat(_i: number, path: Buffer): RecordStat {
    return this.#ops.lstat(path);
  }
}

/** This thread's native listing, made on first use (its buffers are reused from folder to folder). */
let native: NativeListing | undefined;

/** The native reader for Node's own file operations, when it is built and not turned off; `ops` otherwise. */
function listingFor(ops: FileOps): FolderListing {
  if (ops !== nodeFileOps || walkReader().reader !== 'native') return new OpsListing(ops);
  return (native ??= new NativeListing());
}

function relativeOf(filters: Filters, parent: string, name: string): string {
  if (!filters.needsRelative) return '';
  return parent ? `${parent}/${name}` : name;
}

function skipsFile(filters: Filters, name: string, relative: string, own: string[] | undefined): boolean {
  if (filters.skipFile(name, relative)) return true;
  return own !== undefined && own.some((o) => name === o || name.startsWith(`${o}-`));
}
