import { abortErrorFrom } from '../core/errors.js';
import { handledLater } from '../core/handled-later.js';
import type { HashPool } from './hash-pool.js';
import { rangeSpan, type HashItem, type HashOutcome } from './task.js';

/** Items and bytes per hashing task: enough to make a task worth sending, few enough to spread the load. */
const BATCH_ITEMS = 256;
const BATCH_BYTES = 8 << 20;

/**
 * Hashes a range of each file through the pool, in batches of at most 256 items and 8 MiB, as the scan and
 * verify's checksums both do. Submitting waits while the pool is full; `onBatch` is given each batch's files
 * and outcomes, in order, as each comes back. Resolves when every outcome is in; rejects with the first failure
 * of the pool (or the abort of `signal`).
 */
export async function hashInBatches<T>(
  pool: HashPool,
  files: Iterable<T>,
  itemOf: (file: T) => HashItem,
  onBatch: (files: T[], outcomes: HashOutcome[]) => void,
  signal?: AbortSignal,
): Promise<void> {
  const results: Promise<void>[] = [];
  let batch: T[] = [];
  let items: HashItem[] = [];
  let bytes = 0;
  const send = async (): Promise<void> => {
    if (signal?.aborted) throw abortErrorFrom(signal);
    const sent = batch;
    const { result } = await pool.submit(items);
    results.push(handledLater(result.then((outcomes) => onBatch(sent, outcomes))));
    batch = [];
    items = [];
    bytes = 0;
  };
  for (const file of files) {
    const item = itemOf(file);
    const length = rangeSpan(item.range, item.size).length;
    if (items.length > 0 && (items.length >= BATCH_ITEMS || bytes + length > BATCH_BYTES)) await send();
    batch.push(file);
    items.push(item);
    bytes += length;
  }
  if (items.length > 0) await send();
  await Promise.all(results);
}
