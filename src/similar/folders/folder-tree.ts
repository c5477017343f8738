import type { KnownRows } from '../../catalog/store.js';
import { fromBytes, type FsPath } from '../../model/paths.js';

const SLASH = 0x2f;

/** A folder that holds files (directly or below it); `path` is its bytes, empty for `/`. */
export interface Folder {
  path: Buffer;
  /** Its parent's index, -1 for the top folder. */
  parent: number;
  depth: number;
  /** The files of its tree: indexes `start .. end - 1` (a tree is contiguous in path byte order). */
  start: number;
  end: number;
  /** At or under one of the roots asked about (every folder when none were given). */
  inScope: boolean;
}

/**
 * The files the folder search looks at and the folders that hold them, from the catalog's rows in path byte
 * order. Each file gets a content id: files with the same id have the same bytes.
 */
/** Per file (in path order): its device and inode, content id, size, and the folder directly holding it. */
interface FileColumns {
  dev: BigUint64Array;
  ino: BigUint64Array;
  content: Int32Array;
  size: Float64Array;
  folder: Int32Array;
}

export interface FolderTree extends FileColumns {
  fileCount: number;
  /** File `j`'s path is `pathBytes[pathStart[j]] .. pathBytes[pathStart[j + 1]]`. */
  pathBytes: Buffer;
  pathStart: Float64Array;
  /** Bytes of files `0 .. j - 1` at `j`: a tree's bytes without a loop. */
  bytesBefore: Float64Array;
  /** Folders in pre-order: a folder before what is in it, siblings in path order. */
  folders: Folder[];
  contentCount: number;
  /** Files with no full hash whose size another content has (see SimilarFolders.unconfirmed). */
  unconfirmed: number;
}

/**
 * Builds the tree. Content keys: the full hash with its algorithm and the size. A file with no full hash is
 * one whose size no other file of its scan shares, or whose first block or tail already told it apart (the
 * scan reads further only what still collides: src/dupes/candidates.ts `findDuplicateGroups`, called by
 * src/scan/scan.ts), or one that could not be read: its content is taken as its own, keyed by its device and
 * inode so that its hard links share it. Empty files are one content when `includeEmpty`, else left out, as
 * `dupes` does (src/dupes/candidates.ts, src/catalog/groups.ts).
 */
export function buildFolderTree(
  chunks: Iterable<KnownRows>,
  roots: readonly string[],
  includeEmpty: boolean,
): FolderTree {
  const contents = new ContentIds();
  const unhashed: number[] = [];
  const folders: Folder[] = [];
  const scope = new Set(roots.map(rootKey));
  const stack: number[] = [];
  const kept = new KeptColumns();
  let count = 0;
  let pathBytes: Buffer = Buffer.alloc(0);

  const open = (path: Buffer, parent: number): number => {
    const parentFolder = parent < 0 ? undefined : folders[parent]!;
    folders.push({
      path,
      parent,
      depth: parentFolder === undefined ? 0 : parentFolder.depth + 1,
      start: count,
      end: count,
      inScope: scope.size === 0 || parentFolder?.inScope === true || scope.has(path.toString('latin1')),
    });
    stack.push(folders.length - 1);
    return folders.length - 1;
  };
  const close = (): void => {
    folders[stack.pop()!]!.end = count;
  };
  /** The folder of the path at `s` whose folder part is `dirLength` bytes long: opened as the walk reaches it. */
  const enter = (s: number, dirLength: number): number => {
    if (stack.length === 0) open(Buffer.alloc(0), -1);
    for (;;) {
      const top = folders[stack[stack.length - 1]!]!.path;
      const length = top.length;
      const holds =
        length === 0 ||
        (length <= dirLength &&
          (length === dirLength || pathBytes[s + length] === SLASH) &&
          pathBytes.compare(top, 0, length, s, s + length) === 0);
      if (holds) break;
      close();
    }
    let at = folders[stack[stack.length - 1]!]!.path.length;
    while (at < dirLength) {
      const slash = pathBytes.indexOf(SLASH, s + at + 1);
      const end = slash < 0 || slash >= s + dirLength ? dirLength : slash - s;
      open(Buffer.from(pathBytes.subarray(s, s + end)), stack[stack.length - 1]!);
      at = end;
    }
    return stack[stack.length - 1]!;
  };

  for (const rows of chunks) {
    pathBytes = Buffer.from(rows.paths.buffer, rows.paths.byteOffset, rows.paths.byteLength);
    kept.chunk(rows);
    for (let i = 0; i < rows.count; i++) {
      const bytes = rows.size[i]!;
      if (bytes === 0 && !includeEmpty) continue;
      const s = rows.pathStart[i]!;
      const e = rows.pathStart[i + 1]!;
      const slash = pathBytes.lastIndexOf(SLASH, e - 1);
      if (slash < s) continue; // not an absolute path: the catalog holds none
      const algorithm = rows.algorithm[i] ?? null;
      const full = rows.full[i] ?? null;
      let content: number;
      if (bytes === 0) content = contents.empty();
      else if (algorithm !== null && full !== null) content = contents.hashed(algorithm, bytes, full);
      else {
        content = contents.inode(`${rows.dev[i]!}:${rows.ino[i]!}`);
        unhashed.push(count);
      }
      kept.add(i, enter(s, slash - s), content);
      count++;
    }
  }
  while (stack.length > 0) close();

  const columns = kept.columns();
  const bytesBefore = new Float64Array(count + 1);
  for (let j = 0; j < count; j++) bytesBefore[j + 1] = bytesBefore[j]! + columns.size[j]!;
  return {
    fileCount: count,
    ...columns,
    bytesBefore,
    folders,
    contentCount: contents.count,
    unconfirmed: unconfirmedCount(unhashed, columns.content, columns.size),
  };
}

/** The files in a folder's tree. */
export function filesOf(tree: FolderTree, f: number): number {
  return tree.folders[f]!.end - tree.folders[f]!.start;
}

/** The bytes of files `start .. end - 1`. */
export function bytesOf(tree: FolderTree, start: number, end: number): number {
  return tree.bytesBefore[end]! - tree.bytesBefore[start]!;
}

/** A folder's path as nodupe shows paths. */
export function folderPath(tree: FolderTree, f: number): FsPath {
  const path = tree.folders[f]!.path;
  return path.length === 0 ? '/' : fromBytes(path);
}

/** A file's path relative to folder `f` (which holds it). */
export function relativePath(tree: FolderTree, f: number, j: number): FsPath {
  const s = tree.pathStart[j]! + tree.folders[f]!.path.length + 1;
  return fromBytes(tree.pathBytes.subarray(s, tree.pathStart[j + 1]));
}

/** The last part of a path, bytes read as Latin-1 (one character a byte: their order is the bytes' order). */
export function nameKey(bytes: Buffer, end: number): string {
  return bytes.toString('latin1', bytes.lastIndexOf(SLASH, end - 1) + 1, end);
}

/** A root as a folder's path bytes (Latin-1), without a trailing slash; `/` is the top folder's empty path. */
function rootKey(root: string): string {
  let end = root.length;
  while (end > 0 && root[end - 1] === '/') end--;
  return Buffer.from(root.slice(0, end)).toString('latin1');
}

/** Content ids: one per full hash (with its algorithm and size), one per unhashed inode, one for empty files. */
class ContentIds {
  count = 0;
  readonly #byHash = new Map<string, number>();
  readonly #sizes: number[] = [];
  readonly #algorithms: string[] = [];
  readonly #other = new Map<string, number>();
  #empty = -1;

  hashed(algorithm: string, size: number, full: string): number {
    const id = this.#byHash.get(full);
    if (id === undefined) {
      this.#byHash.set(full, this.count);
      this.#sizes.push(size);
      this.#algorithms.push(algorithm);
      return this.count++;
    }
    if (this.#sizes[id] === size && this.#algorithms[id] === algorithm) return id;
    // The same hash text with another algorithm or size: another content (rare enough for a longer key).
    return this.#id(`${algorithm}\0${size}\0${full}`);
  }

  inode(key: string): number {
    return this.#id(`inode\0${key}`);
  }

  empty(): number {
    if (this.#empty < 0) this.#empty = this.#new();
    return this.#empty;
  }

  #id(key: string): number {
    let id = this.#other.get(key);
    if (id === undefined) this.#other.set(key, (id = this.#new()));
    return id;
  }

  #new(): number {
    this.#sizes.push(-1);
    this.#algorithms.push('');
    return this.count++;
  }
}

/** How many of the unhashed files have a size that another content has too. */
function unconfirmedCount(unhashed: number[], content: Int32Array, size: Float64Array): number {
  if (unhashed.length === 0) return 0;
  const MANY = -2;
  const seen = new Map<number, number>();
  for (const j of unhashed) seen.set(size[j]!, -1);
  for (let j = 0; j < size.length; j++) {
    const state = seen.get(size[j]!);
    if (state === undefined || state === MANY) continue;
    seen.set(size[j]!, state === -1 || state === content[j] ? content[j]! : MANY);
  }
  return unhashed.filter((j) => seen.get(size[j]!) === MANY).length;
}

/** What the search keeps of each chunk's files (only those it takes), once the chunk is gone; joined at the end. */
class KeptColumns {
  readonly #done: KeptColumn[] = [];
  #chunk: KeptColumn | undefined;
  #rows: KnownRows | undefined;

  /** Starts keeping files of `rows`. */
  chunk(rows: KnownRows): void {
    this.#end();
    this.#rows = rows;
    this.#chunk = {
      count: 0,
      from: new Float64Array(rows.count),
      paths: Buffer.alloc(0),
      pathStart: new Float64Array(rows.count + 1),
      dev: new BigUint64Array(rows.count),
      ino: new BigUint64Array(rows.count),
      content: new Int32Array(rows.count),
      size: new Float64Array(rows.count),
      folder: new Int32Array(rows.count),
    };
  }

  add(i: number, folder: number, content: number): void {
    const rows = this.#rows!;
    const kept = this.#chunk!;
    const k = kept.count++;
    kept.from[k] = i;
    kept.dev[k] = rows.dev[i]!;
    kept.ino[k] = rows.ino[i]!;
    kept.content[k] = content;
    kept.size[k] = rows.size[i]!;
    kept.folder[k] = folder;
  }

  columns(): Pick<FolderTree, 'pathBytes' | 'pathStart' | 'dev' | 'ino' | 'content' | 'size' | 'folder'> {
    this.#end();
    const count = this.#done.reduce((n, c) => n + c.count, 0);
    const pathStart = new Float64Array(count + 1);
    const all = {
      pathBytes: Buffer.concat(this.#done.map((c) => c.paths)),
      pathStart,
      dev: new BigUint64Array(count),
      ino: new BigUint64Array(count),
      content: new Int32Array(count),
      size: new Float64Array(count),
      folder: new Int32Array(count),
    };
    let at = 0;
    let byte = 0;
    for (const c of this.#done) {
      for (const key of ['dev', 'ino', 'content', 'size', 'folder'] as const) {
        (all[key] as Float64Array).set(c[key].subarray(0, c.count) as Float64Array, at);
      }
      for (let k = 1; k <= c.count; k++) pathStart[at + k] = byte + c.pathStart[k]!;
      at += c.count;
      byte += c.paths.length;
    }
    return all;
  }

  /** Copies the kept files' paths out of the chunk, which can then go. */
  #end(): void {
    const kept = this.#chunk;
    const rows = this.#rows;
    if (kept === undefined || rows === undefined) return;
    let length = 0;
    for (let k = 0; k < kept.count; k++) {
      const i = kept.from[k]!;
      length += rows.pathStart[i + 1]! - rows.pathStart[i]!;
    }
    kept.paths = Buffer.allocUnsafe(length);
    let at = 0;
    for (let k = 0; k < kept.count; k++) {
      const i = kept.from[k]!;
      at += Buffer.from(rows.paths.buffer, rows.paths.byteOffset, rows.paths.byteLength).copy(
        kept.paths,
        at,
        rows.pathStart[i],
        rows.pathStart[i + 1],
      );
      kept.pathStart[k + 1] = at;
    }
    this.#done.push(kept);
    this.#chunk = undefined;
    this.#rows = undefined;
  }
}

interface KeptColumn extends FileColumns {
  count: number;
  /** The row each kept file came from, in its chunk. */
  from: Float64Array;
  paths: Buffer;
  pathStart: Float64Array;
}
