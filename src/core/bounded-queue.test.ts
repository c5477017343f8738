import { describe, expect, it } from 'vitest';
import { BoundedQueue, QueueClosedError } from './bounded-queue.js';
import { AbortError } from './errors.js';
import { settle } from './fake-clock.js';

function outcome(promise: Promise<unknown>) {
  const seen: { value?: unknown; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(seen, { value, settled: true }),
    (error: unknown) => Object.assign(seen, { error, settled: true }),
  );
  return seen;
}

describe('BoundedQueue', () => {
  it('makes put wait while full and take wait while empty, in FIFO order', async () => {
    const queue = new BoundedQueue<number>({ capacity: 2 });
    await queue.put(1);
    await queue.put(2);
    const third = outcome(queue.put(3));
    await settle();
    expect(third.settled).toBe(false);
    expect(await queue.take()).toBe(1);
    await settle();
    expect(third.settled).toBe(true);
    expect(queue.size).toBe(2);
    expect(await queue.take()).toBe(2);
    expect(await queue.take()).toBe(3);
    const waiting = outcome(queue.take());
    await settle();
    expect(waiting.settled).toBe(false);
    await queue.put(4);
    await settle();
    expect(waiting.value).toBe(4);
    expect(queue.size).toBe(0);
  });

  it('on close, rejects puts still waiting and later puts, and lets takers drain the rest', async () => {
    const queue = new BoundedQueue<string>({ capacity: 1 });
    await queue.put('kept');
    const blocked = outcome(queue.put('refused'));
    queue.close();
    await settle();
    expect(blocked.error).toBeInstanceOf(QueueClosedError);
    await expect(queue.put('late')).rejects.toBeInstanceOf(QueueClosedError);
    const drained: string[] = [];
    for await (const item of queue) drained.push(item);
    expect(drained).toEqual(['kept']);
    await expect(queue.take()).rejects.toBeInstanceOf(QueueClosedError);
  });

  it('finishes takers that wait on an empty queue when it closes', async () => {
    const queue = new BoundedQueue<number>({ capacity: 4 });
    const consumer = (async () => {
      const seen: number[] = [];
      for await (const item of queue) seen.push(item);
      return seen;
    })();
    await queue.put(1);
    await queue.put(2);
    await settle();
    queue.close();
    expect(await consumer).toEqual([1, 2]);
  });

  it('moves every item exactly once between several producers and consumers', async () => {
    const queue = new BoundedQueue<number>({ capacity: 3 });
    const producers = [0, 1, 2].map(async (p) => {
      for (let i = 0; i < 100; i++) await queue.put(p * 1000 + i);
    });
    const consumers = [0, 1].map(async () => {
      const got: number[] = [];
      for await (const item of queue) got.push(item);
      return got;
    });
    await Promise.all(producers);
    queue.close();
    const got = (await Promise.all(consumers)).flat().sort((a, b) => a - b);
    const expected = [0, 1, 2].flatMap((p) => Array.from({ length: 100 }, (_, i) => p * 1000 + i));
    expect(got).toEqual(expected);
  });

  it('abort rejects every waiter and drops the items', async () => {
    const queue = new BoundedQueue<number>({ capacity: 1 });
    await queue.put(1);
    const putter = outcome(queue.put(2));
    queue.abort(new Error('disk unplugged'));
    await settle();
    expect(putter.error).toBeInstanceOf(AbortError);
    expect((putter.error as AbortError).cause).toEqual(new Error('disk unplugged'));
    await expect(queue.take()).rejects.toBeInstanceOf(AbortError);
    expect(queue.size).toBe(0);
    const empty = new BoundedQueue<number>({ capacity: 1 });
    const taker = outcome(empty.take());
    empty.abort();
    await settle();
    expect(taker.error).toBeInstanceOf(AbortError);
  });

  it('a waiter whose signal aborts leaves the line; the others keep their turn', async () => {
    const queue = new BoundedQueue<string>({ capacity: 1 });
    await queue.put('a');
    const controller = new AbortController();
    const cancelled = outcome(queue.put('b', { signal: controller.signal }));
    const kept = outcome(queue.put('c'));
    controller.abort();
    await settle();
    expect(cancelled.error).toBeInstanceOf(AbortError);
    expect(await queue.take()).toBe('a');
    expect(await queue.take()).toBe('c');
    expect(kept.settled).toBe(true);
    const takeController = new AbortController();
    const taker = outcome(queue.take({ signal: takeController.signal }));
    takeController.abort();
    await settle();
    expect(taker.error).toBeInstanceOf(AbortError);
    await queue.put('d');
    expect(await queue.take()).toBe('d');
  });

  it('validates its options', () => {
    expect(() => new BoundedQueue({ capacity: 0 })).toThrow(
      new RangeError('BoundedQueue capacity: expected an integer >= 1, received 0'),
    );
    expect(() => new BoundedQueue({ capacity: 1.5 })).toThrow(RangeError);
    expect(() => new BoundedQueue({} as { capacity: number })).toThrow(
      new TypeError('BoundedQueue capacity: expected an integer >= 1, received undefined'),
    );
  });
});
