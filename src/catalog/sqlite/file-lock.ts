import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Database, type SqliteDatabase } from './driver.js';
import { systemClock, type Clock } from '../../core/clock.js';
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
 * How long a taker tries again while the lock is busy and no live holder is named: `verify` takes the lock for a
 * moment to learn whether it is held (see `lockHolder`), and a holder writes its note just after taking it.
 */
export interface LockPatience {
  clock: Clock;
  /** Gives up after this many milliseconds of the clock. */
  limitMs: number;
  /** Waits about `ms` milliseconds, synchronously (a lock is taken before any other work). */
  pause(ms: number): void;
}

const DEFAULT_PATIENCE: LockPatience = {
  clock: systemClock,
  limitMs: 250,
  pause: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
};

/** Between two tries: a probe holds the lock for microseconds. */
const PAUSE_MS = 2;

/**
 * Takes the exclusive lock `path`, a kernel lock that dies with its process: there is no stale lock to take
 * over, whatever killed the holder (SIGKILL included). Held by someone else (another process, or another
 * caller in this one), it is a BAD_INPUT error with `inUse`'s message: at once when the holder's note names a
 * live process (or this one), else after trying again for `patience.limitMs` (a moment's hold by `lockHolder`'s
 * probe, or by a holder that has not written its note yet, never refuses a command). The note only decides how
 * long to try; who holds the lock, only the kernel does.
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
export function acquireFileLock(
  path: string,
  inUse: (holder: LockHolder) => string,
  patience: LockPatience = DEFAULT_PATIENCE,
): ReleaseLock {
  createPrivately(path);
  const note = `${path}.pid`;
  const db = new Database(path, { timeout: 0 });
  const start = patience.clock.now();
  for (;;) {
    try {
      db.exec('BEGIN IMMEDIATE');
      break;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') {
        db.close();
        throw error;
      }
      const written = readNote(note);
      if (isAlive(written) || patience.clock.now() - start >= patience.limitMs) {
        db.close();
        throw new NodupeError('BAD_INPUT', inUse(written.holder));
      }
      patience.pause(PAUSE_MS);
    }
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
 * so without a note no one holds it, nor with the note of a process that is gone (a holder killed); with one of
 * a live process, the lock itself is tried, and given back at once (the process may be another by now). That
 * moment's hold is what a taker's patience waits out.
 */
export function lockHolder(path: string): LockHolder | undefined {
  const written = readNote(`${path}.pid`);
  const holder = written.holder;
  if (!isAlive(written) || !existsSync(path)) return undefined;
  let db: SqliteDatabase | undefined;
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
  if (existsSync(path)) {
    removeStaleTemporaries(nodeFileOps, path); // left while it was made, by a nodupe killed then
    return;
  }
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
    writeFileSync(temp, `${process.pid}\n${new Date().toISOString()}\n${startOf('self') ?? ''}\n`, {
      flag: 'wx',
      mode: 0o600,
    });
    renameSync(temp, note);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** A holder's note: who, since when, and when its process started (with its pid, that names one process). */
interface Note {
  holder: LockHolder;
  started: string | undefined;
}

/**
 * Whether the process a note names is alive (one of another user's too): its pid exists, and where /proc says
 * when processes started, it is the very process that wrote the note (a pid is used again once its process is
 * gone). False for a note that names none.
 */
function isAlive(note: Note): boolean {
  const pid = note.holder.pid;
  if (pid === undefined) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = startOf(pid);
  return note.started === undefined || started === undefined || started === note.started;
}

/** When a process started, in clock ticks since boot (`/proc/PID/stat`, field 22), or undefined without /proc. */
function startOf(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // After the command name, in parentheses (it may hold spaces), field 3 on.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3];
  } catch {
    return undefined;
  }
}

/** The holder in a message: " (pid N, since T)", " (pid N)" without `since`, or nothing when no pid is known. */
export function describeHolder(holder: LockHolder, options: { since?: boolean } = {}): string {
  if (holder.pid === undefined) return '';
  const since = options.since && holder.since !== undefined ? `, since ${holder.since}` : '';
  return ` (pid ${holder.pid}${since})`;
}

function readNote(note: string): Note {
  let text = '';
  try {
    text = readFileSync(note, 'utf8');
  } catch {
    // The holder has not written it yet, or has just removed it.
  }
  const [pidLine, sinceLine, startedLine] = text.split('\n');
  const pid = Number(pidLine);
  return {
    holder: {
      pid: Number.isSafeInteger(pid) && pid > 0 ? pid : undefined,
      since: sinceLine === undefined || sinceLine === '' ? undefined : sinceLine,
    },
    started: startedLine === undefined || startedLine === '' ? undefined : startedLine,
  };
}
