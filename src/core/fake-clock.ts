import type { Clock, Timer } from './clock.js';
import { checkNumber } from './errors.js';

interface Scheduled {
  due: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock for tests: time stands still until the test advances it, and due timers fire in order of their due
 * time (then of their creation) as it does. Nothing here waits in real time.
 *
 * @example
 * const clock = new FakeClock();
 * const limiter = new RateLimiter({ rate: 10, burst: 1, clock });
 * const granted = limiter.acquire(1);
 * await clock.advanceAsync(100);
 */
export class FakeClock implements Clock {
  #now: number;
  #wallOrigin: number;
  #seq = 0;
  #timers: Scheduled[] = [];

  constructor(options: { now?: number; wallNow?: number } = {}) {
    this.#now = options.now ?? 0;
    this.#wallOrigin = (options.wallNow ?? Date.UTC(2026, 0, 1)) - this.#now;
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#wallOrigin + this.#now;
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const entry: Scheduled = {
      due: this.#now + Math.max(0, delayMs),
      seq: this.#seq++,
      callback,
      cancelled: false,
    };
    // Keep the list sorted by (due, seq); timers are few in tests, so an insertion is cheap enough.
    let i = this.#timers.length;
    while (i > 0 && this.#timers[i - 1]!.due > entry.due) i--;
    this.#timers.splice(i, 0, entry);
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        const at = this.#timers.indexOf(entry);
        if (at >= 0) this.#timers.splice(at, 1);
      },
    };
  }

  /** How many timers are scheduled and not yet fired or cancelled. */
  pendingTimers(): number {
    return this.#timers.length;
  }

  /** The due time of the next timer, if any. */
  nextDue(): number | undefined {
    return this.#timers[0]?.due;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (synchronously). */
  advance(ms: number): void {
    checkNumber('FakeClock.advance(ms)', ms, { min: 0 });
    const target = this.#now + ms;
    for (let next = this.#timers[0]; next && next.due <= target; next = this.#timers[0]) {
      this.#fire(next);
    }
    this.#now = target;
  }

  /**
   * Like {@link advance}, but lets promise callbacks run after each timer fires, so that chains of awaits
   * triggered by one timer see the time they expect before the next one fires.
   */
  async advanceAsync(ms: number): Promise<void> {
    checkNumber('FakeClock.advanceAsync(ms)', ms, { min: 0 });
    const target = this.#now + ms;
    await settle();
    for (let next = this.#timers[0]; next && next.due <= target; next = this.#timers[0]) {
      this.#fire(next);
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Fires timers one after another until none is left (at most `limit`, against runaway rescheduling). */
  async runAll(limit = 100_000): Promise<void> {
    for (let fired = 0; this.#timers.length > 0; fired++) {
      if (fired >= limit) throw new Error(`FakeClock.runAll: more than ${limit} timers fired`);
      await this.advanceAsync(this.#timers[0]!.due - this.#now);
    }
  }

  #fire(entry: Scheduled): void {
    this.#timers.shift();
    this.#now = Math.max(this.#now, entry.due);
    entry.cancelled = true;
    entry.callback();
  }
}

/** Resolves once the promise jobs queued so far (and those they queue) have run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
