// The hashing worker: runs in the worker pool's threads. Each task is one range of a batch of files, in columns.
import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import { workerData } from 'node:worker_threads';
import type { ArchiveListing } from '../archive/listing.js';
import { moveResult } from '../core/worker-pool.js';
import { resolveOwnApi } from '../plugins/own-api.js';
import { detectType, TYPE_HEAD_BYTES } from '../types/detect.js';
import type { HashAlgorithm } from './algorithms.js';
import { inAsyncCall, markItem, watchedState } from './call-watch.js';
import { createHashState, type HashState } from './hashers.js';
import { portBudget } from './throttle-port.js';
import {
  NOT_REGULAR,
  Outcome,
  rangeSpan,
  type ArchiveTask,
  type HashFiles,
  type HashRange,
  type HashResults,
  type HashTask,
  type PoolTask,
  type WalkTaskResult,
} from './task.js';

/** One large read buffer per worker, reused by every read of every task. */
const CHUNK = 1 << 20;
const buffer = Buffer.allocUnsafe(CHUNK);
const states = new Map<HashAlgorithm, HashState>();

const setup = workerData as
  | { algorithm?: HashAlgorithm; module?: string; followSymlinks?: boolean; bytesRead?: BigInt64Array }
  | undefined;
/** Where the pool reads progress from (see ReadMeter): every read adds its length, with one atomic add. */
const bytesRead = setup?.bytesRead;
// A user's file is opened without blocking (a fifo put where a file was would otherwise wait for a writer
// forever, and no signal can end a thread stuck in open) and, unless the scan follows links, without following
// a final link; whatever opened is then checked to be a regular file before a byte is read.
const OPEN_FLAGS =
  constants.O_RDONLY | constants.O_NONBLOCK | (setup?.followSymlinks === true ? 0 : constants.O_NOFOLLOW);

// The pool names the algorithm it will use, so the hasher loads while the worker starts, not at the first task.
// A plugin's module is imported here (its plugin's load already ran it once, under the load time limit); its
// state is made in the first task, where the pool's watchdog times the call. It may import `nodupe/plugin`.
// No top-level await: the pool loads this module with require() first, which must then finish at once (on
// Node 20, a require racing the import() of a module still being linked aborts the whole process).
const ready: Promise<void> = (async () => {
  if (setup?.module !== undefined) {
    resolveOwnApi();
    await import(setup.module);
  } else if (setup?.algorithm) states.set(setup.algorithm, await createHashState(setup.algorithm));
})();
// Its failure is the first task's to report (below); until then it is not an unhandled rejection.
ready.catch(() => undefined);

type Budget = (bytes: number) => Promise<void>;

/** A task of either kind; the walk's code loads on the first walk task, so a pool that only hashes never loads it. */
export default async function runTask(
  task: PoolTask,
): Promise<HashResults | WalkTaskResult | ArchiveListing[]> {
  if (task.kind === 'walk') return (await import('../scan/walk-thread.js')).readFoldersInThread(task);
  if (task.kind === 'archive') return listArchives(task);
  return hashBatch(task);
}

/** Archives, read as the hash tasks read files (same throttle, meter and link rule); their code loads on first use. */
async function listArchives(task: ArchiveTask): Promise<ArchiveListing[]> {
  await ready;
  const { readArchivesInThread } = await import('../archive/read-in-thread.js');
  const module = task.algorithm === setup?.algorithm ? setup.module : undefined;
  return readArchivesInThread(task, { module, followSymlinks: setup?.followSymlinks === true, bytesRead });
}

async function hashBatch(task: HashTask): Promise<HashResults> {
  await ready;
  const watch = task.watch;
  let state = states.get(task.algorithm);
  if (!state) {
    const module = task.algorithm === setup?.algorithm ? setup.module : undefined;
    const make = () => createHashState(task.algorithm, module);
    state = watch ? await inAsyncCall(watch, 'createHashState', make) : await make();
    states.set(task.algorithm, state);
  }
  // Picked once per task: a plugin's state has each call marked for the watchdog; a built-in one runs bare.
  const hasher = watch ? watchedState(state, watch) : state;
  const budget = task.throttle ? portBudget(task.throttle) : undefined;
  const { files, range } = task;
  const kind = new Uint8Array(files.count);
  const bytes = new Float64Array(files.count);
  const out: HashResults = {
    count: files.count,
    kind,
    bytes,
    hash: new Array<string>(files.count).fill(''),
    type: new Array<string>(files.count).fill(''),
    errors: [],
  };
  for (let i = 0; i < files.count; i++) {
    if (watch) markItem(watch, i);
    await hashItem(files, i, range, hasher, budget, out);
  }
  // The columns move back to the main thread; the hashes and the few errors are copied.
  return moveResult(out, [kind.buffer, bytes.buffer]);
}

/** Hashes `range` of file `i` of `files`; what became of it goes to row `i` of `out`. */
async function hashItem(
  files: HashFiles,
  i: number,
  range: HashRange,
  state: HashState,
  budget: Budget | undefined,
  out: HashResults,
): Promise<void> {
  let fd: number;
  try {
    fd = openSync(pathOf(files, i), OPEN_FLAGS);
  } catch (error) {
    return failure(out, i, error, 0);
  }
  // A hash that stands for the whole content is checked against what the walk saw, after the read: a file
  // written to meanwhile is read once more, and if it still does not match, reported, never grouped. Head and
  // tail hashes only narrow the field (every group ends with whole-content hashes), so they skip that check.
  const size = files.size[i]!;
  const { offset, length } = rangeSpan(range, size);
  const whole = offset === 0 && length === size;
  let bytes = 0;
  try {
    if (!fstatSync(fd).isFile()) return notRegular(out, i, 0);
    for (let attempt = 0; attempt < 2; attempt++) {
      state.reset();
      for (let done = 0; done < length;) {
        const want = Math.min(CHUNK, length - done);
        if (budget) await budget(want);
        const got = readSync(fd, buffer, 0, want, offset + done);
        if (got === 0) break;
        bytes += got;
        done += got;
        if (bytesRead) Atomics.add(bytesRead, 0, BigInt(got));
        // The type comes from the bytes the hash reads anyway: the first chunk of a range that starts the file.
        if (offset === 0 && done === got)
          out.type[i] = detectType(buffer.subarray(0, Math.min(got, TYPE_HEAD_BYTES))) ?? '';
        state.update(got === CHUNK ? buffer : buffer.subarray(0, got));
      }
      if (!whole || unchanged(fstatSync(fd, { bigint: true }), size, files.mtimeNs[i]!)) {
        out.kind[i] = Outcome.hash;
        out.hash[i] = state.digest();
        out.bytes[i] = bytes;
        return;
      }
    }
    out.kind[i] = Outcome.changed;
    out.bytes[i] = bytes;
  } catch (error) {
    failure(out, i, error, bytes);
  } finally {
    closeSync(fd);
  }
}

/** Path `i` of the task, as a view of its bytes (no copy). */
function pathOf(files: HashFiles, i: number): Buffer {
  const start = files.pathStart[i]!;
  return Buffer.from(files.paths.buffer, files.paths.byteOffset + start, files.pathStart[i + 1]! - start);
}

function unchanged(st: BigIntStats, size: number, mtimeNs: bigint): boolean {
  return Number(st.size) === size && st.mtimeNs === mtimeNs;
}

function notRegular(out: HashResults, i: number, bytes: number): void {
  fail(out, i, NOT_REGULAR, 'no longer a regular file', bytes);
}

function failure(out: HashResults, i: number, error: unknown, bytes: number): void {
  const e = error as NodeJS.ErrnoException;
  // O_NOFOLLOW refuses a final link with ELOOP: the walk saw a file there, a link stands there now.
  if (e.code === 'ELOOP' && setup?.followSymlinks !== true) notRegular(out, i, bytes);
  else fail(out, i, e.code ?? 'EIO', e.message, bytes);
}

function fail(out: HashResults, i: number, code: string, message: string, bytes: number): void {
  out.kind[i] = Outcome.error;
  out.bytes[i] = bytes;
  out.errors.push({ index: i, code, message });
}
