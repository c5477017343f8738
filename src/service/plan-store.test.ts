import { existsSync, readdirSync, utimesSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { planToJson } from '../plan/plan-json.js';
import type { Plan } from '../plan/plan.js';
import { scratch } from '../../test/helpers/tree.js';
import { PLAN_FILES_KEPT, PlanStore } from './plan-store.js';

const dirs: ReturnType<typeof scratch>[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

const plan = (id: string, catalogId = 'cat-1'): Plan => ({
  id,
  createdAt: '2026-06-01T00:00:00.000Z',
  catalog: { id: catalogId, location: '/somewhere/catalog.db' },
  algorithm: 'xxh3',
  policy: { rules: [], protect: [], onlyFrom: [], keepN: 1 },
  action: 'quarantine',
  groups: [],
});

function setUp(inUse: string[] = []) {
  const dir = scratch();
  dirs.push(dir);
  const store = new PlanStore(dir.path('plans'), new FakeClock(), {
    catalogId: 'cat-1',
    inUse: () => new Set(inUse),
  });
  /** A plan file left from before (by an older nodupe that wrote one per plan built), written long ago. */
  const old = (id: string, catalogId = 'cat-1') => {
    const path = dir.write(`plans/${id}.json`, planToJson(plan(id, catalogId)));
    utimesSync(path, new Date('2020-01-01'), new Date('2020-01-01'));
    return path;
  };
  const files = () => readdirSync(dir.path('plans')).sort();
  return { dir, store, old, files };
}

describe('the plan store', () => {
  it('keeps a plan just built in memory only, and writes its file when it is saved or applied', () => {
    const { dir, store } = setUp();
    store.add(plan('built'));
    expect(existsSync(dir.path('plans/built.json'))).toBe(false);
    expect(store.get('built').plan.id).toBe('built');
    store.getOnFile('built');
    expect(existsSync(dir.path('plans/built.json'))).toBe(true);
    store.save(plan('edited'));
    expect(existsSync(dir.path('plans/edited.json'))).toBe(true);
  });

  it(`keeps the newest ${PLAN_FILES_KEPT} files no run names, every file a run names, and other catalogs' files`, () => {
    const { dir, store, old, files } = setUp(['applied']);
    old('applied');
    old('other', 'cat-2');
    // Another catalog's newer plan takes none of this catalog's places.
    dir.write('plans/other-new.json', planToJson(plan('other-new', 'cat-2')));
    old('stale-1');
    old('stale-2');
    for (let i = 0; i < PLAN_FILES_KEPT; i++) store.save(plan(`p-${i}`));
    const left = files();
    expect(left).toContain('applied.json');
    expect(left).toContain('other.json');
    expect(left).toContain('other-new.json');
    expect(left).not.toContain('stale-1.json');
    expect(left).not.toContain('stale-2.json');
    expect(left.filter((name) => name.startsWith('p-'))).toHaveLength(PLAN_FILES_KEPT);

    // One more: still the newest 32, the one just written among them.
    store.save(plan('last'));
    expect(files().filter((name) => name.startsWith('p-') || name === 'last.json')).toHaveLength(
      PLAN_FILES_KEPT,
    );
    expect(files()).toContain('last.json');
    expect(files()).toContain('applied.json');
  });

  it('writes again the file of a plan in memory whose file was trimmed, when it is applied', () => {
    const { dir, store, old } = setUp();
    store.add(plan('kept'));
    store.getOnFile('kept');
    utimesSync(dir.path('plans/kept.json'), new Date('2019-01-01'), new Date('2019-01-01'));
    for (let i = 0; i < PLAN_FILES_KEPT; i++) old(`x-${i}`);
    store.save(plan('new'));
    expect(existsSync(dir.path('plans/kept.json'))).toBe(false);
    expect(store.getOnFile('kept').plan.id).toBe('kept');
    expect(existsSync(dir.path('plans/kept.json'))).toBe(true);
  });
});
