import type { Clock, Timer } from '../core/clock.js';

/**
 * Calls `fire(key)` once a key has been quiet for `quietMs`: an editor's burst of writes to one file gives one
 * call. One timer per pending key, on the Clock; none when nothing is pending.
 */
export class Debouncer<K> {
  readonly #timers = new Map<K, Timer>();

  constructor(
    private readonly clock: Clock,
    private readonly quietMs: number,
    private readonly fire: (key: K) => void,
  ) {}

  touch(key: K): void {
    this.#timers.get(key)?.cancel();
    this.#timers.set(
      key,
      this.clock.setTimer(() => {
        this.#timers.delete(key);
        this.fire(key);
      }, this.quietMs),
    );
  }

  get pending(): number {
    return this.#timers.size;
  }

  close(): void {
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
  }
}
