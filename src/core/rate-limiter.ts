import { systemClock, type Clock, type Timer } from './clock.js';
import { abortErrorFrom, checkNumber, checkOptions, checkSignal } from './errors.js';
import { Fifo, type FifoNode } from './fifo.js';

export interface RateLimiterOptions {
  /** Tokens added per second. */
  rate: number;
  /** Bucket size: the most tokens that can be held, and so the largest single request. */
  burst: number;
  /** Tokens in the bucket at the start; defaults to a full bucket. */
  initialTokens?: number;
  clock?: Clock;
}

export interface AcquireOptions {
  signal?: AbortSignal;
}

export interface RateLimiterStats {
  rate: number;
  burst: number;
  /** Tokens in the bucket now. */
  tokens: number;
  /** Requests waiting in line. */
  waiting: number;
  /** Requests granted so far, and the tokens they took. */
  granted: number;
  grantedTokens: number;
  /** Times the one timer was armed and fired; a fire that found too few tokens re-arms (`earlyFires`). */
  timerArms: number;
  timerFires: number;
  earlyFires: number;
}

interface Waiter {
  n: number;
  resolve: () => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

// Floating-point slack when comparing token counts computed from elapsed time: a billionth of a token.
const EPSILON = 1e-9;

/**
 * A token bucket on a monotonic clock. Requests wait in one FIFO line, so a large one is never starved by a
 * stream of small ones. While anyone waits there is exactly one timer, armed for the moment the first waiter's
 * tokens exist; nothing polls, and when the line is empty no timer is left.
 *
 * @example
 * const limiter = new RateLimiter({ rate: 50 * 2 ** 20, burst: 4 * 2 ** 20 }); // 50 MiB/s
 * await limiter.acquire(chunk.length);
 */
export class RateLimiter {
  #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #updatedAt: number;
  readonly #line = new Fifo<Waiter>();
  #timer: Timer | undefined;
  #granted = 0;
  #grantedTokens = 0;
  #timerArms = 0;
  #timerFires = 0;
  #earlyFires = 0;

  constructor(options: RateLimiterOptions) {
    const o = checkOptions('RateLimiter options', options);
    this.#rate = checkNumber('RateLimiter rate', o.rate, { above: 0 });
    this.#burst = checkNumber('RateLimiter burst', o.burst, { above: 0 });
    this.#tokens =
      o.initialTokens === undefined
        ? this.#burst
        : checkNumber('RateLimiter initialTokens', o.initialTokens, { min: 0, max: this.#burst });
    this.#clock = (o.clock as Clock | undefined) ?? systemClock;
    this.#updatedAt = this.#clock.now();
  }

  get rate(): number {
    return this.#rate;
  }

  get burst(): number {
    return this.#burst;
  }

  /** Waits until `n` tokens can be taken, behind everyone already waiting, then takes them. */
  acquire(n = 1, options: AcquireOptions = {}): Promise<void> {
    let signal: AbortSignal | undefined;
    try {
      this.#checkRequest('acquire', n);
      signal = checkSignal('acquire signal', checkOptions('acquire options', options).signal);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (signal?.aborted) return Promise.reject(abortErrorFrom(signal));
    if (this.#line.size === 0 && this.#take(n)) return Promise.resolve();

    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { n, resolve, reject, signal, onAbort: undefined };
      const node = this.#line.push(waiter);
      if (signal) {
        waiter.onAbort = () => this.#cancel(node, abortErrorFrom(signal));
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      if (this.#line.size === 1) this.#plan();
    });
  }

  /** Takes `n` tokens if they are there and nobody is waiting; never waits. */
  tryAcquire(n = 1): boolean {
    this.#checkRequest('tryAcquire', n);
    return this.#line.size === 0 && this.#take(n);
  }

  /** Changes the rate from now on; tokens earned so far were earned at the old rate. Re-plans the timer. */
  setRate(rate: number): void {
    checkNumber('RateLimiter.setRate(rate)', rate, { above: 0 });
    this.#serve();
    this.#advance(this.#clock.now());
    this.#rate = rate;
    this.#plan();
  }

  stats(): RateLimiterStats {
    const elapsed = Math.max(0, this.#clock.now() - this.#updatedAt);
    return {
      rate: this.#rate,
      burst: this.#burst,
      tokens: Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000),
      waiting: this.#line.size,
      granted: this.#granted,
      grantedTokens: this.#grantedTokens,
      timerArms: this.#timerArms,
      timerFires: this.#timerFires,
      earlyFires: this.#earlyFires,
    };
  }

  #checkRequest(method: string, n: unknown): void {
    // The common case costs one comparison chain (NaN fails `n > 0`); the full check builds the message.
    if (typeof n === 'number' && n > 0 && n <= this.#burst) return;
    checkNumber(`RateLimiter.${method}(n)`, n, { above: 0, max: this.#burst });
  }

  /** Moves the bucket's own time forward to `at`, adding the tokens earned meanwhile (up to `burst`). */
  #advance(at: number): void {
    if (at > this.#updatedAt) {
      this.#tokens = Math.min(this.#burst, this.#tokens + ((at - this.#updatedAt) * this.#rate) / 1000);
      this.#updatedAt = at;
    }
  }

  /** The take of a request when nobody waits: against the bucket as it is now. */
  #take(n: number): boolean {
    this.#advance(this.#clock.now());
    if (this.#tokens + EPSILON < n) return false;
    this.#grant(n);
    return true;
  }

  #grant(n: number): void {
    this.#tokens = Math.max(0, this.#tokens - n);
    this.#granted++;
    this.#grantedTokens += n;
  }

  /** When the head of the line has its tokens: the bucket's time plus the time to earn what it lacks. */
  #dueAt(head: Waiter): number {
    return this.#updatedAt + (Math.max(0, head.n - this.#tokens) * 1000) / this.#rate;
  }

  /**
   * Grants, in order, every waiter whose moment has come, each booked at its own due time: a timer that fires
   * late does not cost the line the tokens earned meanwhile, so the long-run rate stays exactly `rate`.
   * Returns the due time of the first waiter left, if any.
   */
  #serve(): number | undefined {
    const now = this.#clock.now();
    for (let head = this.#line.peek(); head; head = this.#line.peek()) {
      const due = this.#dueAt(head);
      if (due > now + EPSILON) return due;
      this.#advance(due);
      this.#line.shift();
      this.#grant(head.n);
      this.#settle(head);
      head.resolve();
    }
    // Nobody waits: the bucket catches up with the present (and its cap applies to idle time again).
    this.#advance(now);
    return undefined;
  }

  /** Serves whoever is due, then arms the one timer for the next waiter, or leaves none. */
  #plan(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    const due = this.#serve();
    if (due === undefined) return;
    this.#timerArms++;
    this.#timer = this.#clock.setTimer(() => this.#onTimer(due), due - this.#clock.now());
  }

  #onTimer(due: number): void {
    this.#timer = undefined;
    this.#timerFires++;
    if (this.#clock.now() + EPSILON < due) this.#earlyFires++;
    this.#plan();
  }

  #cancel(node: FifoNode<Waiter>, error: unknown): void {
    const wasHead = this.#line.peek() === node.value;
    if (!this.#line.remove(node)) return;
    this.#settle(node.value);
    node.value.reject(error);
    // The next in line may be served at once (a smaller request behind a large one), or later than planned.
    if (wasHead) this.#plan();
  }

  #settle(waiter: Waiter): void {
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }
}
