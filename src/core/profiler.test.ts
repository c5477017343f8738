import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';
import { Profiler } from './profiler.js';

describe('Profiler', () => {
  it('adds up spans per phase on the monotonic clock and formats a table', async () => {
    const clock = new FakeClock();
    // The main thread is busy for half of every span here.
    const profiler = new Profiler(clock, () => clock.now() / 2);
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
      { name: 'walk', ms: 30, count: 1, mainMs: 15 },
      { name: 'hash', ms: 70, count: 2, mainMs: 35 },
      { name: 'group', ms: 5, count: 1, mainMs: 2.5 },
    ]);
    expect(profiler.format()).toMatch(/hash\s+70\.0 ms\s+66\.7 %\s+-\s+50\.0 %\s+\(2×\)/);
    profiler.items('file', 1000);
    const table = profiler.format();
    expect(table).toMatch(/phase\s+time\s+share\s+µs\/file\s+main/);
    expect(table).toMatch(/hash\s+70\.0 ms\s+66\.7 %\s+70\.00\s+50\.0 %\s+\(2×\)/);
    expect(table).toMatch(/total\s+105\.0 ms\s+100\.0 %\s+105\.00\s+50\.0 %/);
    expect(table).toContain('1000 files');
  });
});
