import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { Debouncer } from './debounce.js';

describe('Debouncer', () => {
  it("an editor's burst of writes gives one call, after the quiet time", () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const d = new Debouncer<string>(clock, 25, (key) => fired.push(`${key}@${clock.now()}`));
    for (let i = 0; i < 5; i++) {
      d.touch('a.mjs');
      clock.advance(10);
    }
    expect(fired).toEqual([]);
    clock.advance(15);
    expect(fired).toEqual(['a.mjs@65']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keys are independent; close() cancels what is pending', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const d = new Debouncer<string>(clock, 25, (key) => fired.push(key));
    d.touch('a');
    clock.advance(20);
    d.touch('b');
    clock.advance(5);
    expect(fired).toEqual(['a']);
    expect(d.pending).toBe(1);
    d.close();
    clock.advance(100);
    expect(fired).toEqual(['a']);
    expect(clock.pendingTimers()).toBe(0);
  });
});
