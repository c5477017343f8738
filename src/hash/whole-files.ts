import type { Clock } from '../core/clock.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { isBuiltinHashAlgorithm, type HashAlgorithm } from './algorithms.js';
import { hashInBatches } from './batch-hasher.js';
import type { HashBatch } from './hash-batch.js';
import type { HashResults } from './task.js';
import type { FsPath } from '../model/paths.js';

/** Which hashers are known: a built-in one, or a plugin's (by the module its workers load). */
export type HasherLookup = (algorithm: string) => {
  known: boolean;
  module: string | undefined;
  plugin?: string;
};

export interface WholeFileHashing {
  algorithm: HashAlgorithm;
  /** Built-ins only by default. */
  hasher?: HasherLookup | undefined;
  /** How long one call into a plugin's hasher may run (see `HashPoolOptions`). */
  hasherTimeLimitMs?: number | undefined;
  clock?: Clock | undefined;
  threads?: number | undefined;
  limiter?: RateLimiter | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Hashes the whole content of each file by `options.algorithm`, in the hashing workers, in batches (see
 * `hashInBatches`: `onBatch` is given each batch's files and results). The pool is closed after, or destroyed
 * when hashing fails. Returns false, reading nothing, when no hasher of the algorithm is known.
 */
export async function hashWholeFiles<T extends { path: FsPath; size: number; mtimeNs: bigint }>(
  files: readonly T[],
  options: WholeFileHashing,
  onBatch: (files: T[], results: HashResults) => void,
): Promise<boolean> {
  const { algorithm, hasher: lookup, hasherTimeLimitMs, clock, threads, limiter, signal } = options;
  const hasher = lookup?.(algorithm) ?? { known: isBuiltinHashAlgorithm(algorithm), module: undefined };
  if (!hasher.known) return false;
  // Loaded when first needed: a command that reads no file starts no workers.
  const { HashPool } = await import('./hash-pool.js');
  const pool = new HashPool({
    algorithm,
    ...(hasher.module === undefined ? {} : { module: hasher.module }),
    ...(hasher.plugin === undefined ? {} : { plugin: hasher.plugin }),
    ...(hasherTimeLimitMs === undefined ? {} : { hasherTimeLimitMs }),
    ...(clock === undefined ? {} : { clock }),
    ...(threads === undefined ? {} : { threads }),
    ...(limiter === undefined ? {} : { limiter }),
    ...(signal === undefined ? {} : { signal }),
  });
  try {
    await hashInBatches(pool, 'full', files, addWhole, onBatch, signal);
    await pool.close();
  } catch (error) {
    await pool.destroy();
    throw error;
  }
  return true;
}

function addWhole(batch: HashBatch, f: { path: FsPath; size: number; mtimeNs: bigint }): void {
  batch.add(f.path, f.size, f.mtimeNs);
}
