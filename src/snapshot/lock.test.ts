import { mkdirSync, symlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch } from '../../test/helpers/tree.js';
import { FakeClock } from '../core/fake-clock.js';
import { createSnapshot } from './create.js';
import { withStoreLock } from './lock.js';

let t: ReturnType<typeof scratch>;
beforeEach(() => {
  t = scratch();
});
afterEach(() => t.remove());

describe('withStoreLock', () => {
  it('refuses a store in use, by any spelling of its folder, and frees it when the action ends', async () => {
    const store = t.path('snapshots');
    mkdirSync(store);
    symlinkSync(store, t.path('link'));
    const file = t.write('f', 'content');
    const inUse = new RegExp(`^the snapshot folder .* is in use by another nodupe \\(pid ${process.pid}\\)`);
    await withStoreLock(store, async () => {
      await expect(withStoreLock(t.path('link'), () => Promise.resolve())).rejects.toMatchObject({
        code: 'BAD_INPUT',
        message: expect.stringMatching(inUse) as string,
      });
      await expect(createSnapshot(store, [file], { clock: new FakeClock() })).rejects.toThrow(inUse);
    });
    await expect(withStoreLock(t.path('link'), () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect((await createSnapshot(store, [file], { clock: new FakeClock() })).files).toBe(1);
  });
});
