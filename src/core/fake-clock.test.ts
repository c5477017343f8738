import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';

describe('FakeClock', () => {
  it('fires due timers in order of due time, then of creation, and only when advanced', () => {
    const clock = new FakeClock({ now: 5, wallNow: 1_000_000 });
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimer(() => fired.push(`c@${clock.now()}`), 20);
    const cancelled = clock.setTimer(() => fired.push('never'), 15);
    cancelled.cancel();
    expect(clock.pendingTimers()).toBe(3);
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(100);
    expect(fired).toEqual(['a@15', 'b@25', 'c@25']);
    expect(clock.now()).toBe(114);
    expect(clock.wallNow()).toBe(1_000_109);
  });

  it('fires timers that callbacks schedule inside the advanced window', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const again = () => {
      fired.push(clock.now());
      if (fired.length < 3) clock.setTimer(again, 10);
    };
    clock.setTimer(again, 10);
    clock.advance(100);
    expect(fired).toEqual([10, 20, 30]);
  });

  it('lets promise callbacks run between timers with advanceAsync', async () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimer(resolve, ms));
    const chain = (async () => {
      await wait(10);
      seen.push(clock.now());
      await wait(10);
      seen.push(clock.now());
    })();
    await clock.advanceAsync(25);
    await chain;
    expect(seen).toEqual([10, 20]);
  });

  it('refuses to go backwards', () => {
    expect(() => new FakeClock().advance(-1)).toThrow(RangeError);
  });
});
