import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { injecting } from '../../test/helpers/ops.js';
import { scratch } from '../../test/helpers/tree.js';
import { FakeClock } from '../core/fake-clock.js';
import {
  OLD_TEMPORARY_AGE_MS,
  placeNew,
  removeStaleTemporaries,
  replaceWhole,
  STALE_TEMPORARY_AGE_MS,
  temporaryBeside,
} from './durable.js';
import { nodeFileOps } from './file-ops.js';

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid;
}

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

const clock = new FakeClock();
const wall = clock.wallNow();
/** Writes `name` as last written `ageMs` before the fake clock's wall time. */
function left(name: string, content: string | Buffer, ageMs: number): string {
  const path = dir.write(name, content);
  utimesSync(path, (wall - ageMs) / 1000, (wall - ageMs) / 1000);
  return path;
}
/** Old enough for a temporary file of a process that is gone to be removed. */
const stale = STALE_TEMPORARY_AGE_MS + 1000;

describe('temporary files beside a file', () => {
  it('are named <file>.tmp-<pid>-<random>', () => {
    const name = temporaryBeside(dir.path('plan.json'));
    expect(name).toMatch(new RegExp(`^${dir.path('plan.json')}\\.tmp-${process.pid}-[0-9a-f]{12}$`));
    expect(temporaryBeside(dir.path('plan.json'))).not.toBe(name);
  });

  it("a killed nodupe's are removed; a running process's, other names and folders are left", () => {
    const dead = deadPid();
    const removed = [
      left(`c.db.tmp-${dead}-0123456789ab`, 'half a catalog', stale),
      left(`c.db.tmp-${dead}-0123456789ab-wal`, 'its wal', stale),
      left(`c.db.tmp-${dead}-0123456789ab-shm`, 'its shm', stale),
    ];
    const kept = [
      left(`c.db.tmp-${process.pid}-0123456789ab`, 'this process is running', stale),
      left(`c.db.tmp-1-0123456789ab`, 'pid 1 is running', stale),
      left(`c.db.tmp-${dead}-notours`, 'not the shape nodupe gives', stale),
      left(`other.db.tmp-${dead}-0123456789ab`, 'beside another file', stale),
      dir.write(`c.db.tmp-${dead}-ba9876543210/inside`, 'a folder of that shape'),
    ];
    expect(removeStaleTemporaries(nodeFileOps, dir.path('c.db'), clock).sort()).toEqual(removed.sort());
    expect(readdirSync(dir.root).sort()).toEqual(
      kept.map((path) => path.slice(dir.root.length + 1).split('/')[0]!).sort(),
    );
  });
});

describe('placeNew', () => {
  it('removes what a killed nodupe left while making the same file, then makes it', () => {
    const at = Date.now() / 1000 - STALE_TEMPORARY_AGE_MS / 1000 - 1; // placeNew reads the system's clock
    utimesSync(dir.write(`lock.tmp-${deadPid()}-00aa00aa00aa`, 'half written'), at, at);
    expect(placeNew(nodeFileOps, dir.path('lock'), (temp) => writeFileSync(temp, 'whole'))).toBe(true);
    expect(readdirSync(dir.root)).toEqual(['lock']);
    expect(readFileSync(dir.path('lock'), 'utf8')).toBe('whole');
  });

  it('leaves no temporary file when filling it fails', () => {
    expect(() =>
      placeNew(nodeFileOps, dir.path('lock'), (temp) => {
        writeFileSync(temp, 'half');
        throw new Error('killed halfway');
      }),
    ).toThrow('killed halfway');
    expect(readdirSync(dir.root)).toEqual([]);
  });
});

describe('replaceWhole', () => {
  it('replaces the file, leaving nothing beside it, and says which leftovers it removed', () => {
    dir.write('plan.json', 'old plan');
    const leftover = left(`plan.json.tmp-${deadPid()}-ffffffffffff`, '{"half": ', stale);
    const old = lstatSync(dir.path('plan.json'), { bigint: true });
    expect(replaceWhole(nodeFileOps, dir.path('plan.json'), 'new plan', old, clock)).toEqual([leftover]);
    expect(readdirSync(dir.root)).toEqual(['plan.json']);
    expect(readFileSync(dir.path('plan.json'), 'utf8')).toBe('new plan');
  });

  it.each(['fchmod', 'write', 'fsync', 'rename'] as const)(
    'a failed %s leaves the old file as it was and no temporary file',
    (call) => {
      dir.write('plan.json', 'old plan');
      const ops = injecting(nodeFileOps, [{ call, code: 'ENOSPC' }]);
      const old = lstatSync(dir.path('plan.json'), { bigint: true });
      expect(() => replaceWhole(ops, dir.path('plan.json'), 'new plan', old)).toThrow(/ENOSPC/);
      expect(readdirSync(dir.root)).toEqual(['plan.json']);
      expect(readFileSync(dir.path('plan.json'), 'utf8')).toBe('old plan');
    },
  );
});

describe('replaceWhole keeps the looks of the file it replaces', () => {
  it('its mode: a private plan stays private, whatever the umask', () => {
    dir.write('plan.json', 'old plan');
    chmodSync(dir.path('plan.json'), 0o600);
    replaceWhole(
      nodeFileOps,
      dir.path('plan.json'),
      'new plan',
      lstatSync(dir.path('plan.json'), { bigint: true }),
    );
    expect(lstatSync(dir.path('plan.json')).mode & 0o7777).toBe(0o600);
    expect(readFileSync(dir.path('plan.json'), 'utf8')).toBe('new plan');
  });

  /** Replaces a report.json of `uid` and `gid`, with `mode`: the old file's stat, and the new one's. */
  function replaceReport(uid: number, gid: number, mode: number) {
    dir.write('report.json', 'old report');
    chownSync(dir.path('report.json'), uid, gid);
    chmodSync(dir.path('report.json'), mode);
    const old = lstatSync(dir.path('report.json'), { bigint: true });
    replaceWhole(nodeFileOps, dir.path('report.json'), 'new report', old);
    return { old, now: lstatSync(dir.path('report.json')) };
  }

  it.runIf(process.geteuid?.() === 0)('its group, of a file of this user', () => {
    const { old, now } = replaceReport(0, 4343, 0o2640);
    expect([now.uid, now.gid, now.mode & 0o7777, now.ino === Number(old.ino)]).toEqual([
      0,
      4343,
      0o2640,
      false,
    ]);
  });

  it.runIf(process.geteuid?.() === 0)(
    "of another user's file, as root: the new file is root's, with no write for others, in root's group",
    () => {
      const { now } = replaceReport(4242, 4343, 0o6666);
      expect([now.uid, now.gid, now.mode & 0o7777]).toEqual([0, process.getegid!(), 0o644]);
      expect(readFileSync(dir.path('report.json'), 'utf8')).toBe('new report');
    },
  );

  it('a new file gets the usual mode (0666 less the umask)', () => {
    replaceWhole(nodeFileOps, dir.path('new.json'), 'new', undefined);
    const usual = dir.write('usual', 'made as Node makes a file');
    expect(lstatSync(dir.path('new.json')).mode & 0o777).toBe(lstatSync(usual).mode & 0o777);
  });
});

/** The first bytes SQLite writes in a write-ahead log, its index (`-shm`: a header written twice) and a journal. */
const WAL = Buffer.concat([Buffer.from('377f0682002de218', 'hex'), Buffer.alloc(24)]);
const SHM_HEADER = Buffer.concat([Buffer.from('18e22d00', 'hex'), Buffer.alloc(44)]);
const SHM = Buffer.concat([SHM_HEADER, SHM_HEADER, Buffer.alloc(32)]);
const JOURNAL = Buffer.concat([Buffer.from('d9d505f920a163d7', 'hex'), Buffer.alloc(20)]);

describe("earlier versions' temporary names", () => {
  const plan = '{\n  "schema": "nodupe.plan/1",\n  "id": "0f';
  const db = 'SQLite format 3\0 and a page cut short';
  const old = OLD_TEMPORARY_AGE_MS + 1000;
  const fresh = OLD_TEMPORARY_AGE_MS - 1000;

  it('beside a plan or report: <name>.<pid>.tmp of a process gone and <name>.<random>.new, once an hour old', () => {
    const dead = deadPid();
    const removed = [left(`plan.json.${dead}.tmp`, plan, old), left('plan.json.0123456789ab.new', plan, old)];
    const kept = [
      left(`plan.json.${dead}.tmp`.replace('plan.json', 'plan.json.x'), plan, old), // beside another name
      left(`plan.json.${process.pid}.tmp`, plan, old), // its process runs
      left('plan.json.fedcba987654.new', plan, fresh), // an older nodupe may still be writing it
      left('plan.json.0123456789ab', plan, old), // the bare shape is a lock's, never a plan's
      left('plan.json.0123456789AB.new', plan, old), // not the shape
      left('plan.json.0123456789a.new', plan, old),
    ];
    expect(removeStaleTemporaries(nodeFileOps, dir.path('plan.json'), clock).sort()).toEqual(removed.sort());
    expect(readdirSync(dir.root).sort()).toEqual(kept.map((path) => path.slice(dir.root.length + 1)).sort());
  });

  it("beside a catalog: <name>.<random>.new with SQLite's names", () => {
    const contents = [db, WAL, SHM, JOURNAL];
    const removed = ['', '-wal', '-shm', '-journal'].map((end, i) =>
      left(`c.db.00ff00ff00ff.new${end}`, contents[i]!, old),
    );
    expect(removeStaleTemporaries(nodeFileOps, dir.path('c.db'), clock).sort()).toEqual(removed.sort());
    expect(readdirSync(dir.root)).toEqual([]);
  });

  it('beside a lock file and its holder note: <name>.<random> too', () => {
    const removed = [left('c.db-lock.0123456789ab', db, old), left('c.db-lock.0123456789ab.new', db, old)];
    const notes = [left('c.db-lock.pid.abcdefabcdef', '4242\n2025-11-27T10:15:00.000Z\n', old)];
    const kept = [left('c.db-lock.pid.fedcbafedcba', '4242\n2025-11-27T10:15:00.000Z\n', fresh)];
    expect(removeStaleTemporaries(nodeFileOps, dir.path('c.db-lock'), clock).sort()).toEqual(removed.sort());
    expect(removeStaleTemporaries(nodeFileOps, dir.path('c.db-lock.pid'), clock)).toEqual(notes);
    expect(readdirSync(dir.root)).toEqual(kept.map((path) => path.slice(dir.root.length + 1)));
  });

  it.runIf(process.geteuid?.() === 0)("another user's is left alone", () => {
    const theirs = left('plan.json.0123456789ab.new', plan, old);
    chownSync(theirs, 4242, 4242);
    expect(removeStaleTemporaries(nodeFileOps, dir.path('plan.json'), clock)).toEqual([]);
    expect(readdirSync(dir.root)).toEqual(['plan.json.0123456789ab.new']);
  });
});

// Which leftovers beside a file are taken for a killed nodupe's and removed: a name of today's shape only once
// untouched for ten minutes (its process may run in another pid namespace, unseen); a name of an earlier
// version's shape only when it holds what nodupe writes (a user's own `report.2023.tmp` is theirs).
const names = () => readdirSync(dir.root).sort();
/** The pid of a process that has ended (or, seen from elsewhere, of one in another pid namespace). */

describe("today's temporary names, of a process this nodupe cannot see", () => {
  it('are left while written in the last ten minutes (another pid namespace may be writing them)', () => {
    const pid = deadPid();
    const writing = left(`plan.json.tmp-${pid}-0123456789ab`, '{"half a plan', STALE_TEMPORARY_AGE_MS - 1000);
    const killed = left(`plan.json.tmp-${pid}-ba9876543210`, '{"half a plan', STALE_TEMPORARY_AGE_MS + 1000);
    expect(removeStaleTemporaries(nodeFileOps, dir.path('plan.json'), clock)).toEqual([killed]);
    expect(names()).toEqual([writing.slice(dir.root.length + 1)]);
  });
});

describe("an earlier version's temporary name, over an hour old", () => {
  const old = OLD_TEMPORARY_AGE_MS + 1000;

  it("holding a user's own words, or nothing, is left, and nothing is said", () => {
    const pid = deadPid();
    const kept = [
      left(`report.${pid}.tmp`, 'draft 1 of my notes', old),
      left('report.0123456789ab.new', '{"schema": "my.own/1"}', old),
      left('report.abcdefabcdef.new', '', old),
      left('report.fedcbafedcba.new', '[{"schema": "nodupe.plan/1"}]', old),
    ];
    left('report.c.db-lock.0123456789ab', 'my lock notes', old);
    expect(removeStaleTemporaries(nodeFileOps, dir.path('report'), clock)).toEqual([]);
    expect(removeStaleTemporaries(nodeFileOps, dir.path('report.c.db-lock'), clock)).toEqual([]);
    expect(names()).toEqual(
      [...kept.map((path) => path.slice(dir.root.length + 1)), 'report.c.db-lock.0123456789ab'].sort(),
    );
  });

  it('holding what nodupe writes is removed: a plan, a verify report, a CSV export, a catalog', () => {
    const pid = deadPid();
    const removed = [
      left(`plan.json.${pid}.tmp`, '{"id":"0f3c","schema":"nodupe.plan/1","groups":[', old),
      left('plan.json.0123456789ab.new', '{\n  "schema": "nodupe.verify/1",\n  "finishedAt": "20', old),
      left('plan.json.abcdefabcdef.new', 'group,op,path,keeper,size,hash,reason\n1,keep,/a', old),
      left('plan.json.fedcbafedcba.new', 'SQLite format 3\0', old),
    ];
    expect(removeStaleTemporaries(nodeFileOps, dir.path('plan.json'), clock).sort()).toEqual(removed.sort());
    expect(names()).toEqual([]);
  });
});
