import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch } from '../../../test/helpers/tree.js';
import { acquireFileLock, type LockHolder } from './file-lock.js';

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
    expect(() => acquireFileLock(lock, inUse)).toThrow('in use by unknown');
    expect(holders).toEqual([{ pid: undefined, since: undefined }]);
    release();
  });
});
