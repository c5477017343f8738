import type { Clock, Timer } from './clock.js';

/**
 * Calls `fn` at most once per `intervalMs`: at once when the last call is old enough, otherwise once at the end
 * of the interval (the trailing call). At most one timer exists, and only while a trailing call is owed, so an
 * idle throttle costs nothing. `flush()` runs an owed call now; `cancel()` drops it.
 */
export function throttle(clock: Clock, intervalMs: number, fn: () => void) {
  let last = -Infinity;
  let timer: Timer | undefined;
  const run = (): void => {
    timer = undefined;
    last = clock.now();
    fn();
  };
  return {
    call(): void {
      if (timer) return;
      const wait = last + intervalMs - clock.now();
      if (wait <= 0) run();
      else timer = clock.setTimer(run, wait);
    },
    flush(): void {
      if (!timer) return;
      timer.cancel();
      run();
    },
    cancel(): void {
      timer?.cancel();
      timer = undefined;
    },
  };
}
