import type { Clock } from '../core/clock.js';
import { RateLimiter } from '../core/rate-limiter.js';

/** Requests per second per client, and the burst, unless the server is told otherwise. */
export const DEFAULT_REQUEST_RATE = 50;
export const DEFAULT_REQUEST_BURST = 100;

/** Clients remembered at most; the one seen longest ago is forgotten first (it starts again with a full budget). */
const MAX_CLIENTS = 10_000;

/**
 * A request budget per client (a page session, the API token, or a remote address), each its own RateLimiter:
 * a request takes a token or is refused at once with the seconds to wait.
 */
export class ClientBudgets {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  readonly #limiters = new Map<string, RateLimiter>();

  constructor(options: { rate: number; burst: number; clock: Clock }) {
    this.#rate = options.rate;
    this.#burst = Math.max(1, options.burst);
    this.#clock = options.clock;
  }

  /** Takes one request from `client`'s budget: undefined when granted, else the whole seconds to wait. */
  take(client: string): number | undefined {
    let limiter = this.#limiters.get(client);
    if (limiter) {
      // Most recently seen last: the map's order is the eviction order.
      this.#limiters.delete(client);
    } else {
      limiter = new RateLimiter({ rate: this.#rate, burst: this.#burst, clock: this.#clock });
    }
    this.#limiters.set(client, limiter);
    if (this.#limiters.size > MAX_CLIENTS) this.#limiters.delete(this.#limiters.keys().next().value!);
    if (limiter.tryAcquire(1)) return undefined;
    const missing = Math.max(0, 1 - limiter.stats().tokens);
    return Math.max(1, Math.ceil(missing / limiter.rate));
  }
}
