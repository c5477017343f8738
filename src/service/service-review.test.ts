import { afterEach, describe, expect, it } from 'vitest';
import { NodupeError } from '../core/errors.js';
import { serviceFixture } from '../../test/helpers/service.js';
import { PLANS_KEPT } from './plan-store.js';

let fixture: Awaited<ReturnType<typeof serviceFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('plan summaries', () => {
  it('a move plan frees nothing, now or after a purge: the files take their space where they go', async () => {
    const { service, dir } = (fixture = await serviceFixture());
    const plan = await service.call('plan.build', { action: 'move', to: dir.path('moved') });
    expect(plan.summary).toMatchObject({ actions: 4, bytes: 7500, freedNow: 0, freedAfterPurge: 0 });
    const quarantine = await service.call('plan.build', {});
    expect(quarantine.summary).toMatchObject({ bytes: 7500, freedNow: 0, freedAfterPurge: 7500 });
  });
});

describe('plans kept in memory', () => {
  it('are the last few used; an older one never edited nor applied is gone', async () => {
    const { service } = (fixture = await serviceFixture());
    const old = await service.call('plan.build', {});
    const used = await service.call('plan.build', {});
    for (let i = 0; i < PLANS_KEPT; i++) {
      await service.call('plan.build', {});
      await service.call('plan.get', { id: used.id });
    }
    const gone = await service.call('plan.get', { id: old.id }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(NodupeError);
    expect((gone as NodupeError).code).toBe('NOT_FOUND');
    // The one in use stayed in memory.
    expect((await service.call('plan.get', { id: used.id })).id).toBe(used.id);
  });
});

describe('filtered pages', () => {
  it('page through every match exactly once, and follow a group marked "not duplicates"', async () => {
    const { service } = (fixture = await serviceFixture({ extra: 7 }));
    const pageAll = async (params: { path: string; includeIgnored?: boolean }) => {
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await service.call('groups', { ...params, limit: 2, ...(cursor ? { cursor } : {}) });
        keys.push(...page.groups.map((g) => g.key));
        cursor = page.next ?? undefined;
      } while (cursor !== undefined);
      return keys;
    };
    const all = await pageAll({ path: '**/g/*.dat' });
    expect(all).toHaveLength(7);
    expect(new Set(all).size).toBe(7);
    await service.call('group.ignore', { key: all[3]!, ignored: true });
    expect(await pageAll({ path: '**/g/*.dat' })).toEqual(all.filter((k) => k !== all[3]));
    expect(await pageAll({ path: '**/g/*.dat', includeIgnored: true })).toEqual(all);
    expect(await service.call('stats', {})).toMatchObject({ groups: 9, ignoredGroups: 1 });
  });
});
