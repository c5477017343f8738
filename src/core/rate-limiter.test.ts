import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AbortError } from './errors.js';
import { FakeClock, settle } from './fake-clock.js';
import { RateLimiter } from './rate-limiter.js';

function setup(rate: number, burst: number, initialTokens?: number) {
  const clock = new FakeClock();
  const limiter = new RateLimiter({
    rate,
    burst,
    clock,
    ...(initialTokens === undefined ? {} : { initialTokens }),
  });
  return { clock, limiter };
}

/** Starts acquire(n) and records when (on the fake clock) it was granted, or how it failed. */
function track(clock: FakeClock, promise: Promise<void>, log: string[], label: string) {
  const record: { at?: number; error?: unknown } = {};
  promise.then(
    () => {
      record.at = clock.now();
      log.push(label);
    },
    (error: unknown) => {
      record.error = error;
    },
  );
  return record;
}

describe('RateLimiter', () => {
  it('grants from a full bucket at once, then at the rate', async () => {
    const { clock, limiter } = setup(10, 5);
    const log: string[] = [];
    const records = Array.from({ length: 8 }, (_, i) => track(clock, limiter.acquire(1), log, `w${i}`));
    await settle();
    expect(log).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
    await clock.advanceAsync(100);
    expect(records[5]?.at).toBe(100);
    await clock.advanceAsync(200);
    expect(records.map((r) => r.at)).toEqual([0, 0, 0, 0, 0, 100, 200, 300]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('serves mixed sizes in FIFO order: a large request is not overtaken by small ones', async () => {
    const { clock, limiter } = setup(10, 10, 0);
    const log: string[] = [];
    const big = track(clock, limiter.acquire(8), log, 'big');
    const small = [1, 2, 3].map((i) => track(clock, limiter.acquire(1), log, `small${i}`));
    // tryAcquire must not jump the line either.
    await clock.advanceAsync(500);
    expect(limiter.tryAcquire(1)).toBe(false);
    await clock.advanceAsync(300);
    expect(big.at).toBe(800);
    await clock.runAll();
    expect(log).toEqual(['big', 'small1', 'small2', 'small3']);
    expect(small.map((r) => r.at)).toEqual([900, 1000, 1100]);
  });

  it('keeps exactly one timer while anyone waits, and none after', async () => {
    const { clock, limiter } = setup(100, 1, 0);
    const all = Array.from({ length: 50 }, () => limiter.acquire(1));
    await settle();
    expect(clock.pendingTimers()).toBe(1);
    await clock.advanceAsync(250);
    expect(clock.pendingTimers()).toBe(1);
    await clock.runAll();
    await Promise.all(all);
    expect(clock.pendingTimers()).toBe(0);
    const stats = limiter.stats();
    expect(stats.granted).toBe(50);
    expect(stats.waiting).toBe(0);
    // One arm per grant (each waiter needs a fresh token), and no early fires on an exact clock.
    expect(stats.timerFires).toBe(50);
    expect(stats.earlyFires).toBe(0);
  });

  it('rejects an aborted waiter with an AbortError and serves the next in line', async () => {
    const { clock, limiter } = setup(10, 10, 0);
    const log: string[] = [];
    const controller = new AbortController();
    const big = track(clock, limiter.acquire(10, { signal: controller.signal }), log, 'big');
    const small = track(clock, limiter.acquire(2), log, 'small');
    await clock.advanceAsync(300);
    controller.abort();
    await settle();
    expect(big.error).toBeInstanceOf(AbortError);
    // 3 tokens had accumulated: the small request behind the aborted big one is served at once.
    expect(small.at).toBe(300);
    expect(log).toEqual(['small']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('aborting a waiter in the middle of the line keeps the others in order', async () => {
    const { clock, limiter } = setup(10, 10, 0);
    const log: string[] = [];
    const controller = new AbortController();
    track(clock, limiter.acquire(1), log, 'a');
    const b = track(clock, limiter.acquire(1, { signal: controller.signal }), log, 'b');
    track(clock, limiter.acquire(1), log, 'c');
    controller.abort(new Error('user changed their mind'));
    await clock.runAll();
    expect(log).toEqual(['a', 'c']);
    expect(b.error).toBeInstanceOf(AbortError);
    expect((b.error as AbortError).cause).toEqual(new Error('user changed their mind'));
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { limiter } = setup(10, 10);
    await expect(limiter.acquire(1, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(limiter.stats().tokens).toBe(10);
  });

  it('re-plans the timer when the rate changes with waiters queued', async () => {
    const { clock, limiter } = setup(1, 10, 0);
    const log: string[] = [];
    const first = track(clock, limiter.acquire(5), log, 'first');
    const second = track(clock, limiter.acquire(5), log, 'second');
    await clock.advanceAsync(1000); // 1 token earned at the old rate
    limiter.setRate(4); // the remaining 4 tokens now take 1 s
    expect(clock.pendingTimers()).toBe(1);
    await clock.advanceAsync(999);
    expect(first.at).toBeUndefined();
    await clock.advanceAsync(1);
    expect(first.at).toBe(2000);
    limiter.setRate(10);
    await clock.runAll();
    expect(second.at).toBe(2500);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('tryAcquire takes tokens only when they are there', () => {
    const { clock, limiter } = setup(2, 2);
    expect(limiter.tryAcquire(2)).toBe(true);
    expect(limiter.tryAcquire(1)).toBe(false);
    clock.advance(500);
    expect(limiter.tryAcquire(1)).toBe(true);
    expect(limiter.tryAcquire(1)).toBe(false);
  });

  it('refuses requests it can never grant with a RangeError', async () => {
    const { limiter } = setup(10, 5);
    for (const n of [6, 0, -1, Infinity, NaN]) {
      expect(() => limiter.tryAcquire(n)).toThrow(RangeError);
      await expect(limiter.acquire(n)).rejects.toThrow(RangeError);
    }
    await expect(limiter.acquire(6)).rejects.toThrow('expected a finite number > 0 <= 5, received 6');
  });

  it('validates its options, naming what it expected and what it received', () => {
    expect(() => new RateLimiter({ rate: 0, burst: 1 })).toThrow(
      new RangeError('RateLimiter rate: expected a finite number > 0, received 0'),
    );
    expect(() => new RateLimiter({ rate: '5' as unknown as number, burst: 1 })).toThrow(TypeError);
    expect(() => new RateLimiter({ rate: 1, burst: Infinity })).toThrow(RangeError);
    expect(() => new RateLimiter({ rate: 1, burst: 2, initialTokens: 3 })).toThrow(
      /initialTokens: expected .* <= 2, received 3/,
    );
    expect(() => new RateLimiter(null as unknown as { rate: number; burst: number })).toThrow(TypeError);
    expect(() => setup(1, 1).limiter.setRate(-1)).toThrow(RangeError);
  });

  it('never grants more than burst + rate * t over any window of length t (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 300 }),
            n: fc.integer({ min: 1, max: 20 }),
            abortAfter: fc.option(fc.integer({ min: 0, max: 500 })),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (rate, burst, requests) => {
          const { clock, limiter } = setup(rate, burst);
          const grants: { at: number; n: number }[] = [];
          const pending: Promise<unknown>[] = [];
          for (const { gap, n: raw, abortAfter } of requests) {
            await clock.advanceAsync(gap);
            const n = Math.min(raw, burst);
            const controller = new AbortController();
            if (abortAfter !== null) clock.setTimer(() => controller.abort(), abortAfter);
            pending.push(
              limiter.acquire(n, { signal: controller.signal }).then(
                () => grants.push({ at: clock.now(), n }),
                (error: unknown) => expect(error).toBeInstanceOf(AbortError),
              ),
            );
          }
          await clock.runAll();
          await Promise.all(pending);
          // Every window that starts and ends at a grant is the tightest one; check them all.
          for (let i = 0; i < grants.length; i++) {
            let sum = 0;
            for (let j = i; j < grants.length; j++) {
              sum += grants[j]!.n;
              const t = (grants[j]!.at - grants[i]!.at) / 1000;
              expect(sum).toBeLessThanOrEqual(burst + rate * t + 1e-6);
            }
          }
          // FIFO: grant times never go backwards in request order among the granted.
          expect(clock.pendingTimers()).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
