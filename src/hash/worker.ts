// The hashing worker: runs in the worker pool's threads. Each task is a batch of ranges of files to hash.
import { closeSync, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { hasherFor, type HashAlgorithm, type HashState } from './algorithms.js';
import { rangeSpan, type HashItem, type HashOutcome, type HashTask } from './task.js';

/** One large read buffer per worker, reused by every read of every task. */
const CHUNK = 1 << 20;
const buffer = Buffer.allocUnsafe(CHUNK);
const states = new Map<HashAlgorithm, HashState>();

type Budget = (bytes: number) => Promise<void>;

export default async function hashBatch(task: HashTask): Promise<HashOutcome[]> {
  let state = states.get(task.algorithm);
  if (!state) {
    state = await hasherFor(task.algorithm).create();
    states.set(task.algorithm, state);
  }
  const budget = task.throttle ? portBudget(task.throttle) : undefined;
  const outcomes: HashOutcome[] = [];
  for (const item of task.items) outcomes.push(await hashItem(item, state, budget));
  return outcomes;
}

async function hashItem(item: HashItem, state: HashState, budget: Budget | undefined): Promise<HashOutcome> {
  let fd: number;
  try {
    const path =
      typeof item.path === 'string'
        ? item.path
        : Buffer.from(item.path.buffer, item.path.byteOffset, item.path.byteLength);
    fd = openSync(path, 'r');
  } catch (error) {
    return failure(error, 0);
  }
  let bytes = 0;
  try {
    // A file written to while it is read is read once more; if it changes again, it is reported, not grouped.
    for (let attempt = 0; attempt < 2; attempt++) {
      const before = fstatSync(fd, { bigint: true });
      if (Number(before.size) !== item.size || before.mtimeNs !== item.mtimeNs)
        return { kind: 'changed', bytes };
      const { offset, length } = rangeSpan(item.range, item.size);
      state.reset();
      for (let done = 0; done < length;) {
        const want = Math.min(CHUNK, length - done);
        if (budget) await budget(want);
        const got = readSync(fd, buffer, 0, want, offset + done);
        if (got === 0) break;
        bytes += got;
        done += got;
        state.update(got === CHUNK ? buffer : buffer.subarray(0, got));
      }
      if (same(before, fstatSync(fd, { bigint: true }))) return { kind: 'hash', hash: state.digest(), bytes };
    }
    return { kind: 'changed', bytes };
  } catch (error) {
    return failure(error, bytes);
  } finally {
    closeSync(fd);
  }
}

function same(a: BigIntStats, b: BigIntStats): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

function failure(error: unknown, bytes: number): HashOutcome {
  const e = error as NodeJS.ErrnoException;
  return { kind: 'error', code: e.code ?? 'EIO', message: e.message, bytes };
}

/** Asks the main thread's rate limiter for `bytes` through the task's port and waits for the grant. */
function portBudget(port: MessagePort): Budget {
  return (bytes) =>
    new Promise<void>((resolve) => {
      port.once('message', () => resolve());
      port.postMessage(bytes);
    });
}
