/** A scheduled callback; cancel it to stop it from firing. Cancelling twice, or after it fired, does nothing. */
export interface Timer {
  cancel(): void;
}

/**
 * Time, as everything in nodupe reads it. `now()` is monotonic and is the only source for durations, timeouts
 * and rates; `wallNow()` is the wall clock, for dates that are stored or shown. Every timed behaviour takes a
 * Clock, so tests can drive it with a {@link FakeClock}.
 */
export interface Clock {
  /** Monotonic milliseconds from an arbitrary origin. Never goes backwards. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch. */
  wallNow(): number;
  /** Runs `callback` once, `delayMs` monotonic milliseconds from now (at the earliest). */
  setTimer(callback: () => void, delayMs: number): Timer;
}

/** The real clock: `performance.now()` for durations, `Date.now()` for dates, Node's timers for scheduling. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(callback, delayMs) {
    // Node's timers count whole milliseconds and may fire up to one early for a fractional delay; rounding up
    // makes a timer fire at its moment rather than just before it.
    const handle = setTimeout(callback, Math.max(0, Math.ceil(delayMs)));
    return { cancel: () => clearTimeout(handle) };
  },
};
