import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import type { ResourceLimits, Transferable } from 'node:worker_threads';
import { Piscina, transferableSymbol, valueSymbol } from 'piscina';
import {
  AbortError,
  NodupeError,
  abortErrorFrom,
  checkNumber,
  checkOptions,
  checkSignal,
  isAbortError,
} from './errors.js';
import { Fifo } from './fifo.js';

export interface WorkerPoolOptions {
  /** The worker module; its default export (or the export named by `task`) runs each task. */
  filename: string | URL;
  /** Name of the exported function to run; defaults to the default export. */
  task?: string;
  /** Worker threads; defaults to `os.availableParallelism()`. */
  threads?: number;
  /** Tasks accepted beyond those running before `submit` waits; defaults to four per thread. */
  maxQueue?: number;
  /** Node options for the workers (for example a loader). */
  execArgv?: string[];
  /** Data every worker reads once from `workerData`. */
  workerData?: unknown;
  /** V8 heap limits of each worker (Node's `resourceLimits`). */
  resourceLimits?: ResourceLimits;
  /** Aborting it destroys the pool. */
  signal?: AbortSignal;
}

export interface SubmitOptions {
  /** Aborting it rejects this task (and ends its worker if it already runs). */
  signal?: AbortSignal;
  /** Buffers to move to the worker instead of copying. */
  transferList?: readonly Transferable[];
  /**
   * Runs before every task not urgent that still waits, for room or for a thread: a scan's folder reads go
   * before its content reads, so the walk finds the work while the threads hash what it found already.
   */
  urgent?: boolean;
}

/** A task the pool has accepted; `result` settles with its outcome. */
export interface Submitted<R> {
  readonly result: Promise<R>;
}

export interface WorkerPoolStats {
  threads: number;
  /** Accepted and not yet settled (queued or running). */
  inFlight: number;
  /** Submitters waiting for room. */
  waiting: number;
  completed: number;
  failed: number;
}

export class PoolClosedError extends NodupeError {
  constructor(message = 'The worker pool is closed') {
    super('POOL_CLOSED', message);
    this.name = 'PoolClosedError';
  }
}

interface Admission {
  resolve: () => void;
  reject: (error: unknown) => void;
}

type State = 'open' | 'closing' | 'destroyed';

/**
 * Typed tasks on worker threads (piscina underneath). Submission is bounded: `submit` resolves once the task is
 * accepted, and waits while `threads + maxQueue` tasks are in flight. `close()` runs everything already submitted
 * and then resolves; `destroy()` rejects what has not finished with an AbortError and ends the workers. While
 * idle the pool sets no timers: its workers sleep in `Atomics.wait`.
 *
 * @example
 * const pool = new WorkerPool<HashTask, HashResult>({ filename: new URL('./worker.js', import.meta.url) });
 * const { result } = await pool.submit({ path });
 * await pool.close();
 */
export class WorkerPool<TTask, TResult> {
  readonly threads: number;
  readonly capacity: number;
  readonly #piscina: Piscina<TTask, TResult>;
  readonly #shutdown = new AbortController();
  readonly #admissions = new Fifo<Admission>();
  /** Submitters of urgent tasks waiting for room: served before `#admissions`. */
  readonly #urgentAdmissions = new Fifo<Admission>();
  /**
   * Accepted tasks waiting for a thread, urgent ones first. piscina is handed a task only when a thread is free,
   * so the order is ours (piscina's own queue is first in, first out).
   */
  readonly #turns = { urgent: new Fifo<Admission>(), normal: new Fifo<Admission>() };
  #running = 0;
  /** A task has come back: the threads have loaded their module (see `idle`). */
  #warm = false;
  #state: State = 'open';
  #inFlight = 0;
  #completed = 0;
  #failed = 0;
  #drained: (() => void) | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: WorkerPoolOptions) {
    const o = checkOptions('WorkerPool options', options);
    const filename = o.filename;
    if (!(filename instanceof URL) && (typeof filename !== 'string' || filename === '')) {
      throw new TypeError(`WorkerPool filename: expected a module path or URL, received ${typeof filename}`);
    }
    if (o.task !== undefined && typeof o.task !== 'string') {
      throw new TypeError(`WorkerPool task: expected an export name, received ${typeof o.task}`);
    }
    this.threads = poolThreads(o.threads);
    const maxQueue =
      o.maxQueue === undefined
        ? this.threads * 4
        : checkNumber('WorkerPool maxQueue', o.maxQueue, { integer: true, min: 0 });
    this.capacity = this.threads + maxQueue;
    if (
      o.execArgv !== undefined &&
      !(Array.isArray(o.execArgv) && o.execArgv.every((a) => typeof a === 'string'))
    ) {
      throw new TypeError('WorkerPool execArgv: expected an array of strings');
    }
    const signal = checkSignal('WorkerPool signal', o.signal);
    // Every task in flight listens on the shutdown signal; that is by design, not a leak.
    setMaxListeners(0, this.#shutdown.signal);

    const execArgv = execArgvFor(o.execArgv);
    this.#piscina = new Piscina<TTask, TResult>({
      filename: filename instanceof URL ? filename.href : filename,
      ...(o.task === undefined ? {} : { name: o.task }),
      minThreads: this.threads,
      maxThreads: this.threads,
      // Workers live as long as the pool; an idle timeout would only add wake-ups.
      idleTimeout: Infinity,
      // Our own admission gate bounds the queue, so piscina never has to refuse a task.
      maxQueue: Infinity,
      recordTiming: false,
      ...(execArgv === undefined ? {} : { execArgv }),
      ...(o.workerData === undefined ? {} : { workerData: o.workerData }),
      ...(o.resourceLimits === undefined ? {} : { resourceLimits: o.resourceLimits as ResourceLimits }),
    });
    // Errors of a worker outside any task (for example a crash while loading) reach the task that ran there;
    // without a listener, piscina would make them an uncaught exception of the whole process.
    this.#piscina.on('error', () => undefined);

    if (signal) {
      if (signal.aborted) void this.destroy(signal.reason);
      else signal.addEventListener('abort', () => void this.destroy(signal.reason), { once: true });
    }
  }

  /** Resolves when the task is accepted (waiting while the pool is full); the task's outcome is in `result`. */
  async submit(task: TTask, options: SubmitOptions = {}): Promise<Submitted<TResult>> {
    const o = checkOptions('submit options', options);
    const signal = checkSignal('submit signal', o.signal);
    if (this.#state !== 'open') throw this.#refusal();
    if (signal?.aborted) throw abortErrorFrom(signal);
    const urgent = o.urgent === true;
    const waiting = this.#urgentAdmissions.size + (urgent ? 0 : this.#admissions.size);
    if (this.#inFlight >= this.capacity || waiting > 0) {
      // A freed slot is handed straight to the first waiter (see #release), so inFlight already counts it.
      await this.#wait(urgent ? this.#urgentAdmissions : this.#admissions, signal);
    } else {
      this.#inFlight++;
    }
    return { result: this.#run(task, signal, urgent, options.transferList) };
  }

  /** Submits a task and waits for its result. */
  async run(task: TTask, options: SubmitOptions = {}): Promise<TResult> {
    const { result } = await this.submit(task, options);
    return result;
  }

  /** Stops accepting tasks, runs every task already submitted, then ends the workers. */
  close(): Promise<void> {
    if (this.#state === 'destroyed') return this.#closed ?? Promise.resolve();
    if (this.#state === 'open') {
      this.#state = 'closing';
      this.#closed = (async () => {
        if (this.#inFlight > 0 || this.#admissions.size > 0 || this.#urgentAdmissions.size > 0) {
          await new Promise<void>((resolve) => (this.#drained = resolve));
        }
        if (this.#state === 'closing') await this.#piscina.close();
      })();
    }
    return this.#closed as Promise<void>;
  }

  /** Rejects every task not yet finished with an AbortError and ends the workers. */
  destroy(reason?: unknown): Promise<void> {
    if (this.#state === 'destroyed') return this.#closed as Promise<void>;
    this.#state = 'destroyed';
    const error =
      reason instanceof AbortError
        ? reason
        : new AbortError('The worker pool was destroyed', { cause: reason });
    for (const admission of [...this.#urgentAdmissions.drain(), ...this.#admissions.drain()]) {
      admission.reject(error);
    }
    this.#shutdown.abort(error);
    this.#drained?.();
    this.#closed = this.#piscina.destroy();
    return this.#closed;
  }

  /**
   * Whether a task submitted now would start at once: a task has come back already (the threads are up, their
   * module loaded), a thread is free and none waits for one.
   */
  get idle(): boolean {
    return this.#warm && this.#running < this.threads && this.#inFlight < this.capacity;
  }

  stats(): WorkerPoolStats {
    return {
      threads: this.threads,
      inFlight: this.#inFlight,
      waiting: this.#admissions.size + this.#urgentAdmissions.size,
      completed: this.#completed,
      failed: this.#failed,
    };
  }

  async #run(
    task: TTask,
    signal: AbortSignal | undefined,
    urgent: boolean,
    transferList?: readonly Transferable[],
  ): Promise<TResult> {
    const abort = signal ? AbortSignal.any([this.#shutdown.signal, signal]) : this.#shutdown.signal;
    try {
      if (this.#running < this.threads) this.#running++;
      else await this.#wait(urgent ? this.#turns.urgent : this.#turns.normal, abort);
      let result: TResult;
      try {
        result = await this.#piscina.run(task, {
          signal: abort,
          ...(transferList ? { transferList: transferList as Transferable[] } : {}),
        });
      } finally {
        // The thread goes straight to the next task waiting for one (counted as running from here).
        const next = this.#turns.urgent.shift() ?? this.#turns.normal.shift();
        if (next) next.resolve();
        else this.#running--;
      }
      this.#completed++;
      this.#warm = true;
      return result;
    } catch (error) {
      this.#failed++;
      if (abort.aborted && isAbortError(error)) throw abortErrorFrom(abort);
      throw error;
    } finally {
      this.#release();
    }
  }

  /**
   * Waits in `queue` (for room, or for a thread) until a settling task hands over its place; an abort of
   * `signal` takes the waiter out and rejects.
   */
  #wait(queue: Fifo<Admission>, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortErrorFrom(signal));
    return new Promise<void>((resolve, reject) => {
      if (!signal) {
        queue.push({ resolve, reject });
        return;
      }
      const onAbort = (): void => {
        if (queue.remove(node)) reject(abortErrorFrom(signal));
      };
      const node = queue.push({
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A settled task frees its slot: the next waiting submitter takes it, or the pool may be drained. */
  #release(): void {
    const next = this.#urgentAdmissions.shift() ?? this.#admissions.shift();
    if (next) {
      next.resolve();
      return;
    }
    this.#inFlight--;
    if (this.#inFlight === 0 && this.#state === 'closing') this.#drained?.();
  }

  #refusal(): Error {
    return this.#state === 'destroyed'
      ? new AbortError('The worker pool was destroyed')
      : new PoolClosedError('The worker pool is closed: no new tasks');
  }
}

/** The threads a pool of `threads` (validated) has: by default, as many as the machine runs at once. */
export function poolThreads(threads: unknown): number {
  return threads === undefined
    ? availableParallelism()
    : checkNumber('WorkerPool threads', threads, { integer: true, min: 1, max: 1024 });
}

/**
 * For a task function's return: its result is moved to the main thread with these buffers (they become unusable
 * in the worker) instead of copied. The pool hands the task's submitter the plain result.
 */
export function moveResult<T extends object>(result: T, buffers: readonly ArrayBuffer[]): T {
  return Piscina.move({ [transferableSymbol]: buffers, [valueSymbol]: result }) as T;
}

/**
 * piscina loads the task module with require() first, and with import() when that fails. A require() of an ES
 * module can abort the whole process (an assertion in Node's module linking, `CreateRequiredModuleFacade`): seen
 * on Node 20 where module hooks are registered with `module.register()`, and on Node 24 under the test runner's
 * threads. So wherever Node can require() an ES module, the workers get `--no-experimental-require-module`, and
 * import() alone loads the task module (every task module is an ES module). Other flags are inherited as usual
 * (flags given explicitly must all be valid in a worker; inherited ones need not be, so nothing else is added).
 */
function execArgvFor(given: readonly string[] | undefined): string[] | undefined {
  if (!process.features.require_module) return given === undefined ? undefined : [...given];
  return [...(given ?? []), '--no-experimental-require-module'];
}
