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
  async acquire(n = 1, options: AcquireOptions = {}): Promise<void> {
    this.#checkRequest('acquire', n);
    const signal = checkSignal('acquire signal', checkOptions('acquire options', options).signal);
    if (signal?.aborted) throw abortErrorFrom(signal);
    if (this.#line.size === 0 && this.#take(n)) return;

    await new Promise<void>((resolve, reject) => {
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
    this.#refill();
    this.#rate = rate;
    this.#plan();
  }

  stats(): RateLimiterStats {
    this.#refill();
    return {
      rate: this.#rate,
      burst: this.#burst,
      tokens: this.#tokens,
      waiting: this.#line.size,
      granted: this.#granted,
      grantedTokens: this.#grantedTokens,
      timerArms: this.#timerArms,
      timerFires: this.#timerFires,
      earlyFires: this.#earlyFires,
    };
  }

  #checkRequest(method: string, n: unknown): void {
    checkNumber(`RateLimiter.${method}(n)`, n, { above: 0, max: this.#burst });
  }

  #refill(): void {
    const now = this.#clock.now();
    if (now > this.#updatedAt) {
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updatedAt) * this.#rate) / 1000);
      this.#updatedAt = now;
    }
  }

  #take(n: number): boolean {
    this.#refill();
    if (this.#tokens + EPSILON < n) return false;
    this.#tokens = Math.max(0, this.#tokens - n);
    this.#granted++;
    this.#grantedTokens += n;
    return true;
  }

  /** Serves every waiter at the head of the line whose tokens exist, then arms the timer for the next one. */
  #plan(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    for (let head = this.#line.peek(); head; head = this.#line.peek()) {
      if (!this.#take(head.n)) {
        const waitMs = ((head.n - this.#tokens) * 1000) / this.#rate;
        this.#timerArms++;
        this.#timer = this.#clock.setTimer(() => this.#onTimer(head.n), waitMs);
        return;
      }
      this.#line.shift();
      this.#settle(head);
      head.resolve();
    }
  }

  #onTimer(needed: number): void {
    this.#timer = undefined;
    this.#timerFires++;
    this.#refill();
    // A platform timer may fire a little early (its clock is coarser than ours); then it is armed again.
    if (this.#tokens + EPSILON < needed) this.#earlyFires++;
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
