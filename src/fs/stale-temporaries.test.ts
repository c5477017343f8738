// Which leftovers beside a file are taken for a killed nodupe's and removed: a name of today's shape only once
// untouched for ten minutes (its process may run in another pid namespace, unseen); a name of an earlier
// version's shape only when it holds what nodupe writes (a user's own `report.2023.tmp` is theirs).
import { spawnSync } from 'node:child_process';
import { readdirSync, utimesSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch } from '../../test/helpers/tree.js';
import { FakeClock } from '../core/fake-clock.js';
import { OLD_TEMPORARY_AGE_MS, removeStaleTemporaries, STALE_TEMPORARY_AGE_MS } from './durable.js';
import { nodeFileOps } from './file-ops.js';

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
const names = () => readdirSync(dir.root).sort();
/** The pid of a process that has ended (or, seen from elsewhere, of one in another pid namespace). */
const unseenPid = () => spawnSync(process.execPath, ['-e', '']).pid;

describe("today's temporary names, of a process this nodupe cannot see", () => {
  it('are left while written in the last ten minutes (another pid namespace may be writing them)', () => {
    const pid = unseenPid();
    const writing = left(`plan.json.tmp-${pid}-0123456789ab`, '{"half a plan', STALE_TEMPORARY_AGE_MS - 1000);
    const killed = left(`plan.json.tmp-${pid}-ba9876543210`, '{"half a plan', STALE_TEMPORARY_AGE_MS + 1000);
    expect(removeStaleTemporaries(nodeFileOps, dir.path('plan.json'), clock)).toEqual([killed]);
    expect(names()).toEqual([writing.slice(dir.root.length + 1)]);
  });
});

describe("an earlier version's temporary name, over an hour old", () => {
  const old = OLD_TEMPORARY_AGE_MS + 1000;

  it("holding a user's own words, or nothing, is left, and nothing is said", () => {
    const pid = unseenPid();
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
    const pid = unseenPid();
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
