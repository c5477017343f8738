import { inAsyncCall, markItem, watchedState } from '../hash/call-watch.js';
import { createHashState, type HashState } from '../hash/hashers.js';
import type { ArchiveTask } from '../hash/task.js';
import { portBudget } from '../hash/throttle-port.js';
import type { FsPath } from '../model/paths.js';
import type { ArchiveListing } from './listing.js';
import { readArchive } from './read-archive.js';

/** What the hashing worker was set up with, that archive reads share. */
export interface ThreadSetup {
  /** A plugin hasher's module, when the task's algorithm is the plugin's. */
  module: string | undefined;
  followSymlinks: boolean;
  /** The pool's read meter cell: every read adds its length. */
  bytesRead: BigInt64Array | undefined;
}

/**
 * Runs in a hash pool worker: lists each archive of the task in turn with one hashing state, its reads
 * throttled through the task's port and counted in the pool's read meter.
 */
export async function readArchivesInThread(task: ArchiveTask, setup: ThreadSetup): Promise<ArchiveListing[]> {
  const budget = task.throttle ? portBudget(task.throttle) : undefined;
  const cell = setup.bytesRead;
  const onRead = cell ? (bytes: number) => void Atomics.add(cell, 0, BigInt(bytes)) : undefined;
  const watch = task.watch;
  let state: HashState | undefined;
  const listings: ArchiveListing[] = [];
  for (const [i, file] of task.files.entries()) {
    if (watch) markItem(watch, i);
    state ??= await madeState(task, setup.module);
    listings.push(
      await readArchive(asPath(file.path), file, {
        algorithm: task.algorithm,
        state,
        caps: task.caps,
        followSymlinks: setup.followSymlinks,
        budget,
        onRead,
      }),
    );
  }
  return listings;
}

/** The task's hashing state; a plugin's has each call marked for the pool's watchdog. */
async function madeState(task: ArchiveTask, module: string | undefined): Promise<HashState> {
  const make = () => createHashState(task.algorithm, module);
  if (!task.watch) return make();
  return watchedState(await inAsyncCall(task.watch, 'createHashState', make), task.watch);
}

/** A path as it crossed to the worker: a Buffer arrives as a plain Uint8Array. */
function asPath(path: FsPath | Uint8Array): FsPath {
  return typeof path === 'string' || Buffer.isBuffer(path)
    ? path
    : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
}
