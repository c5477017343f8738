import type { MessagePort } from 'node:worker_threads';
import type { WalkTask, WalkTaskResult } from '../scan/read-folders.js';
import type { HashAlgorithm } from './algorithms.js';

export type { WalkTask, WalkTaskResult };

/** The part of a file a hash covers: its first block, its last block, or all of it. */
export type HashRange = 'head' | 'tail' | 'full';

/** Bytes in a head or tail block. */
export const BLOCK_SIZE = 4096;

export interface HashItem {
  /** A path as a string, or its raw bytes when they are not UTF-8 (they arrive in the worker as Uint8Array). */
  path: string | Uint8Array;
  range: HashRange;
  /** What the walk saw; a file that no longer matches is reported as changed, never hashed into a group. */
  size: number;
  mtimeNs: bigint;
}

export interface HashTask {
  kind: 'hash';
  algorithm: HashAlgorithm;
  items: HashItem[];
  /** When reads are throttled: before each read the worker asks here for its bytes and waits for the answer. */
  throttle?: MessagePort;
  /** For a plugin's hasher: where the worker marks its calls into the plugin, for the pool's watchdog. */
  watch?: Int32Array;
}

/** What the pool's workers do: hash ranges of files, or read folders for the walk (see `readFolders`). */
export type PoolTask = HashTask | WalkTask;

export type HashOutcome =
  | { kind: 'hash'; hash: string; bytes: number }
  | { kind: 'changed'; bytes: number }
  | { kind: 'error'; code: string; message: string; bytes: number };

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
