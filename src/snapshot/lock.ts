import { join } from 'node:path';
import { acquirePidLock } from '../core/pid-lock.js';

/**
 * Runs `action` holding the store's lock (a `lock` file with the holder's pid). Creating and deleting
 * snapshots take it: a delete collecting unused blobs must not remove one that a running create has just
 * found already stored and is about to name in its manifest. A lock left by a process that is gone is taken
 * over; one held by a live process is BAD_INPUT (nothing waits).
 */
export async function withStoreLock<T>(dir: string, action: () => Promise<T>): Promise<T> {
  const path = join(dir, 'lock');
  const release = acquirePidLock(
    path,
    (pid) =>
      `the snapshot folder ${dir} is in use by process ${pid} (if no nodupe is running, remove ${path})`,
  );
  try {
    return await action();
  } finally {
    release();
  }
}
