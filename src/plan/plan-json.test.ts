import { describe, expect, it } from 'vitest';
import { buildPlan } from './build.js';
import { planToJson, readPlan } from './plan-json.js';
import { DEFAULT_POLICY } from './policy.js';
import type { PhysicalFile } from '../model/groups.js';

const raw = Buffer.concat([Buffer.from('/t/caf'), Buffer.from([0xe9, 0xff])]);
const member = (path: string | Buffer, ino: bigint): PhysicalFile => ({
  id: Number(ino),
  paths: [path],
  root: 0,
  dev: 2n ** 60n,
  ino,
  size: 3,
  mtimeNs: 1_700_000_000_123_456_789n,
  ctimeNs: 0n,
});
const plan = buildPlan(
  [{ size: 3, hash: 'abcd', files: [member('/t/a', 1n), member(raw, 2n), member('/t/new\nline', 3n)] }],
  DEFAULT_POLICY,
  { op: 'hardlink' },
  {
    id: 'p1',
    createdAt: '2026-11-27T00:00:00.000Z',
    catalog: { id: 'c1', location: '/c.db' },
    algorithm: 'xxh3',
  },
);

describe('plan JSON', () => {
  it('round-trips exactly: raw path bytes, 64-bit device numbers, nanosecond times', () => {
    const back = readPlan(planToJson(plan), 'plan.json');
    expect(back).toEqual(plan);
    expect(back.groups[0]!.actions.map((a) => a.path)).toContainEqual(raw);
  });

  it('says what it would free, and warns when it deletes or links', () => {
    const doc = JSON.parse(planToJson(plan)) as { summary: unknown; warning?: string };
    expect(doc.summary).toEqual({ groups: 1, actions: 2, bytes: 6, irreversible: 0 });
    const warningOf = (op: 'quarantine' | 'delete' | 'hardlink') =>
      (
        JSON.parse(
          planToJson({
            ...plan,
            groups: plan.groups.map((g) => ({ ...g, actions: g.actions.map((a) => ({ ...a, op })) })),
          }),
        ) as { warning?: string }
      ).warning;
    expect(warningOf('quarantine')).toBeUndefined();
    expect(warningOf('delete')).toMatch(/cannot be undone/);
    expect(warningOf('hardlink')).toMatch(/shares every future edit with its keeper.*reflink/);
  });

  it('refuses what the schema forbids, naming the place', () => {
    const doc = JSON.parse(planToJson(plan)) as { groups: { actions: Record<string, unknown>[] }[] };
    doc.groups[0]!.actions[0]!.path = 'relative/path';
    expect(() => readPlan(JSON.stringify(doc), 'p.json')).toThrow(
      /p\.json: groups\.0\.actions\.0\.path must match pattern/,
    );
    delete doc.groups[0]!.actions[0]!.expect;
    expect(() => readPlan(JSON.stringify(doc), 'p.json')).toThrow(/must have required property 'expect'/);
  });

  it('a move without a destination is refused', () => {
    const doc = JSON.parse(planToJson(plan)) as { groups: { actions: Record<string, unknown>[] }[] };
    doc.groups[0]!.actions[0]!.op = 'move';
    expect(() => readPlan(JSON.stringify(doc), 'p.json')).toThrow(/moves .* but says not where/);
  });
});
