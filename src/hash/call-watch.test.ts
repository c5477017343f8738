import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import {
  CallWatchdog,
  inAsyncCall,
  markItem,
  watchedState,
  type HasherCall,
  type StuckCall,
} from './call-watch.js';

function setup(limitMs = 1000) {
  const clock = new FakeClock();
  const stuck: StuckCall<string>[] = [];
  const watchdog = new CallWatchdog<string>(limitMs, clock, (s) => stuck.push(s));
  return { clock, stuck, watchdog };
}

/** Plays a worker whose plugin never returns from `call` on item `item`. */
function enterForever(cell: Int32Array, call: HasherCall, item = 0): void {
  markItem(cell, item);
  void inAsyncCall(cell, call, () => new Promise<never>(() => undefined));
}

describe('CallWatchdog', () => {
  it('reports a call that runs for the limit, with which call and which item, never sooner', () => {
    const { clock, stuck, watchdog } = setup(1000);
    const { cell } = watchdog.watch('task');
    enterForever(cell, 'update', 3);
    // Timed from the first look that found it running, a quarter of the limit in: caught at 1.25 × the limit.
    clock.advance(1249);
    expect(stuck).toEqual([]);
    clock.advance(1);
    expect(stuck).toEqual([{ call: 'update', item: 3, task: 'task' }]);
    // It reports once and then watches nothing more.
    expect(clock.pendingTimers()).toBe(0);
  });

  it('lets calls that keep returning run as long as they like: only one call is timed', () => {
    const { clock, stuck, watchdog } = setup(1000);
    const { cell, done } = watchdog.watch('task');
    const state = watchedState({ reset() {}, update() {}, digest: () => '0' }, cell);
    for (let i = 0; i < 20; i++) {
      state.update(new Uint8Array(1));
      clock.advance(400);
    }
    // Time outside every call (reads, rate-limiter waits) does not count either.
    clock.advance(10_000);
    expect(stuck).toEqual([]);
    done();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('sets no timer while nothing is watched, and none after stop()', () => {
    const { clock, stuck, watchdog } = setup();
    expect(clock.pendingTimers()).toBe(0);
    const first = watchdog.watch('a');
    const second = watchdog.watch('b');
    expect(clock.pendingTimers()).toBe(1);
    first.done();
    expect(clock.pendingTimers()).toBe(1);
    second.done();
    expect(clock.pendingTimers()).toBe(0);
    const third = watchdog.watch('c');
    enterForever(third.cell, 'digest');
    watchdog.stop();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(10_000);
    expect(stuck).toEqual([]);
  });
});
