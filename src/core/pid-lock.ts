import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { NodupeError } from './errors.js';

/**
 * Takes a lock file holding this process's pid; returns the function that releases it. The pid is written to a
 * temporary file first and linked into place, so the lock never exists without its pid (link fails when the
 * lock exists). A lock whose process is gone is taken over; one held by a live process is a BAD_INPUT error
 * made by `inUse` (nothing waits).
 */
export function acquirePidLock(path: string, inUse: (pid: number) => string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    const temp = `${path}.${randomBytes(6).toString('hex')}`;
    writeFileSync(temp, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
    try {
      linkSync(temp, path);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temp, { force: true });
    }
    const pid = readPid(path);
    if (isRunning(pid)) throw new NodupeError('BAD_INPUT', inUse(pid));
    rmSync(path, { force: true });
  }
  throw new NodupeError('BAD_INPUT', inUse(readPid(path)));
}

function readPid(path: string): number {
  try {
    return Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch {
    return NaN;
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but someone else's
  }
}
