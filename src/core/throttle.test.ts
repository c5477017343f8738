import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';
import { throttle } from './throttle.js';

describe('throttle', () => {
  it('runs at once, then at most once per interval with one trailing call, and sets no timer while idle', () => {
    const clock = new FakeClock();
    const calls: number[] = [];
    const t = throttle(clock, 100, () => calls.push(clock.now()));
    t.call();
    expect(calls).toEqual([0]);
    expect(clock.pendingTimers()).toBe(0);
    for (let i = 0; i < 10; i++) {
      clock.advance(10);
      t.call();
    }
    // The trailing call fired at 100; the call made at 100 after it is owed one more, at 200.
    expect(calls).toEqual([0, 100]);
    clock.advance(1000);
    expect(calls).toEqual([0, 100, 200]);
    expect(clock.pendingTimers()).toBe(0);
    t.call();
    expect(calls).toEqual([0, 100, 200, 1100]);
  });

  it('flush runs an owed call now; cancel drops it', () => {
    const clock = new FakeClock();
    let calls = 0;
    const t = throttle(clock, 100, () => calls++);
    t.call();
    t.call();
    t.flush();
    expect(calls).toBe(2);
    t.call();
    t.cancel();
    clock.advance(500);
    expect(calls).toBe(2);
    expect(clock.pendingTimers()).toBe(0);
  });
});
