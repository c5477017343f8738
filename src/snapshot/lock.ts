import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { acquireFileLock, describeHolder } from '../catalog/sqlite/file-lock.js';

/**
 * Runs `action` holding the store's lock (`store-lock` in the store, see `acquireFileLock`; it dies with its
 * holder). Creating and deleting snapshots take it: a delete collecting unused blobs must not remove one that
 * a running create has just found already stored and is about to name in its manifest. Held by another
 * nodupe, it is BAD_INPUT (see `acquireFileLock` for the moment it may wait).
 */
export async function withStoreLock<T>(dir: string, action: () => Promise<T>): Promise<T> {
  const release = acquireFileLock(
    join(realpathSync(dir), 'store-lock'),
    (holder) =>
      `the snapshot folder ${dir} is in use by another nodupe${describeHolder(holder)}, ` +
      `creating or deleting a snapshot; wait for it to finish`,
  );
  try {
    return await action();
  } finally {
    release();
  }
}
