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

describe('temporary files beside a file', () => {
  it('are named <file>.tmp-<pid>-<random>', () => {
    const name = temporaryBeside(dir.path('plan.json'));
    expect(name).toMatch(new RegExp(`^${dir.path('plan.json')}\\.tmp-${process.pid}-[0-9a-f]{12}$`));
    expect(temporaryBeside(dir.path('plan.json'))).not.toBe(name);
  });

  it("a killed nodupe's are removed; a running process's, other names and folders are left", () => {
    const dead = deadPid();
    const stale = [
      dir.write(`c.db.tmp-${dead}-0123456789ab`, 'half a catalog'),
      dir.write(`c.db.tmp-${dead}-0123456789ab-wal`, 'its wal'),
      dir.write(`c.db.tmp-${dead}-0123456789ab-shm`, 'its shm'),
    ];
    const kept = [
      dir.write(`c.db.tmp-${process.pid}-0123456789ab`, 'this process is running'),
      dir.write(`c.db.tmp-1-0123456789ab`, 'pid 1 is running'),
      dir.write(`c.db.tmp-${dead}-notours`, 'not the shape nodupe gives'),
      dir.write(`other.db.tmp-${dead}-0123456789ab`, 'beside another file'),
      dir.write(`c.db.tmp-${dead}-ba9876543210/inside`, 'a folder of that shape'),
    ];
    expect(removeStaleTemporaries(nodeFileOps, dir.path('c.db')).sort()).toEqual(stale.sort());
    expect(readdirSync(dir.root).sort()).toEqual(
      kept.map((path) => path.slice(dir.root.length + 1).split('/')[0]!).sort(),
    );
  });
});

describe('placeNew', () => {
  it('removes what a killed nodupe left while making the same file, then makes it', () => {
    dir.write(`lock.tmp-${deadPid()}-00aa00aa00aa`, 'half written');
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
    const left = dir.write(`plan.json.tmp-${deadPid()}-ffffffffffff`, '{"half": ');
    const old = lstatSync(dir.path('plan.json'), { bigint: true });
    expect(replaceWhole(nodeFileOps, dir.path('plan.json'), 'new plan', old)).toEqual([left]);
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

  it.runIf(process.geteuid?.() === 0)('as root, its owner and group too', () => {
    dir.write('report.json', 'old report');
    chownSync(dir.path('report.json'), 4242, 4343);
    chmodSync(dir.path('report.json'), 0o640);
    const old = lstatSync(dir.path('report.json'), { bigint: true });
    replaceWhole(nodeFileOps, dir.path('report.json'), 'new report', old);
    const now = lstatSync(dir.path('report.json'));
    expect([now.uid, now.gid, now.mode & 0o7777, now.ino === Number(old.ino)]).toEqual([
      4242,
      4343,
      0o640,
      false,
    ]);
  });

  it('a new file gets the usual mode (0666 less the umask)', () => {
    replaceWhole(nodeFileOps, dir.path('new.json'), 'new', undefined);
    const usual = dir.write('usual', 'made as Node makes a file');
    expect(lstatSync(dir.path('new.json')).mode & 0o777).toBe(lstatSync(usual).mode & 0o777);
  });
});

describe("earlier versions' temporary names", () => {
  const clock = new FakeClock();
  const wall = clock.wallNow();
  /** Writes `name` as last written `ageMs` before the fake clock's wall time. */
  function left(name: string, ageMs: number): string {
    const path = dir.write(name, 'half written');
    utimesSync(path, (wall - ageMs) / 1000, (wall - ageMs) / 1000);
    return path;
  }
  const old = OLD_TEMPORARY_AGE_MS + 1000;
  const fresh = OLD_TEMPORARY_AGE_MS - 1000;

  it('beside a plan or report: <name>.<pid>.tmp of a process gone and <name>.<random>.new, once an hour old', () => {
    const dead = deadPid();
    const removed = [left(`plan.json.${dead}.tmp`, old), left('plan.json.0123456789ab.new', old)];
    const kept = [
      left(`plan.json.${dead}.tmp`.replace('plan.json', 'plan.json.x'), old), // beside another name
      left(`plan.json.${process.pid}.tmp`, old), // its process runs
      left('plan.json.fedcba987654.new', fresh), // an older nodupe may still be writing it
      left('plan.json.0123456789ab', old), // the bare shape is a lock's, never a plan's
      left('plan.json.0123456789AB.new', old), // not the shape
      left('plan.json.0123456789a.new', old),
    ];
    expect(removeStaleTemporaries(nodeFileOps, dir.path('plan.json'), clock).sort()).toEqual(removed.sort());
    expect(readdirSync(dir.root).sort()).toEqual(kept.map((path) => path.slice(dir.root.length + 1)).sort());
  });

  it("beside a catalog: <name>.<random>.new with SQLite's names", () => {
    const removed = ['', '-wal', '-shm', '-journal'].map((end) => left(`c.db.00ff00ff00ff.new${end}`, old));
    expect(removeStaleTemporaries(nodeFileOps, dir.path('c.db'), clock).sort()).toEqual(removed.sort());
    expect(readdirSync(dir.root)).toEqual([]);
  });

  it('beside a lock file and its holder note: <name>.<random> too', () => {
    const removed = [left('c.db-lock.0123456789ab', old), left('c.db-lock.0123456789ab.new', old)];
    const notes = [left('c.db-lock.pid.abcdefabcdef', old)];
    const kept = [left('c.db-lock.pid.fedcbafedcba', fresh)];
    expect(removeStaleTemporaries(nodeFileOps, dir.path('c.db-lock'), clock).sort()).toEqual(removed.sort());
    expect(removeStaleTemporaries(nodeFileOps, dir.path('c.db-lock.pid'), clock)).toEqual(notes);
    expect(readdirSync(dir.root)).toEqual(kept.map((path) => path.slice(dir.root.length + 1)));
  });

  it.runIf(process.geteuid?.() === 0)("another user's is left alone", () => {
    const theirs = left('plan.json.0123456789ab.new', old);
    chownSync(theirs, 4242, 4242);
    expect(removeStaleTemporaries(nodeFileOps, dir.path('plan.json'), clock)).toEqual([]);
    expect(readdirSync(dir.root)).toEqual(['plan.json.0123456789ab.new']);
  });
});
