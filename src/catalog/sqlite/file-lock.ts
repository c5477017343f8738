import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { NodupeError } from '../../core/errors.js';
import { placeNew, removeStaleTemporaries, temporaryBeside } from '../../fs/durable.js';
import { nodeFileOps } from '../../fs/file-ops.js';

/** Who holds a lock, as its holder wrote it down: for messages only, and stale if the holder was killed. */
export interface LockHolder {
  pid: number | undefined;
  /** When it took the lock (ISO 8601). */
  since: string | undefined;
}

/** Gives the lock back; calling it again does nothing. */
export type ReleaseLock = () => void;

/**
 * Takes the exclusive lock `path`, a kernel lock that dies with its process: there is no stale lock to take
 * over, whatever killed the holder (SIGKILL included). Held by someone else (another process, or another
 * caller in this one), it is a BAD_INPUT error with `inUse`'s message at once: nothing waits.
 *
 * `path` is a small SQLite database (0600), locked by an open `BEGIN IMMEDIATE` transaction that writes nothing:
 * its RESERVED lock is one fcntl write lock on one byte, which the kernel grants to one process only and drops
 * when the process dies; SQLite grants it to one connection only within a process. Callers name `path` from a
 * real path (`realpathSync`), so that every spelling of what it protects meets the same lock. Beside it,
 * `<path>.pid` tells the holder's pid for the message; ownership is never decided from it.
 *
 * @example
 * const release = acquireFileLock('/data/catalog.db-lock', (h) => `in use by process ${h.pid ?? '?'}`);
 * try { work(); } finally { release(); }
 */
export function acquireFileLock(path: string, inUse: (holder: LockHolder) => string): ReleaseLock {
  createPrivately(path);
  const note = `${path}.pid`;
  const db = new Database(path, { timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    db.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
      throw new NodupeError('BAD_INPUT', inUse(readHolder(note)));
    }
    throw error;
  }
  try {
    writeHolder(note);
  } catch (error) {
    db.close();
    throw error;
  }
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    // The note goes while the lock is still ours: no other holder's note can be removed.
    rmSync(note, { force: true });
    db.close();
  };
}

/**
 * Who holds the lock `path` now, or undefined when no one does: for a read-only command to say what is under
 * way. Creates nothing. A holder writes its note right after taking the lock and removes it before letting go,
 * so without a note no one holds it; with one, the lock itself is tried, and given back at once (a note left by
 * a holder that was killed names no holder).
 */
export function lockHolder(path: string): LockHolder | undefined {
  const holder = readHolder(`${path}.pid`);
  if (holder.pid === undefined || !existsSync(path)) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: 0, fileMustExist: true });
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return undefined;
  } catch (error) {
    // Busy: held. Anything else (a lock file this user cannot open): no one can be named.
    return (error as { code?: unknown }).code === 'SQLITE_BUSY' ? holder : undefined;
  } finally {
    db?.close();
  }
}

/**
 * Creates the lock file when it is missing: private (0600), written whole and flushed (a file cut short by a
 * power loss would not open), then linked into place. Once there it is only ever opened by SQLite: closing
 * any other descriptor of it would drop every fcntl lock this process holds on it, one held by another
 * caller too.
 */
function createPrivately(path: string): void {
  if (existsSync(path)) return;
  placeNew(nodeFileOps, path, (temp) =>
    writeFileSync(temp, lockFileContent(path), { flag: 'wx', mode: 0o600 }),
  );
}

/** A one-row database, unique: an empty lock file would be a duplicate of every empty file a scan finds. */
function lockFileContent(path: string): Buffer {
  const db = new Database(':memory:');
  try {
    db.exec('CREATE TABLE lock (about TEXT NOT NULL)');
    db.prepare('INSERT INTO lock VALUES (?)').run(`nodupe lock ${randomUUID()}; its holder: ${path}.pid`);
    return db.serialize();
  } finally {
    db.close();
  }
}

/**
 * Writes the holder's note whole (temporary file, then rename), so a reader never sees half of it. The note
 * is for messages only, so it is not fsynced. Temporary notes a killed holder left are removed first.
 */
function writeHolder(note: string): void {
  removeStaleTemporaries(nodeFileOps, note);
  const temp = temporaryBeside(note);
  try {
    writeFileSync(temp, `${process.pid}\n${new Date().toISOString()}\n`, { flag: 'wx', mode: 0o600 });
    renameSync(temp, note);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function readHolder(note: string): LockHolder {
  let text = '';
  try {
    text = readFileSync(note, 'utf8');
  } catch {
    // The holder has not written it yet, or has just removed it.
  }
  const [pidLine, sinceLine] = text.split('\n');
  const pid = Number(pidLine);
  return {
    pid: Number.isSafeInteger(pid) && pid > 0 ? pid : undefined,
    since: sinceLine === undefined || sinceLine === '' ? undefined : sinceLine,
  };
}
