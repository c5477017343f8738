import type { Clock, Timer } from '../core/clock.js';
import type { HashState } from './hashers.js';

/**
 * Calls into a plugin's hasher are timed through a few integers of shared memory per task (a `watch` cell):
 * the worker counts each entry into and exit from the plugin's code (odd while inside) and notes which call and
 * which item; the pool's {@link CallWatchdog} reads them. Only the plugin's own code is timed: reads, and waits
 * for the rate limiter, happen outside every call, so a large file or a low `--max-read-rate` never trips it.
 */
const SEQ = 0;
const CALL = 1;
const ITEM = 2;
const CELL_INTS = 3;

const HASHER_CALLS = ['createHashState', 'reset', 'update', 'digest'] as const;
export type HasherCall = (typeof HASHER_CALLS)[number];
const CALL_INDEX: Record<HasherCall, number> = { createHashState: 0, reset: 1, update: 2, digest: 3 };

function newWatchCell(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(CELL_INTS * Int32Array.BYTES_PER_ELEMENT));
}

/** Worker side: runs `call` of the plugin's code, marked in `cell` as running while it does. */
function inCall<T>(cell: Int32Array, call: HasherCall, run: () => T): T {
  Atomics.store(cell, CALL, CALL_INDEX[call]);
  Atomics.add(cell, SEQ, 1);
  try {
    return run();
  } finally {
    Atomics.add(cell, SEQ, 1);
  }
}

/** Worker side, for an asynchronous call (createHashState may return a promise): the wait counts too. */
export async function inAsyncCall<T>(cell: Int32Array, call: HasherCall, run: () => Promise<T>): Promise<T> {
  Atomics.store(cell, CALL, CALL_INDEX[call]);
  Atomics.add(cell, SEQ, 1);
  try {
    return await run();
  } finally {
    Atomics.add(cell, SEQ, 1);
  }
}

/** Worker side: notes which item of the task is being hashed, for the watchdog's message. */
export function markItem(cell: Int32Array, item: number): void {
  Atomics.store(cell, ITEM, item);
}

/** Worker side: a plugin's hashing state whose every call is marked in `cell`. */
export function watchedState(state: HashState, cell: Int32Array): HashState {
  return {
    reset: () => inCall(cell, 'reset', () => state.reset()),
    update: (data) => inCall(cell, 'update', () => state.update(data)),
    digest: () => inCall(cell, 'digest', () => state.digest()),
  };
}

/** A call found running longer than the limit: which one, in which item of which task. */
export interface StuckCall<T> {
  call: HasherCall;
  item: number;
  task: T;
}

interface Watched<T> {
  cell: Int32Array;
  task: T;
  /** The odd count last seen, and when it was first seen (the call began no later than that). */
  seq: number;
  since: number;
}

/**
 * Pool side: looks at the watched tasks every quarter of `limitMs` on the clock, and reports the first call
 * seen running for `limitMs` or more (never sooner: a call is timed from the first look that found it
 * running, so it is caught between `limitMs` and 1.25 × `limitMs` after it began). No timer runs while
 * nothing is watched.
 */
export class CallWatchdog<T> {
  readonly #watched = new Set<Watched<T>>();
  readonly #limitMs: number;
  readonly #clock: Clock;
  readonly #onStuck: (stuck: StuckCall<T>) => void;
  #timer: Timer | undefined;
  #stopped = false;

  constructor(limitMs: number, clock: Clock, onStuck: (stuck: StuckCall<T>) => void) {
    this.#limitMs = limitMs;
    this.#clock = clock;
    this.#onStuck = onStuck;
  }

  /** Starts watching one task; returns its cell (to send with the task) and the function that ends the watch. */
  watch(task: T): { cell: Int32Array; done: () => void } {
    const watched: Watched<T> = { cell: newWatchCell(), task, seq: 0, since: 0 };
    if (!this.#stopped) {
      this.#watched.add(watched);
      this.#arm();
    }
    return { cell: watched.cell, done: () => this.#unwatch(watched) };
  }

  /** Watches nothing more, and cancels the timer. */
  stop(): void {
    this.#stopped = true;
    this.#watched.clear();
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #unwatch(watched: Watched<T>): void {
    this.#watched.delete(watched);
    if (this.#watched.size > 0) return;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer ??= this.#clock.setTimer(() => this.#look(), this.#limitMs / 4);
  }

  #look(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    for (const w of this.#watched) {
      const seq = Atomics.load(w.cell, SEQ);
      if (seq % 2 === 0 || seq !== w.seq) {
        w.seq = seq;
        w.since = now;
      } else if (now - w.since >= this.#limitMs) {
        const call = HASHER_CALLS[Atomics.load(w.cell, CALL)] ?? 'update';
        this.stop();
        this.#onStuck({ call, item: Atomics.load(w.cell, ITEM), task: w.task });
        return;
      }
    }
    if (this.#watched.size > 0) this.#arm();
  }
}
