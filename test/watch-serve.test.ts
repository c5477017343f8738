import { mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from './helpers/eventually.js';
import { serviceFixture } from './helpers/service.js';
import { bytes } from './helpers/tree.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe('nodupe serve --watch (the service side)', () => {
  it('sends what the watch reports as watch events, and says the catalog changed', async () => {
    const fx = await serviceFixture();
    const root = fx.dir.path('t');
    const watch = fx.service.watch([root], { settleMs: 500 });
    cleanups.push(
      () => fx.close(),
      () => watch.close(),
    );
    await watch.ready;
    const before = await fx.service.call('stats', {});
    mkdirSync(fx.dir.path('t/new'));
    writeFileSync(fx.dir.path('t/new/photo-copy.jpg'), bytes(3000, 1));
    await eventually(() => fx.events.some((e) => e.type === 'watch' && e.report.type === 'ready'), 'ready');
    // The file must be seen settling before the window is let pass on the fake clock.
    await eventually(() => fx.clock.pendingTimers() > 0, 'a settling file');
    fx.clock.advance(500);
    await eventually(
      () => fx.events.some((e) => e.type === 'watch' && e.report.type === 'duplicate'),
      'a duplicate',
    );
    const duplicate = fx.events.find((e) => e.type === 'watch' && e.report.type === 'duplicate');
    expect(duplicate).toMatchObject({
      type: 'watch',
      report: {
        type: 'duplicate',
        path: fx.dir.path('t/new/photo-copy.jpg'),
        size: 3000,
        duplicates: expect.arrayContaining([fx.dir.path('t/a/photo.jpg')]) as unknown,
      },
    });
    await eventually(() => fx.events.some((e) => e.type === 'catalog.changed'), 'catalog.changed');
    const after = await fx.service.call('stats', {});
    expect(after.files).toBe(before.files + 1);
  });
});
