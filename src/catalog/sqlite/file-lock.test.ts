import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch } from '../../../test/helpers/tree.js';
import { FakeClock } from '../../core/fake-clock.js';
import { Database } from './driver.js';
import { acquireFileLock, lockHolder, type LockHolder, type LockPatience } from './file-lock.js';

let t: ReturnType<typeof scratch>;
let lock: string;
const holders: LockHolder[] = [];
const inUse = (holder: LockHolder): string => {
  holders.push(holder);
  return `in use by ${holder.pid ?? 'unknown'}`;
};
beforeEach(() => {
  t = scratch();
  lock = t.path('catalog.db-lock');
  holders.length = 0;
});
afterEach(() => t.remove());

describe('acquireFileLock', () => {
  it('refuses a second holder at once, naming the first by its pid, and is free again after release', () => {
    const release = acquireFileLock(lock, inUse);
    expect(() => acquireFileLock(lock, inUse)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', message: `in use by ${process.pid}` }),
    );
    expect(holders[0]?.since).toMatch(/^\d{4}-\d\d-\d\dT/);
    release();
    acquireFileLock(lock, inUse)();
  });

  it('releases only its own hold: a second release leaves a later holder in place', () => {
    const first = acquireFileLock(lock, inUse);
    first();
    const second = acquireFileLock(lock, inUse);
    first();
    expect(() => acquireFileLock(lock, inUse)).toThrow(/in use by/);
    expect(existsSync(`${lock}.pid`)).toBe(true);
    second();
    second();
    acquireFileLock(lock, inUse)();
  });

  it('keeps the lock and its note private (0600), and removes the note on release', () => {
    const release = acquireFileLock(lock, inUse);
    expect(statSync(lock).mode & 0o777).toBe(0o600);
    expect(statSync(`${lock}.pid`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${lock}.pid`, 'utf8')).toMatch(new RegExp(`^${process.pid}\n`));
    release();
    expect(existsSync(`${lock}.pid`)).toBe(false);
    expect(existsSync(lock)).toBe(true);
  });

  it('is a file of its own: two lock files never have the same content (nor are empty)', () => {
    const other = t.path('other.db-lock');
    acquireFileLock(lock, inUse)();
    acquireFileLock(other, inUse)();
    expect(statSync(lock).size).toBeGreaterThan(0);
    expect(readFileSync(lock).equals(readFileSync(other))).toBe(false);
    expect(readdirSync(t.root).sort()).toEqual(['catalog.db-lock', 'other.db-lock']);
  });

  it('never decides from the note: a dead holder note is overwritten, and a missing one reads as unknown', () => {
    writeFileSync(`${lock}.pid`, '2147483646\n2026-01-01T00:00:00.000Z\n');
    const release = acquireFileLock(lock, inUse);
    expect(readFileSync(`${lock}.pid`, 'utf8')).toMatch(new RegExp(`^${process.pid}\n`));
    writeFileSync(`${lock}.pid`, 'garbage');
    expect(() => acquireFileLock(lock, inUse, patience().patience)).toThrow('in use by unknown');
    expect(holders).toEqual([{ pid: undefined, since: undefined }]);
    release();
  });
});

/** A patience on a fake clock: each pause moves it on by the pause, after `onPause` (the test's move) ran. */
function patience(onPause: (pauses: number) => void = () => undefined) {
  const clock = new FakeClock();
  let pauses = 0;
  const p: LockPatience = {
    clock,
    limitMs: 250,
    pause: (ms) => {
      onPause(++pauses);
      clock.advance(ms);
    },
  };
  return { patience: p, pauses: () => pauses };
}

/** Holds the lock the way `lockHolder`'s probe does for a moment: a connection in BEGIN IMMEDIATE, no note. */
function probe(path: string): () => void {
  const db = new Database(path, { timeout: 0 });
  db.exec('BEGIN IMMEDIATE');
  return () => {
    if (db.open) db.close();
  };
}

describe('acquireFileLock while the lock is busy for a moment', () => {
  it("takes the lock once a probe that held it lets go: verify's look never refuses a command", () => {
    acquireFileLock(lock, inUse)(); // the lock file exists, as after any earlier run
    writeFileSync(`${lock}.pid`, '2147483646\n2026-01-01T00:00:00.000Z\n'); // left by a holder killed
    const letGo = probe(lock);
    const waiting = patience((n) => {
      if (n === 3) letGo();
    });
    const release = acquireFileLock(lock, inUse, waiting.patience);
    expect(waiting.pauses()).toBe(3);
    expect(holders).toEqual([]);
    expect(readFileSync(`${lock}.pid`, 'utf8')).toMatch(new RegExp(`^${process.pid}\n`));
    release();
  });

  it('waits too when the note names a live process that is not the one that wrote it (its pid used again)', () => {
    acquireFileLock(lock, inUse)();
    writeFileSync(`${lock}.pid`, '1\n2026-01-01T00:00:00.000Z\n999999999999\n'); // pid 1 lives, started otherwise
    expect(lockHolder(lock)).toBeUndefined();
    const letGo = probe(lock);
    const waiting = patience(() => letGo());
    acquireFileLock(lock, inUse, waiting.patience)();
    expect(waiting.pauses()).toBe(1);
  });

  it('refuses at once, without waiting, while the note names a live holder', () => {
    const release = acquireFileLock(lock, inUse);
    const waiting = patience();
    expect(() => acquireFileLock(lock, inUse, waiting.patience)).toThrow(`in use by ${process.pid}`);
    expect(waiting.pauses()).toBe(0);
    release();
  });

  it('refuses once its patience is spent when the lock stays held and no live holder is named', () => {
    acquireFileLock(lock, inUse)();
    const letGo = probe(lock);
    const waiting = patience();
    expect(() => acquireFileLock(lock, inUse, waiting.patience)).toThrow('in use by unknown');
    expect(waiting.pauses()).toBe(125); // 250 ms of the clock, 2 ms a pause
    letGo();
    acquireFileLock(lock, inUse)();
  });
});

describe('lockHolder', () => {
  it('names a live holder, and no one once it has let go', () => {
    const release = acquireFileLock(lock, inUse);
    expect(lockHolder(lock)?.pid).toBe(process.pid);
    release();
    expect(lockHolder(lock)).toBeUndefined();
  });

  it('takes nothing when the note names a process that is gone: no probe for a taker to meet', () => {
    acquireFileLock(lock, inUse)();
    writeFileSync(`${lock}.pid`, '2147483646\n2026-01-01T00:00:00.000Z\n');
    const letGo = probe(lock); // were it probed, the probe would find the lock busy and name pid 2147483646
    expect(lockHolder(lock)).toBeUndefined();
    letGo();
  });
});
