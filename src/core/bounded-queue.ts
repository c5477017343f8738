import { AbortError, NodupeError, abortErrorFrom, checkNumber, checkOptions, checkSignal } from './errors.js';
import { Fifo, type FifoNode } from './fifo.js';

export interface BoundedQueueOptions {
  /** How many items the queue holds before `put` waits. */
  capacity: number;
}

export interface WaitOptions {
  signal?: AbortSignal;
}

/** Rejects `put` after `close()`, and `take` once a closed queue is empty. */
export class QueueClosedError extends NodupeError {
  constructor(message = 'The queue is closed') {
    super('QUEUE_CLOSED', message);
    this.name = 'QueueClosedError';
  }
}

interface Waiting<R> {
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Putter<T> extends Waiting<undefined> {
  item: T;
}

/**
 * A FIFO queue with a fixed capacity between producers and consumers: `put` waits while it is full, `take`
 * waits while it is empty. Everything is driven by the other side's calls; there are no timers.
 *
 * `close()` ends production: later puts, and puts still waiting for room, are rejected with QueueClosedError;
 * takers drain what is in the queue, then finish. `abort(reason)` ends everything at once and drops the items.
 *
 * @example
 * const queue = new BoundedQueue<string>({ capacity: 64 });
 * void (async () => { for (const p of paths) await queue.put(p); queue.close(); })();
 * for await (const path of queue) console.log(path);
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  readonly capacity: number;
  readonly #items = new Fifo<T>();
  readonly #putters = new Fifo<Putter<T>>();
  readonly #takers = new Fifo<Waiting<T>>();
  #closed = false;
  #abortReason: AbortError | undefined;

  constructor(options: BoundedQueueOptions) {
    const o = checkOptions('BoundedQueue options', options);
    this.capacity = checkNumber('BoundedQueue capacity', o.capacity, { integer: true, min: 1 });
  }

  /** Items held now (not counting puts still waiting for room). */
  get size(): number {
    return this.#items.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  put(item: T, options: WaitOptions = {}): Promise<void> {
    const signal = checkSignal('put signal', checkOptions('put options', options).signal);
    const refusal = this.#refusal(signal, 'put');
    if (refusal) return Promise.reject(refusal);
    const taker = this.#takers.shift();
    if (taker) {
      this.#unlisten(taker);
      taker.resolve(item);
      return Promise.resolve();
    }
    if (this.#items.size < this.capacity) {
      this.#items.push(item);
      return Promise.resolve();
    }
    return this.#wait<undefined, Putter<T>>(this.#putters, { item } as Putter<T>, signal);
  }

  take(options: WaitOptions = {}): Promise<T> {
    const signal = checkSignal('take signal', checkOptions('take options', options).signal);
    if (this.#abortReason) return Promise.reject(this.#abortReason);
    if (signal?.aborted) return Promise.reject(abortErrorFrom(signal));
    if (this.#items.size > 0) {
      const item = this.#items.shift() as T;
      this.#admitPutter();
      return Promise.resolve(item);
    }
    if (this.#closed) return Promise.reject(new QueueClosedError());
    return this.#wait(this.#takers, {} as Waiting<T>, signal);
  }

  /** Stops production. Takers still get what is queued, then finish. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const putter of this.#putters.drain()) {
      this.#unlisten(putter);
      putter.reject(new QueueClosedError('The queue was closed before there was room for this item'));
    }
    for (const taker of this.#takers.drain()) {
      this.#unlisten(taker);
      taker.reject(new QueueClosedError());
    }
  }

  /** Ends the queue at once: every waiter is rejected with an AbortError and queued items are dropped. */
  abort(reason?: unknown): void {
    if (this.#abortReason) return;
    this.#abortReason =
      reason instanceof AbortError ? reason : new AbortError('The queue was aborted', { cause: reason });
    this.#closed = true;
    this.#items.drain();
    for (const waiter of [...this.#putters.drain(), ...this.#takers.drain()]) {
      this.#unlisten(waiter);
      waiter.reject(this.#abortReason);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      try {
        yield await this.take();
      } catch (error) {
        if (error instanceof QueueClosedError) return;
        throw error;
      }
    }
  }

  #refusal(signal: AbortSignal | undefined, what: string): Error | undefined {
    if (this.#abortReason) return this.#abortReason;
    if (this.#closed) return new QueueClosedError(`Cannot ${what}: the queue is closed`);
    if (signal?.aborted) return abortErrorFrom(signal);
    return undefined;
  }

  #admitPutter(): void {
    const putter = this.#putters.shift();
    if (!putter) return;
    this.#unlisten(putter);
    this.#items.push(putter.item);
    putter.resolve(undefined);
  }

  #wait<R, W extends Waiting<R>>(line: Fifo<W>, waiter: W, signal: AbortSignal | undefined): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
      waiter.signal = signal;
      const node: FifoNode<W> = line.push(waiter);
      if (signal) {
        waiter.onAbort = () => {
          if (line.remove(node)) reject(abortErrorFrom(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
    });
  }

  #unlisten(waiter: Waiting<never> | Waiting<T> | Putter<T>): void {
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }
}
