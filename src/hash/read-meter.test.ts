import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { READ_METER_MS, ReadMeter } from './read-meter.js';

describe('ReadMeter', () => {
  it('passes on bytes as the workers read them, every 100 ms while a task is out, and sets no timer otherwise', () => {
    const clock = new FakeClock();
    const passed: number[] = [];
    const meter = new ReadMeter(clock, (bytes) => passed.push(bytes));
    expect(clock.pendingTimers()).toBe(0);

    meter.started();
    // A worker reads two chunks of a large file; the main thread hears of them at the next look.
    Atomics.add(meter.cell, 0, 1n << 20n);
    Atomics.add(meter.cell, 0, 1n << 20n);
    expect(passed).toEqual([]);
    clock.advance(READ_METER_MS);
    expect(passed).toEqual([2 << 20]);
    // Nothing read since: nothing passed on, and the meter keeps looking while the task is out.
    clock.advance(READ_METER_MS);
    expect(passed).toEqual([2 << 20]);
    expect(clock.pendingTimers()).toBe(1);

    // The rest of the file, then the task comes back: all of it is passed on at once, and the timer goes.
    Atomics.add(meter.cell, 0, 12345n);
    meter.settled();
    expect(passed).toEqual([2 << 20, 12345]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps one timer however many tasks are out, until the last comes back', () => {
    const clock = new FakeClock();
    const meter = new ReadMeter(clock, () => undefined);
    meter.started();
    meter.started();
    meter.started();
    expect(clock.pendingTimers()).toBe(1);
    meter.settled();
    meter.settled();
    clock.advance(5 * READ_METER_MS);
    expect(clock.pendingTimers()).toBe(1);
    meter.settled();
    expect(clock.pendingTimers()).toBe(0);
  });
});
