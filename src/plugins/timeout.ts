import type { Clock } from '../core/clock.js';

/**
 * Resolves as `work` does, or rejects when it takes longer than `ms` on the clock (the work itself is not
 * stopped: a plugin hook cannot be cancelled, only given up on). The timer is cleared either way.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, clock: Clock, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimer(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    work.then(
      (value) => {
        timer.cancel();
        resolve(value);
      },
      (error: unknown) => {
        timer.cancel();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
