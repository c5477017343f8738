import type { Clock, Timer } from '../core/clock.js';

/** How often the bytes read so far are passed on while tasks run: as often as a terminal's progress line is redrawn. */
export const READ_METER_MS = 100;

/**
 * Passes on the bytes the hashing workers read as they read them, not only when a task ends: progress moves
 * within a large file. The workers add each read's length to one shared 64-bit cell (`cell`, an atomic add per
 * read of up to 1 MiB: no message, no system call); the main thread looks at it every {@link READ_METER_MS}
 * while tasks are out, with one timer that exists only then, and once more as each task comes back, so a task's
 * bytes are all counted before its result is handed on.
 */
export class ReadMeter {
  /** Shared with every worker (through `workerData`). */
  readonly cell = new BigInt64Array(new SharedArrayBuffer(8));
  readonly #clock: Clock;
  readonly #onBytes: (bytes: number) => void;
  #counted = 0n;
  #out = 0;
  #timer: Timer | undefined;

  constructor(clock: Clock, onBytes: (bytes: number) => void) {
    this.#clock = clock;
    this.#onBytes = onBytes;
  }

  /** A task goes out. */
  started(): void {
    if (this.#out++ === 0) this.#arm();
  }

  /** A task came back (or failed): what was read until now is passed on. */
  settled(): void {
    this.#pass();
    if (--this.#out > 0) return;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      this.#pass();
      if (this.#out > 0) this.#arm();
    }, READ_METER_MS);
  }

  #pass(): void {
    const read = Atomics.load(this.cell, 0);
    if (read === this.#counted) return;
    const bytes = Number(read - this.#counted);
    this.#counted = read;
    this.#onBytes(bytes);
  }
}
