import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import type { ProgressSnapshot } from '../core/progress.js';
import type { EventBody } from '../serve/protocol.js';
import { Jobs, PROGRESS_EVENT_MS, type JobContext } from './jobs.js';

const snapshot = (done: number): ProgressSnapshot => ({ current: undefined, phases: [], elapsedMs: done });

/** A job whose work the test drives: its context, and the functions that end it. */
function controlledJob(jobs: Jobs) {
  let ctx!: JobContext;
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const view = jobs.start('verify', 'verify all', false, (c) => {
    ctx = c;
    return new Promise((resolve, reject) => {
      finish = () => resolve({});
      fail = reject;
    });
  });
  return { view, ctx: () => ctx, finish: () => finish(), fail: (e: Error) => fail(e) };
}

/** Lets promise callbacks that are due run (a job's end), without waiting on time. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

const progressOf = (events: EventBody[]) =>
  events.flatMap((e) => (e.type === 'job.progress' ? [e.progress.elapsedMs] : []));

describe('job.progress events', () => {
  it('come at most once per 250 ms per job, and the last snapshot comes before job.finished', async () => {
    const clock = new FakeClock();
    const events: EventBody[] = [];
    const times: number[] = [];
    const jobs = new Jobs(clock, (e) => {
      events.push(e);
      if (e.type === 'job.progress') times.push(clock.now());
    });
    const job = controlledJob(jobs);
    await settled(); // the work starts after the caller has the job's view

    // 100 snapshots, one every 10 ms: 1 s of work.
    for (let i = 1; i <= 100; i++) {
      job.ctx().progress(snapshot(i));
      await clock.advanceAsync(10);
    }
    const sent = progressOf(events);
    // The first at once, then one per 250 ms: never two within the interval.
    expect(sent[0]).toBe(1);
    expect(sent).toHaveLength(1 + 1000 / PROGRESS_EVENT_MS);
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual(sent.slice(1).map(() => PROGRESS_EVENT_MS));

    // The work ends before the interval is over: its last snapshot is sent all the same, then job.finished.
    job.ctx().progress(snapshot(101));
    job.finish();
    await settled();
    const types = events.map((e) => e.type);
    expect(progressOf(events).at(-1)).toBe(101);
    expect(types.lastIndexOf('job.progress')).toBeLessThan(types.indexOf('job.finished'));
    expect(events.at(-1)).toMatchObject({ type: 'job.finished', job: { state: 'done' } });

    // Nothing after the end, even when a tracker reports late.
    const count = events.length;
    job.ctx().progress(snapshot(102));
    await clock.advanceAsync(1000);
    expect(events).toHaveLength(count);
  });

  it('each job has its own interval', async () => {
    const clock = new FakeClock();
    const events: EventBody[] = [];
    const jobs = new Jobs(clock, (e) => events.push(e));
    const a = controlledJob(jobs);
    const b = controlledJob(jobs);
    await settled();
    a.ctx().progress(snapshot(1));
    b.ctx().progress(snapshot(2));
    a.ctx().progress(snapshot(3));
    const ids = events.flatMap((e) => (e.type === 'job.progress' ? [e.jobId] : []));
    expect(ids).toEqual([a.view.id, b.view.id]);
    await clock.advanceAsync(PROGRESS_EVENT_MS);
    expect(progressOf(events)).toEqual([1, 2, 3]);
    a.finish();
    b.fail(new Error('disk gone'));
    await settled();
    expect(events.filter((e) => e.type === 'job.finished').map((e) => e.job.state)).toEqual([
      'done',
      'failed',
    ]);
  });
});
