import { abortErrorFrom } from '../core/errors.js';
import { handledLater } from '../core/handled-later.js';
import { HashBatch } from './hash-batch.js';
import type { HashPool } from './hash-pool.js';
import type { HashFiles, HashRange, HashResults } from './task.js';

/**
 * Hashes one range of each file through the pool, in batches of at most 256 files and 8 MiB, as the scan and
 * verify's checksums both do. `addFile` puts each file into the batch being built (its path, size and mtime, in
 * columns); submitting waits while the pool is full; `onBatch` is given each batch's files and results as the
 * batch comes back (the results in the order of its files). Resolves when every result is in; rejects with the first failure of the pool (or
 * the abort of `signal`).
 */
export async function hashInBatches<T>(
  pool: HashPool,
  range: HashRange,
  files: Iterable<T>,
  addFile: (batch: HashBatch, file: T) => void,
  onBatch: (files: T[], results: HashResults) => void,
  signal?: AbortSignal,
): Promise<void> {
  const results: Promise<void>[] = [];
  const batch = new HashBatch(range);
  let members: T[] = [];
  const send = async (columns: HashFiles, sent: T[]): Promise<void> => {
    if (signal?.aborted) throw abortErrorFrom(signal);
    const { result } = await pool.submit(range, columns);
    results.push(handledLater(result.then((outcome) => onBatch(sent, outcome))));
  };
  for (const file of files) {
    addFile(batch, file);
    const full = batch.takeFull();
    if (full) {
      // The file just added starts the next batch.
      const sent = members;
      members = [file];
      await send(full, sent);
    } else {
      members.push(file);
    }
  }
  const last = batch.finish();
  if (last) await send(last, members);
  await Promise.all(results);
}
