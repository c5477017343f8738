import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodupeError } from '../core/errors.js';
import { fsErrorCode } from './io.js';
import { tempName } from './layout.js';

/**
 * Runs `action` holding the store's lock (a `lock` file with the holder's pid). Creating and deleting
 * snapshots take it: a delete collecting unused blobs must not remove one that a running create has just
 * found already stored and is about to name in its manifest. A lock left by a process that is gone is taken
 * over; one held by a live process is BAD_INPUT (nothing waits).
 */
export async function withStoreLock<T>(dir: string, action: () => Promise<T>): Promise<T> {
  const path = join(dir, 'lock');
  await acquire(dir, path, false);
  try {
    return await action();
  } finally {
    await rm(path, { force: true });
  }
}

async function acquire(dir: string, path: string, retried: boolean): Promise<void> {
  // Written aside, then linked into place: the lock never exists without its pid (link fails if it exists).
  const temp = join(dir, tempName());
  await writeFile(temp, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
  try {
    await link(temp, path);
    return;
  } catch (error) {
    if (fsErrorCode(error) !== 'EEXIST') throw error;
  } finally {
    await rm(temp, { force: true });
  }
  const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  if (!retried && !isRunning(pid)) {
    await rm(path, { force: true });
    return acquire(dir, path, true);
  }
  throw new NodupeError(
    'BAD_INPUT',
    `the snapshot folder ${dir} is in use by process ${pid} (if no nodupe is running, remove ${path})`,
  );
}

function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return fsErrorCode(error) === 'EPERM'; // alive, but someone else's
  }
}
