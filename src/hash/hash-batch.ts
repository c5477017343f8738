import { halvesOf } from '../model/records.js';
import { toBytes, type FsPath } from '../model/paths.js';
import { BLOCK_SIZE, type HashFiles, type HashRange } from './task.js';

/** Files and bytes per hashing task: enough to make a task worth sending, few enough to spread the load. */
const BATCH_FILES = 256;
const BATCH_BYTES = 8 << 20;
/** Path bytes a new batch makes room for at first (it grows by doubling). */
const PATH_BYTES = BATCH_FILES * 64;

/**
 * Builds the hashing tasks of one range in columns (see {@link HashFiles}), a file at a time, with no object
 * per file. A batch is full at 256 files, or when the next file's range would take it past 8 MiB (a batch of
 * one larger file excepted): that file starts the next batch, and the full one waits in `takeFull()`.
 */
export class HashBatch {
  readonly range: HashRange;
  #files = newFiles();
  #mtimeH = halvesOf(this.#files.mtimeNs);
  /** Bytes of content the batch's ranges cover. */
  #bytes = 0;
  #full: HashFiles | undefined;

  constructor(range: HashRange) {
    this.range = range;
  }

  get count(): number {
    return this.#files.count;
  }

  /** Adds a file: its path (a string, or raw bytes), and the size and mtime the walk saw. */
  add(path: FsPath | Uint8Array, size: number, mtimeNs: bigint): void {
    const bytes = typeof path === 'string' ? toBytes(path) : path;
    const i = this.#next(size, bytes.length);
    const files = this.#files;
    files.paths.set(bytes, files.pathStart[i]);
    files.mtimeNs[i] = mtimeNs;
  }

  /**
   * Adds a file straight from a table in columns, making nothing on the way: its path is `arena[start..end]`,
   * its mtime the 64-bit value `at` of `mtimeHalves` (32-bit halves, low first, see `halvesOf`).
   */
  addFrom(
    arena: Uint8Array,
    start: number,
    end: number,
    size: number,
    mtimeHalves: Uint32Array,
    at: number,
  ): void {
    const i = this.#next(size, end - start);
    const out = this.#files.paths;
    let to = this.#files.pathStart[i]!;
    for (let k = start; k < end; k++) out[to++] = arena[k]!;
    this.#mtimeH[2 * i] = mtimeHalves[2 * at]!;
    this.#mtimeH[2 * i + 1] = mtimeHalves[2 * at + 1]!;
  }

  /** The batch that the last file filled, once; undefined while none is full. */
  takeFull(): HashFiles | undefined {
    const full = this.#full;
    this.#full = undefined;
    return full;
  }

  /** The batch being filled, if it has files (then a new one starts). */
  finish(): HashFiles | undefined {
    if (this.#files.count === 0) return undefined;
    const files = this.#files;
    this.#restart();
    return files;
  }

  /** Makes room for one more file (sending the batch on when it is full) and returns its index. */
  #next(size: number, pathLength: number): number {
    const length = this.range === 'full' ? size : Math.min(size, BLOCK_SIZE);
    if (this.#files.count > 0 && (this.#files.count === BATCH_FILES || this.#bytes + length > BATCH_BYTES)) {
      if (this.#full) throw new Error('HashBatch: takeFull() was not called after the last add');
      this.#full = this.#files;
      this.#restart();
    }
    const files = this.#files;
    const i = files.count++;
    const start = files.pathStart[i]!;
    if (start + pathLength > files.paths.length) {
      const paths = new Uint8Array(Math.max(files.paths.length * 2, start + pathLength));
      paths.set(files.paths.subarray(0, start));
      files.paths = paths;
    }
    files.pathStart[i + 1] = start + pathLength;
    files.size[i] = size;
    this.#bytes += length;
    return i;
  }

  #restart(): void {
    this.#files = newFiles();
    this.#mtimeH = halvesOf(this.#files.mtimeNs);
    this.#bytes = 0;
  }
}

/** Empty columns for a batch, each with a buffer of its own (the batch moves to its worker by transfer). */
function newFiles(): HashFiles {
  return {
    count: 0,
    paths: new Uint8Array(PATH_BYTES),
    pathStart: new Uint32Array(BATCH_FILES + 1),
    size: new Float64Array(BATCH_FILES),
    mtimeNs: new BigInt64Array(BATCH_FILES),
  };
}

/** The buffers of a batch's columns, to move it to a worker instead of copying it. */
export function hashFilesBuffers(files: HashFiles): ArrayBuffer[] {
  return [files.paths, files.pathStart, files.size, files.mtimeNs].map((c) => c.buffer as ArrayBuffer);
}
