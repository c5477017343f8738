import { afterEach, describe, expect, it } from 'vitest';
import { AbortError } from './errors.js';
import { settle } from './fake-clock.js';
import { PoolClosedError, WorkerPool } from './worker-pool.js';

const tasks = new URL('../../test/fixtures/pool-tasks.mjs', import.meta.url);
const pools: WorkerPool<unknown, unknown>[] = [];

function pool<T, R>(task?: string, options: { threads?: number; maxQueue?: number } = {}) {
  const created = new WorkerPool<T, R>({
    filename: tasks,
    threads: 2,
    ...options,
    ...(task ? { task } : {}),
  });
  pools.push(created);
  return created;
}

/** A gate the gated tasks block on until `open()`: slow tasks without any timer. */
function gate() {
  const buffer = new SharedArrayBuffer(4);
  return {
    buffer,
    open() {
      const cell = new Int32Array(buffer);
      Atomics.store(cell, 0, 1);
      Atomics.notify(cell, 0);
    },
  };
}

function watch(promise: Promise<unknown>) {
  const seen = { settled: false };
  void promise.then(
    () => (seen.settled = true),
    () => (seen.settled = true),
  );
  return seen;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.destroy()));
});

describe('WorkerPool', () => {
  it('runs typed tasks on worker threads and returns their results', async () => {
    const squares = pool<number, number>('square');
    expect(await Promise.all([1, 2, 3, 4].map((n) => squares.run(n)))).toEqual([1, 4, 9, 16]);
    expect(squares.stats()).toMatchObject({ threads: 2, inFlight: 0, completed: 4, failed: 0 });
  });

  it('runs an urgent task before the tasks not urgent that wait for a thread', async () => {
    const g = gate();
    const counter = new SharedArrayBuffer(4);
    const one = pool<{ gate: SharedArrayBuffer; counter: SharedArrayBuffer }, number>('ordered', {
      threads: 1,
      maxQueue: 4,
    });
    const task = { gate: g.buffer, counter };
    // One runs, two wait for the thread, then an urgent one is submitted.
    const accepted = [];
    for (let i = 0; i < 3; i++) accepted.push(await one.submit(task));
    const urgent = await one.submit(task, { urgent: true });
    g.open();
    const places = await Promise.all([...accepted.map((a) => a.result), urgent.result]);
    // The running task ran first; the urgent one came next, ahead of the two submitted before it.
    expect(places).toEqual([0, 2, 3, 1]);
  });

  it('makes submit wait while threads + maxQueue tasks are in flight', async () => {
    const g = gate();
    const gated = pool<{ gate: SharedArrayBuffer; value: number }, number>('gated', { maxQueue: 1 });
    expect(gated.capacity).toBe(3);
    const accepted = [];
    for (let i = 0; i < 3; i++) accepted.push(await gated.submit({ gate: g.buffer, value: i }));
    const fourth = gated.submit({ gate: g.buffer, value: 3 });
    const seen = watch(fourth);
    await settle();
    expect(seen.settled).toBe(false);
    expect(gated.stats()).toMatchObject({ inFlight: 3, waiting: 1 });
    g.open();
    accepted.push(await fourth);
    expect(await Promise.all(accepted.map((a) => a.result))).toEqual([0, 1, 2, 3]);
  });

  it('close() runs every queued task, even 50 slow ones, and resolves after the last', async () => {
    const g = gate();
    const gated = pool<{ gate: SharedArrayBuffer; value: number }, number>('gated', { maxQueue: 100 });
    const results: Promise<number>[] = [];
    for (let i = 0; i < 50; i++) results.push((await gated.submit({ gate: g.buffer, value: i })).result);
    const delivered: number[] = [];
    for (const r of results) void r.then((v) => delivered.push(v));
    const closed = gated.close();
    const closing = watch(closed);
    await expect(gated.submit({ gate: g.buffer, value: 99 })).rejects.toBeInstanceOf(PoolClosedError);
    await settle();
    expect(closing.settled).toBe(false);
    g.open();
    await closed;
    expect(delivered.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('close() also runs tasks whose submitters were still waiting for room', async () => {
    const g = gate();
    const gated = pool<{ gate: SharedArrayBuffer; value: number }, number>('gated', { maxQueue: 0 });
    const submissions = [0, 1, 2, 3].map((value) => gated.submit({ gate: g.buffer, value }));
    await settle();
    expect(gated.stats().waiting).toBe(2);
    const closed = gated.close();
    g.open();
    const values = await Promise.all(submissions.map(async (s) => (await s).result));
    await closed;
    expect(values).toEqual([0, 1, 2, 3]);
  });

  it('destroy() rejects queued and running tasks and waiting submitters with an AbortError', async () => {
    const g = gate();
    const gated = pool<{ gate: SharedArrayBuffer; value: number }, number>('gated', { maxQueue: 2 });
    const accepted = await Promise.all([0, 1, 2, 3].map((value) => gated.submit({ gate: g.buffer, value })));
    const waiting = gated.submit({ gate: g.buffer, value: 4 });
    await settle();
    const outcomes = Promise.allSettled([...accepted.map((a) => a.result), waiting]);
    await gated.destroy(new Error('shutting down'));
    const settled = await outcomes;
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason).toBeInstanceOf(AbortError);
    }
    await expect(gated.submit({ gate: g.buffer, value: 5 })).rejects.toBeInstanceOf(AbortError);
  });

  it('an aborted task signal rejects only that task', async () => {
    const g = gate();
    const gated = pool<{ gate: SharedArrayBuffer; value: number }, number>('gated', {
      threads: 1,
      maxQueue: 4,
    });
    const controller = new AbortController();
    const first = await gated.submit({ gate: g.buffer, value: 1 });
    const second = await gated.submit({ gate: g.buffer, value: 2 }, { signal: controller.signal });
    const third = await gated.submit({ gate: g.buffer, value: 3 });
    controller.abort();
    await expect(second.result).rejects.toBeInstanceOf(AbortError);
    g.open();
    expect(await first.result).toBe(1);
    expect(await third.result).toBe(3);
  });

  it('delivers task errors with their type, message and stack', async () => {
    const failing = pool<{ message: string }, never>('fail');
    const error = (await failing.run({ message: 'bad chunk' }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RangeError');
    expect(error.message).toBe('bad chunk');
    expect(error.stack).toContain('pool-tasks.mjs');
    expect(failing.stats().failed).toBe(1);
  });

  it('replaces a crashed worker and rejects only its task', async () => {
    const crashing = pool<{ exit: number }, string>('crash', { threads: 1 });
    const [crashed, after] = await Promise.allSettled([crashing.run({ exit: 3 }), crashing.run({ exit: 0 })]);
    expect(crashed.status).toBe('rejected');
    expect(String((crashed as PromiseRejectedResult).reason)).toMatch(/exit/i);
    expect(after).toEqual({ status: 'fulfilled', value: 'alive' });
    expect(await crashing.run({ exit: 0 })).toBe('alive');
  });

  it('validates its options', () => {
    expect(() => new WorkerPool({ filename: '' })).toThrow(TypeError);
    expect(() => new WorkerPool({ filename: tasks, threads: 0 })).toThrow(
      new RangeError('WorkerPool threads: expected an integer >= 1 <= 1024, received 0'),
    );
    expect(() => new WorkerPool({ filename: tasks, maxQueue: -1 })).toThrow(RangeError);
    expect(() => new WorkerPool({ filename: tasks, execArgv: [1] as unknown as string[] })).toThrow(
      TypeError,
    );
  });
});
