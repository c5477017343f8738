import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { injecting } from '../../test/helpers/ops.js';
import { scratch } from '../../test/helpers/tree.js';
import { placeNew, removeStaleTemporaries, replaceWhole, temporaryBeside } from './durable.js';
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
    expect(replaceWhole(nodeFileOps, dir.path('plan.json'), 'new plan')).toEqual([left]);
    expect(readdirSync(dir.root)).toEqual(['plan.json']);
    expect(readFileSync(dir.path('plan.json'), 'utf8')).toBe('new plan');
  });

  it.each(['write', 'fsync', 'rename'] as const)(
    'a failed %s leaves the old file as it was and no temporary file',
    (call) => {
      dir.write('plan.json', 'old plan');
      const ops = injecting(nodeFileOps, [{ call, code: 'ENOSPC' }]);
      expect(() => replaceWhole(ops, dir.path('plan.json'), 'new plan')).toThrow(/ENOSPC/);
      expect(readdirSync(dir.root)).toEqual(['plan.json']);
      expect(readFileSync(dir.path('plan.json'), 'utf8')).toBe('old plan');
    },
  );
});
