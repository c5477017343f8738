import { setImmediate as turn } from 'node:timers/promises';
import { abortErrorFrom } from '../core/errors.js';
import { isBuiltinHashAlgorithm, type BuiltinHashAlgorithm } from '../hash/algorithms.js';
import { createHashState } from '../hash/hashers.js';
import type { PreviewFile } from './previews-read.js';

/** The catalog's full hash of a file, when the server can check bytes against it. */
export interface CheckableHash {
  hash: string;
  algorithm: BuiltinHashAlgorithm;
}

/**
 * The hash a thumbnail of `file` is kept under, when there is one to check: a full hash by a built-in algorithm.
 * A file never fully hashed has none, and a plugin's hasher runs only in the hashing workers (under their
 * watch), never in the server: such a file's thumbnail is made each time, uncached.
 */
export function checkableHash(file: PreviewFile): CheckableHash | undefined {
  const { hash, hashAlgorithm: algorithm } = file;
  if (hash === undefined || algorithm === undefined || !isBuiltinHashAlgorithm(algorithm)) return undefined;
  return { hash, algorithm };
}

/** Bytes hashed between two turns of the event loop: the server answers other requests meanwhile. */
const SLICE_BYTES = 1 << 20;

/**
 * Whether `bytes` hash to the catalog's hash, by the hasher the scan used (the same `createHashState`). This is
 * what lets a thumbnail be cached under the hash: the bytes decoded are the bytes hashed, so a file rewritten
 * after it was opened, or anything else put there, can never be cached (or shown) as the catalog's content.
 * An abort is thrown.
 */
export async function hasHash(
  bytes: Uint8Array,
  want: CheckableHash,
  signal?: AbortSignal,
): Promise<boolean> {
  const state = await createHashState(want.algorithm);
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
    if (signal?.aborted) throw abortErrorFrom(signal);
    state.update(bytes.subarray(at, at + SLICE_BYTES));
    if (at + SLICE_BYTES < bytes.length) await turn();
  }
  return state.digest() === want.hash;
}
