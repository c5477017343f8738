import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { isAbortError, NodupeError } from '../core/errors.js';
import type { ProgressSnapshot, ProgressTracker } from '../core/progress.js';
import { throttle } from '../core/throttle.js';
import type { EventBody, ErrorData, JobKind, JobView, StepView } from '../serve/protocol.js';
import { notFound, serviceError } from './errors.js';

/** Progress events of one job come at most this often. */
export const PROGRESS_EVENT_MS = 250;
/** Finished jobs kept for `jobs` and `job`. */
const FINISHED_KEPT = 50;

/** What a job's work is given: its signal, and where its progress and steps go. */
export interface JobContext {
  signal: AbortSignal;
  /** A new snapshot (sent as a `job.progress` event, throttled). */
  progress(snapshot: ProgressSnapshot): void;
  /** Follows a tracker's snapshots. */
  track(tracker: ProgressTracker): void;
  step(step: StepView): void;
}

interface Job {
  view: JobView;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The service's jobs: each runs in the background with its own AbortController, and its start, progress, steps
 * and end are events. At most one mutating job (scan, apply, undo) runs at a time; a second is refused (BUSY).
 */
export class Jobs {
  readonly #clock: Clock;
  readonly #emit: (event: EventBody) => void;
  readonly #jobs = new Map<string, Job>();
  #mutating: Job | undefined;

  constructor(clock: Clock, emit: (event: EventBody) => void) {
    this.#clock = clock;
    this.#emit = emit;
  }

  /** Throws BUSY when a mutating job runs (call before any check that takes time, and again in `start`). */
  checkIdle(kind: JobKind): void {
    const running = this.#mutating;
    if (running) {
      throw serviceError(
        'BUSY',
        `cannot start ${kind}: ${running.view.title} is running (job ${running.view.id})`,
        'wait for it to finish (job.finished), or cancel it with job.cancel',
      );
    }
  }

  /**
   * Starts a job; returns its view at once. `work` resolves with the job's result; `after` runs once it ended,
   * whatever the outcome (for a mutating job: the catalog changed).
   */
  start(
    kind: JobKind,
    title: string,
    mutating: boolean,
    work: (ctx: JobContext) => Record<string, unknown> | Promise<Record<string, unknown>>,
    after?: () => void,
  ): JobView {
    if (mutating) this.checkIdle(kind);
    const view: JobView = {
      id: randomUUID(),
      kind,
      state: 'running',
      startedAt: new Date(this.#clock.wallNow()).toISOString(),
      title,
    };
    const controller = new AbortController();
    let sent: ProgressSnapshot | undefined;
    const progressEvent = throttle(this.#clock, PROGRESS_EVENT_MS, () => {
      if (!view.progress || view.progress === sent) return;
      sent = view.progress;
      this.#emit({ type: 'job.progress', jobId: view.id, progress: view.progress });
    });
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (snapshot) => {
        // A tracker may still report after the job ended: its last snapshot was sent.
        if (view.state !== 'running') return;
        view.progress = snapshot;
        progressEvent.call();
      },
      track: (tracker) => {
        tracker.subscribe(() => ctx.progress(tracker.snapshot()));
      },
      step: (step) => this.#emit({ type: 'job.step', jobId: view.id, step }),
    };
    const job: Job = { view, controller, done: Promise.resolve() };
    this.#jobs.set(view.id, job);
    if (mutating) this.#mutating = job;
    this.#emit({ type: 'job.started', job: { ...view } });
    job.done = (async () => {
      // The caller has the job's view before any of its work runs.
      await Promise.resolve();
      try {
        view.result = await work(ctx);
        view.state = 'done';
      } catch (error) {
        if (isAbortError(error) || controller.signal.aborted) view.state = 'cancelled';
        else view.state = 'failed';
        view.error = errorData(error);
      } finally {
        // The last snapshot is sent, before job.finished, even when the interval is not over.
        progressEvent.flush();
        view.endedAt = new Date(this.#clock.wallNow()).toISOString();
        if (this.#mutating === job) this.#mutating = undefined;
        this.#forgetOld();
        try {
          after?.();
        } finally {
          this.#emit({ type: 'job.finished', job: { ...view } });
        }
      }
    })();
    return { ...view };
  }

  list(): JobView[] {
    return [...this.#jobs.values()].map((j) => ({ ...j.view }));
  }

  get(id: string): JobView {
    return { ...this.#find(id).view };
  }

  /** Asks a job to stop; resolves with its view once it ended. */
  async cancel(id: string): Promise<JobView> {
    const job = this.#find(id);
    job.controller.abort();
    await job.done;
    return { ...job.view };
  }

  /** Stops every running job and waits for them to end. */
  async close(): Promise<void> {
    const running = [...this.#jobs.values()].filter((j) => j.view.state === 'running');
    for (const job of running) job.controller.abort();
    await Promise.all(running.map((j) => j.done));
  }

  #find(id: string): Job {
    const job = this.#jobs.get(id);
    if (!job) throw notFound(`there is no job ${JSON.stringify(id)}`, 'jobs lists them');
    return job;
  }

  #forgetOld(): void {
    const finished = [...this.#jobs.values()].filter((j) => j.view.state !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - FINISHED_KEPT)))
      this.#jobs.delete(job.view.id);
  }
}

/** An error as the API shows it: the library's code, the message, and the hint apart. */
export function errorData(error: unknown): ErrorData {
  const hint = (error as { hint?: unknown } | null)?.hint;
  return {
    code: error instanceof NodupeError ? error.code : 'FAILED',
    message: error instanceof Error ? error.message : String(error),
    ...(typeof hint === 'string' ? { hint } : {}),
  };
}
