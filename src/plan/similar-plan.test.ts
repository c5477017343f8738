import { describe, expect, it } from 'vitest';
import type { CatalogFile } from '../catalog/store.js';
import type { PhysicalFile } from '../model/groups.js';
import type { SimilarReport } from '../similar/report.js';
import { planToJson, readPlan } from './plan-json.js';
import { SIMILAR_OPS_REASON } from './plan.js';
import { similarPlan } from './similar-plan.js';

const file = (ino: bigint, size: number, ...paths: string[]): PhysicalFile => ({
  id: Number(ino),
  paths,
  root: 0,
  dev: 2n ** 60n,
  ino,
  size,
  mtimeNs: 1_700_000_000_123_456_789n + ino,
  ctimeNs: 1_700_000_000_987_654_321n + ino,
});
/** The catalog's row of each name of a file, with its own full hash by `algorithm` (none: no full hash). */
const rows = (f: PhysicalFile, full: string | undefined, algorithm = 'xxh3'): CatalogFile[] =>
  f.paths.map((path) => ({
    id: f.id,
    path,
    dev: f.dev,
    ino: f.ino,
    size: f.size,
    mtimeNs: f.mtimeNs,
    ctimeNs: f.ctimeNs,
    hashes: full === undefined ? undefined : { algorithm, head: 'aa', tail: undefined, full },
  }));

const keeper = file(1n, 9000, '/p/original.png', '/p/original-link.png');
const smaller = file(2n, 4000, '/p/smaller.jpg');
const mirrored = file(3n, 8000, '/p/mirrored.webp');
const unhashed = file(4n, 7000, '/p/unhashed.png');

const report: SimilarReport = {
  subject: 'images',
  detector: 'images.phash/1',
  maxDistance: 8,
  distanceUnit: 'bits',
  preset: 'medium',
  roots: ['/p'],
  groups: [
    {
      members: [
        { file: keeper, distance: 0, score: 1 },
        { file: smaller, distance: 2, score: 0.97 },
        { file: mirrored, distance: 0, score: 1 },
        { file: unhashed, distance: 5, score: 0.92 },
      ],
      reclaimable: 19000,
    },
  ],
  unique: [],
  problems: [],
  files: 4,
  read: 4,
  reused: 0,
};

const meta = {
  id: 'sp1',
  createdAt: '2026-11-27T00:00:00.000Z',
  catalog: { id: 'c1', location: '/c.db' },
  algorithm: 'xxh3',
};
const catalogRows = [
  ...rows(keeper, 'a1'),
  ...rows(smaller, 'b2'),
  ...rows(mirrored, 'c3'),
  // Hashed by another algorithm only: no hash this plan could check it by.
  ...rows(unhashed, 'd4', 'sha256'),
];

const built = similarPlan(report, { ...meta, rows: catalogRows }, { action: 'quarantine' });
const text = planToJson(built.plan);

interface Doc {
  basis?: Record<string, unknown>;
  action: string;
  groups: { size: number; hash: string; actions: Record<string, unknown>[] }[];
}
const edited = (edit: (doc: Doc) => void): string => {
  const doc = JSON.parse(text) as Doc;
  edit(doc);
  return JSON.stringify(doc);
};

describe('a plan from near-duplicate groups', () => {
  it("keeps the group's first member, quarantines the others, each held to its own identity and content hash", () => {
    const { plan } = built;
    expect(plan.basis).toEqual({
      kind: 'similar',
      detector: 'images.phash/1',
      maxDistance: 8,
      distanceUnit: 'bits',
    });
    expect(plan.action).toBe('quarantine');
    const group = plan.groups[0]!;
    expect(group.keepers.map((k) => k.path)).toEqual(['/p/original.png', '/p/original-link.png']);
    expect(group.actions.map((a) => [a.op, a.path, a.keeper, a.expect.hash, a.expect.size])).toEqual([
      ['quarantine', '/p/smaller.jpg', '/p/original.png', 'b2', 4000],
      ['quarantine', '/p/mirrored.webp', '/p/original.png', 'c3', 8000],
    ]);
    expect(group.actions[0]!.expect).toMatchObject({ dev: smaller.dev, ino: 2n, ctimeNs: smaller.ctimeNs });
    expect(group.actions[0]!.reason).toMatch(/near-duplicate of \/p\/original\.png \(distance 2 bits/);
  });

  it('leaves out, with the reason, a file with no full hash by the plan algorithm, and one changed since it was grouped', () => {
    expect(built.left).toEqual([
      {
        path: '/p/unhashed.png',
        reason: expect.stringMatching(/no full content hash of it by xxh3/) as string,
      },
    ]);
    const changed = similarPlan(
      report,
      {
        ...meta,
        rows: [...rows(keeper, 'a1'), ...rows({ ...smaller, ctimeNs: 5n }, 'b2'), ...rows(mirrored, 'c3')],
      },
      { action: 'move', to: '/review' },
    );
    expect(changed.left.map((l) => [l.path, l.reason])).toEqual([
      ['/p/smaller.jpg', expect.stringMatching(/no longer describes it as it was grouped/)],
      ['/p/unhashed.png', expect.stringMatching(/no longer describes it/)],
    ]);
    expect(changed.plan.groups[0]!.actions.map((a) => [a.op, a.path, a.to])).toEqual([
      ['move', '/p/mirrored.webp', '/review'],
    ]);
    // A keeper that changed since: its group stays whole.
    const keeperChanged = similarPlan(
      report,
      { ...meta, rows: catalogRows.filter((r) => r.ino !== 1n) },
      { action: 'quarantine' },
    );
    expect(keeperChanged.plan.groups).toEqual([]);
    expect(keeperChanged.left).toHaveLength(5);
  });

  it('round-trips through its JSON with its basis, and says to review it', () => {
    expect(readPlan(text, 'plan.json')).toEqual(built.plan);
    expect((JSON.parse(text) as { warning: string }).warning).toMatch(
      /near-duplicates .* not byte-identical, so review every group/,
    );
  });

  it('is refused when edited to delete or link, at the plan or action level, with the reason', () => {
    for (const op of ['delete', 'hardlink', 'symlink', 'reflink']) {
      expect(() =>
        readPlan(
          edited((d) => (d.groups[0]!.actions[1]!.op = op)),
          'p.json',
        ),
      ).toThrow(
        `would ${op} it, but this plan is made of near-duplicates ("basis": "similar"): ${SIMILAR_OPS_REASON}`,
      );
    }
    expect(() =>
      readPlan(
        edited((d) => (d.action = 'delete')),
        'p.json',
      ),
    ).toThrow(
      /its action is delete: near-duplicates are not byte-identical: only quarantine and move, which undo reverses/,
    );
  });

  it('is refused when its basis is removed (its files are not the size and hash of their group) or changed', () => {
    expect(() =>
      readPlan(
        edited((d) => delete d.basis),
        'p.json',
      ),
    ).toThrow(/\/p\/smaller\.jpg lies outside group 1: its size or hash is not the group's/);
    expect(() =>
      readPlan(
        edited((d) => (d.basis!.kind = 'identical')),
        'p.json',
      ),
    ).toThrow(/basis\.kind/);
    expect(() =>
      readPlan(
        edited((d) => (d.basis!.extra = true)),
        'p.json',
      ),
    ).toThrow(/basis/);
    // An action without a content hash of its own cannot be checked.
    expect(() =>
      readPlan(
        edited((d) => ((d.groups[0]!.actions[0]!.expect as { hash: string }).hash = '')),
        'p.json',
      ),
    ).toThrow(/has no content hash of its own/);
  });

  it("never keeps another user's file, nor acts on one, nor on a member further from the keeper than the level", () => {
    const far = file(5n, 6000, '/p/far.png');
    const theirs = file(6n, 5000, '/shared/theirs.png');
    const wide: SimilarReport = {
      ...report,
      groups: [
        {
          members: [
            { file: keeper, distance: 0, score: 1 },
            { file: smaller, distance: 2, score: 0.97 },
            // Joined through another member: 14 bits from the keeper, more than the 8 asked for.
            { file: far, distance: 14, score: 0.78 },
            { file: theirs, distance: 3, score: 0.95 },
          ],
          reclaimable: 15000,
        },
      ],
    };
    const own = (f: PhysicalFile) => f !== theirs;
    const rowsNow = [...catalogRows, ...rows(far, 'e5'), ...rows(theirs, 'f6')];
    const planned = similarPlan(wide, { ...meta, rows: rowsNow, isOwn: own }, { action: 'quarantine' });
    expect(planned.plan.groups[0]!.actions.map((a) => a.path)).toEqual(['/p/smaller.jpg']);
    expect(Object.fromEntries(planned.left.map((l) => [l.path, l.reason]))).toEqual({
      '/p/far.png': expect.stringMatching(
        /^14 from the one kept \(bits\), more than 8: it was grouped through/,
      ) as string,
      '/shared/theirs.png': "another user's file: never acted on",
    });
    // Another user's file first (larger, older): the whole group stays, the user's own files with it.
    const first: SimilarReport = {
      ...wide,
      groups: [
        {
          members: [
            { file: theirs, distance: 0, score: 1 },
            { file: smaller, distance: 2, score: 0.97 },
          ],
          reclaimable: 4000,
        },
      ],
    };
    const refused = similarPlan(first, { ...meta, rows: rowsNow, isOwn: own }, { action: 'quarantine' });
    expect(refused.plan.groups).toEqual([]);
    expect(refused.left.map((l) => l.path)).toEqual(['/shared/theirs.png', '/p/smaller.jpg']);
    expect(refused.left[0]!.reason).toMatch(/the one to keep, \/shared\/theirs\.png, is another user's/);
  });
});
