import type { MessagePort } from 'node:worker_threads';
import type { ArchiveCaps } from '../archive/listing.js';
import type { FsPath } from '../model/paths.js';
import type { WalkTask, WalkTaskResult } from '../model/walk-task.js';
import type { HashAlgorithm } from './algorithms.js';

export type { WalkTask, WalkTaskResult };

/** The part of a file a hash covers: its first block, its last block, or all of it. */
export type HashRange = 'head' | 'tail' | 'full';

/** Bytes in a head or tail block. */
export const BLOCK_SIZE = 4096;

/**
 * The files of one hashing task, in columns: path `i` is the bytes `paths[pathStart[i]] .. paths[pathStart[i + 1]]`,
 * with the size and mtime the walk saw (a file that no longer matches is reported as changed, never hashed into a
 * group). Each column's buffer is its own and may be longer than `count`: the batch moves to its worker by transfer.
 */
export interface HashFiles {
  count: number;
  paths: Uint8Array;
  /** `count + 1` offsets into `paths`. */
  pathStart: Uint32Array;
  size: Float64Array;
  mtimeNs: BigInt64Array;
}

export interface HashTask {
  kind: 'hash';
  algorithm: HashAlgorithm;
  /** The one range every file of the task is hashed by. */
  range: HashRange;
  files: HashFiles;
  /** When reads are throttled: before each read the worker asks here for its bytes and waits for the answer. */
  throttle?: MessagePort;
  /** For a plugin's hasher: where the worker marks its calls into the plugin, for the pool's watchdog. */
  watch?: Int32Array;
}

/**
 * Archives to list in a worker (see `readArchive`): each read without extracting, its members hashed by
 * `algorithm`, with the size and mtime the walk saw (an archive that no longer matches is reported as changed).
 */
export interface ArchiveTask {
  kind: 'archive';
  algorithm: HashAlgorithm;
  files: { path: FsPath; size: number; mtimeNs: bigint; dev?: bigint; ino?: bigint }[];
  caps: ArchiveCaps;
  /** When reads are throttled: the stored bytes of each read are asked for here first (as a hash task's). */
  throttle?: MessagePort;
  /** For a plugin's hasher: where the worker marks its calls into the plugin (as a hash task's). */
  watch?: Int32Array;
}

/** What the pool's workers do: hash ranges of files, read folders for the walk (see `readFolders`), list archives. */
export type PoolTask = HashTask | WalkTask | ArchiveTask;

/** What became of a file, in {@link HashResults.kind}. */
export const Outcome = { hash: 0, changed: 1, error: 2 } as const;

/** A file that could not be hashed: its index in the task, and why. */
export interface HashError {
  index: number;
  code: string;
  message: string;
}

/**
 * The answer to a hashing task, in columns, moved back from the worker: per file `i`, what became of it
 * (`kind[i]`, an {@link Outcome}), the bytes read, and its hash (`hash[i]`, empty unless `kind[i]` is
 * `Outcome.hash`). The few files that failed are listed in `errors`, in file order.
 */
export interface HashResults {
  count: number;
  kind: Uint8Array;
  bytes: Float64Array;
  hash: string[];
  /**
   * The type detected from the file's first bytes (see `detectType`), for a range read from its start (a head,
   * a small file read whole); '' when none was read there or no signature matched.
   */
  type: string[];
  errors: HashError[];
}

/** The error code of a path that is no longer a regular file (a fifo, a folder, a device, an unfollowed link). */
export const NOT_REGULAR = 'ENOTREG';

/** Where a range starts and how long it is, for a file of `size` bytes. */
export function rangeSpan(range: HashRange, size: number): { offset: number; length: number } {
  switch (range) {
    case 'head':
      return { offset: 0, length: Math.min(size, BLOCK_SIZE) };
    case 'tail': {
      const length = Math.min(size, BLOCK_SIZE);
      return { offset: size - length, length };
    }
    case 'full':
      return { offset: 0, length: size };
  }
}
