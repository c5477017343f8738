import type { Clock, Timer } from '../core/clock.js';
import type { KnownFile } from './known-tree.js';

/**
 * One timer per file that is settling, on the Clock; none otherwise, so an idle watcher holds no timer.
 * `due` looks at the file when its window has passed, and calls `wait` again if it moved meanwhile.
 */
export class Settler {
  readonly #timers = new Map<KnownFile, Timer>();

  constructor(
    private readonly clock: Clock,
    private readonly settleMs: number,
    private readonly due: (file: KnownFile) => void,
  ) {}

  /** Looks at `file` again once the settle window has passed (once: a file already waiting keeps its timer). */
  wait(file: KnownFile): void {
    if (this.#timers.has(file)) return;
    const timer = this.clock.setTimer(() => {
      this.#timers.delete(file);
      this.due(file);
    }, this.settleMs);
    this.#timers.set(file, timer);
  }

  stop(file: KnownFile): void {
    this.#timers.get(file)?.cancel();
    this.#timers.delete(file);
  }

  /** How many files are settling. */
  get size(): number {
    return this.#timers.size;
  }

  close(): void {
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
  }
}
