import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../catalog/sqlite/sqlite-store.js';
import { NodupeError } from '../core/errors.js';
import { scan } from '../scan/scan.js';
import { serviceFixture } from '../../test/helpers/service.js';

let fixture: Awaited<ReturnType<typeof serviceFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const changes = (f: NonNullable<typeof fixture>) => f.events.filter((e) => e.type === 'catalog.changed');

describe('changes another process makes to the catalog', () => {
  it('a `nodupe scan` from elsewhere shows in the next read, and cursors of before are refused', async () => {
    const f = (fixture = await serviceFixture({ extra: 3 }));
    const { service, dir } = f;
    const first = await service.call('groups', { limit: 2 });
    const before = await service.call('stats', {});
    expect(before.generation).toBe(1);

    dir.write('t/z/another.jpg', readFileSync(dir.path('t/a/photo.jpg')));
    const other = SqliteCatalog.open(dir.path('catalog.db'));
    try {
      await scan({ roots: [dir.path('t')], catalog: other, threads: 1 });
    } finally {
      other.close();
    }

    const photos = (await service.call('groups', { kind: 'image' })).groups[0]!;
    expect(photos.files).toBe(4);
    expect(changes(f)).toEqual([{ type: 'catalog.changed', generation: 2 }]);
    const stale = await service.call('groups', { limit: 2, cursor: first.next! }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(NodupeError);
    expect((stale as NodupeError).message).toContain('the groups changed');
    expect(await service.call('stats', {})).toMatchObject({
      generation: 2,
      files: before.files + 1,
      scans: [{ id: 1 }, { id: 2 }],
    });
    // Nothing changed since: no new generation.
    expect((await service.call('stats', {})).generation).toBe(2);
    expect(changes(f)).toHaveLength(1);
  });

  it('a group marked "not duplicates" by another connection is left out of the next page', async () => {
    const f = (fixture = await serviceFixture());
    const { service, dir } = f;
    const text = (await service.call('groups', { kind: 'text' })).groups[0]!;
    const other = SqliteCatalog.open(dir.path('catalog.db'));
    try {
      other.setIgnored({ size: text.size, hash: text.hash }, true, Date.UTC(2026, 5, 2));
    } finally {
      other.close();
    }
    const group = await service.call('group', { key: text.key });
    expect(group.ignored).toBe(true);
    expect((await service.call('groups', {})).groups.map((g) => g.key)).not.toContain(text.key);
    expect(changes(f)).toEqual([{ type: 'catalog.changed', generation: 2 }]);
  });

  it("the service's own scan is one change, not one per commit of its writer", async () => {
    const f = (fixture = await serviceFixture());
    const { service, dir } = f;
    dir.write('t/z/another.jpg', readFileSync(dir.path('t/a/photo.jpg')));
    await f.finished(await service.call('scan', { paths: [dir.path('t')] }));
    expect((await service.call('groups', { kind: 'image' })).groups[0]!.files).toBe(4);
    expect((await service.call('stats', {})).generation).toBe(2);
    expect(changes(f)).toEqual([{ type: 'catalog.changed', generation: 2 }]);
  });
});
