// The hashing worker: runs in the worker pool's threads. Each task is a batch of ranges of files to hash.
import { closeSync, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import { workerData, type MessagePort } from 'node:worker_threads';
import type { HashAlgorithm } from './algorithms.js';
import { createHashState, type HashState } from './hashers.js';
import { rangeSpan, type HashItem, type HashOutcome, type HashTask } from './task.js';

/** One large read buffer per worker, reused by every read of every task. */
const CHUNK = 1 << 20;
const buffer = Buffer.allocUnsafe(CHUNK);
const states = new Map<HashAlgorithm, HashState>();

// The pool names the algorithm it will use (and, for a plugin's hasher, its module), so the hasher loads while
// the worker starts, not at the first task.
const setup = workerData as { algorithm?: HashAlgorithm; module?: string } | undefined;
if (setup?.algorithm) states.set(setup.algorithm, await createHashState(setup.algorithm, setup.module));

type Budget = (bytes: number) => Promise<void>;

export default async function hashBatch(task: HashTask): Promise<HashOutcome[]> {
  let state = states.get(task.algorithm);
  if (!state) {
    state = await createHashState(task.algorithm);
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
    fd = openSync(pathOf(item), 'r');
  } catch (error) {
    return failure(error, 0);
  }
  // A hash that stands for the whole content is checked against what the walk saw, after the read: a file
  // written to meanwhile is read once more, and if it still does not match, reported, never grouped. Head and
  // tail hashes only narrow the field (every group ends with whole-content hashes), so they skip the fstat.
  const { offset, length } = rangeSpan(item.range, item.size);
  const whole = offset === 0 && length === item.size;
  let bytes = 0;
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
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
      if (!whole || unchanged(fstatSync(fd, { bigint: true }), item)) {
        return { kind: 'hash', hash: state.digest(), bytes };
      }
    }
    return { kind: 'changed', bytes };
  } catch (error) {
    return failure(error, bytes);
  } finally {
    closeSync(fd);
  }
}

function pathOf(item: HashItem): string | Buffer {
  const p = item.path;
  return typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

function unchanged(st: BigIntStats, item: HashItem): boolean {
  return Number(st.size) === item.size && st.mtimeNs === item.mtimeNs;
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
