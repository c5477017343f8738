import { MessageChannel } from 'node:worker_threads';
import type { RateLimiter } from '../core/rate-limiter.js';
import { WorkerPool } from '../core/worker-pool.js';
import type { HashAlgorithm } from './algorithms.js';
import type { HashItem, HashOutcome, HashTask } from './task.js';
import { hashWorkerUrl } from './worker-url.js';

export interface HashPoolOptions {
  algorithm: HashAlgorithm;
  /** For a plugin's hasher: the file URL of the module that makes its states (loaded in every worker). */
  module?: string;
  threads?: number;
  /** Throttles content reads: every read in a worker first takes its bytes from here. */
  limiter?: RateLimiter;
  signal?: AbortSignal;
}

/**
 * Hashes batches of file ranges in the worker pool. The throttled and unthrottled ways are picked once, here:
 * without a limiter, a task carries no port and the worker never asks.
 */
export class HashPool {
  readonly algorithm: HashAlgorithm;
  readonly #pool: WorkerPool<HashTask, HashOutcome[]>;
  readonly #limiter: RateLimiter | undefined;
  readonly #signal: AbortSignal | undefined;

  constructor(options: HashPoolOptions) {
    this.algorithm = options.algorithm;
    this.#limiter = options.limiter;
    this.#signal = options.signal;
    this.#pool = new WorkerPool<HashTask, HashOutcome[]>({
      filename: hashWorkerUrl,
      workerData: { algorithm: options.algorithm, module: options.module },
      // A hashing worker keeps almost nothing alive; a small young generation keeps its memory small too.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  get threads(): number {
    return this.#pool.threads;
  }

  /**
   * Submits one batch (waiting while the pool is full); the outcomes come in the order of `items`. The pool's
   * signal, not each task, carries cancellation: aborting it destroys the pool and rejects every task.
   */
  async submit(items: HashItem[]): Promise<{ result: Promise<HashOutcome[]> }> {
    if (!this.#limiter) return this.#pool.submit({ algorithm: this.algorithm, items });
    const limiter = this.#limiter;
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (bytes: number) => {
      acquireBytes(limiter, bytes, this.#signal).then(
        () => port1.postMessage(0),
        () => port1.close(),
      );
    });
    const submitted = await this.#pool.submit(
      { algorithm: this.algorithm, items, throttle: port2 },
      { transferList: [port2] },
    );
    return { result: submitted.result.finally(() => port1.close()) };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  destroy(): Promise<void> {
    return this.#pool.destroy();
  }
}

/** Takes `bytes` tokens, in pieces no larger than the bucket, so any read size can be throttled. */
export async function acquireBytes(limiter: RateLimiter, bytes: number, signal?: AbortSignal): Promise<void> {
  for (let left = bytes; left > 0; left -= limiter.burst) {
    await limiter.acquire(Math.min(left, limiter.burst), signal ? { signal } : {});
  }
}
