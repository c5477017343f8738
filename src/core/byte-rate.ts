import type { Clock } from './clock.js';
import { RateLimiter } from './rate-limiter.js';

/** The largest single read a byte limiter must grant at once. */
export const MAX_READ_GRANT = 1 << 20;

/**
 * The rate limiter behind `--max-read-rate`: tokens are bytes; the burst holds a quarter second of reading
 * and at least one full read, so every read can be granted.
 */
export function byteRateLimiter(rate: number, clock: Clock): RateLimiter {
  return new RateLimiter({ rate, burst: Math.max(MAX_READ_GRANT, rate / 4), clock });
}
