import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';
import { Profiler } from './profiler.js';

describe('Profiler', () => {
  it('adds up spans per phase on the monotonic clock and formats a table', async () => {
    const clock = new FakeClock();
    const profiler = new Profiler(clock);
    const endWalk = profiler.start('walk');
    clock.advance(30);
    endWalk();
    endWalk();
    await profiler.span('hash', () => clock.advance(60));
    await profiler.span('hash', () => clock.advance(10));
    await expect(
      profiler.span('group', () => {
        clock.advance(5);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(profiler.timings()).toEqual([
      { name: 'walk', ms: 30, count: 1 },
      { name: 'hash', ms: 70, count: 2 },
      { name: 'group', ms: 5, count: 1 },
    ]);
    const table = profiler.format();
    expect(table).toContain('hash');
    expect(table).toMatch(/hash\s+70\.0 ms\s+66\.7 %\s+\(2×\)/);
  });
});
