import { checkCaps } from '../archive/caps.js';
import type { ArchiveCaps, ArchiveListing } from '../archive/listing.js';
import { systemClock, type Clock } from '../core/clock.js';
import { checkNumber, NodupeError } from '../core/errors.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { WorkerPool, type Submitted } from '../core/worker-pool.js';
import { displayPath, fromBytes, toBytes, type FsPath } from '../model/paths.js';
import type { HashAlgorithm } from './algorithms.js';
import { CallWatchdog, type StuckCall } from './call-watch.js';
import { hashFilesBuffers } from './hash-batch.js';
import { ReadMeter } from './read-meter.js';
import { throttleChannel } from './throttle-port.js';
import type {
  ArchiveTask,
  HashFiles,
  HashRange,
  HashResults,
  HashTask,
  PoolTask,
  WalkTask,
  WalkTaskResult,
} from './task.js';
import { hashWorkerUrl } from './worker-url.js';

/** How long one call into a plugin's hasher may run, by default: as long as a plugin's synchronous call. */
export const DEFAULT_HASHER_TIME_LIMIT_MS = 60_000;

/** What a worker answers, by the task's kind. */
type PoolResult = HashResults | WalkTaskResult | ArchiveListing[];

/** An archive to list, as the walk saw it. */
export interface ArchiveItem {
  path: FsPath;
  size: number;
  mtimeNs: bigint;
  /** The device and inode the walk saw, when known: the archive read must be that very file. */
  dev?: bigint;
  ino?: bigint;
}

/** The archives' paths in the columns the watchdog names a stuck file by. */
function archivePaths(files: readonly ArchiveItem[]): TaskPaths {
  const bytes = files.map((f) => toBytes(f.path));
  const pathStart = new Uint32Array(files.length + 1);
  bytes.forEach((b, i) => (pathStart[i + 1] = pathStart[i]! + b.length));
  return { count: files.length, paths: Buffer.concat(bytes), pathStart };
}

/** What the watchdog keeps of a task to name a stuck file: a copy of its paths (the task's own moved away). */
type TaskPaths = Pick<HashFiles, 'count' | 'paths' | 'pathStart'>;

export interface HashPoolOptions {
  algorithm: HashAlgorithm;
  /** For a plugin's hasher: the file URL of the module that makes its states (loaded in every worker). */
  module?: string;
  /** The plugin that provides that hasher, named when one of its calls is stopped. */
  plugin?: string;
  /**
   * How long one call into a plugin's hasher (createHashState, reset, update of at most 1 MiB, digest) may run
   * before hashing stops: its workers are ended and every task fails with a FAILED error naming the plugin.
   * Reads and rate-limiter waits are not counted; built-in hashers are not watched. Default 60 s.
   */
  hasherTimeLimitMs?: number;
  /** Open files through a final symbolic link (a scan with --follow-symlinks); by default a link is refused. */
  followSymlinks?: boolean;
  threads?: number;
  /** Throttles content reads: every read in a worker first takes its bytes from here. */
  limiter?: RateLimiter;
  /**
   * Told of the bytes the workers read as they read them (see `ReadMeter`): about every 100 ms while tasks
   * run, and all of a task's bytes before its result arrives. Without it the workers count nothing.
   */
  onBytesRead?: (bytes: number) => void;
  /** Times the plugin hasher's calls, and the passing on of bytes read. */
  clock?: Clock;
  signal?: AbortSignal;
}

/**
 * Hashes batches of file ranges in the worker pool. The variants are picked once, here: without a limiter, a
 * task carries no port and the worker never asks; without a plugin's hasher, no watch and no timer.
 */
export class HashPool {
  readonly algorithm: HashAlgorithm;
  readonly #pool: WorkerPool<PoolTask, PoolResult>;
  readonly #limiter: RateLimiter | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #watchdog: CallWatchdog<TaskPaths> | undefined;
  readonly #meter: ReadMeter | undefined;
  /** Set when a plugin's call was stopped: every task still pending, and every later submit, fails with it. */
  #failure: NodupeError | undefined;

  constructor(options: HashPoolOptions) {
    const limitMs =
      options.hasherTimeLimitMs === undefined
        ? DEFAULT_HASHER_TIME_LIMIT_MS
        : checkNumber('HashPool hasherTimeLimitMs', options.hasherTimeLimitMs, { above: 0 });
    this.algorithm = options.algorithm;
    this.#limiter = options.limiter;
    this.#signal = options.signal;
    this.#meter = options.onBytesRead && new ReadMeter(options.clock ?? systemClock, options.onBytesRead);
    this.#pool = new WorkerPool<PoolTask, PoolResult>({
      filename: hashWorkerUrl,
      workerData: {
        algorithm: options.algorithm,
        module: options.module,
        followSymlinks: options.followSymlinks ?? false,
        bytesRead: this.#meter?.cell,
      },
      // A hashing worker keeps almost nothing alive; a small young generation keeps its memory small too.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (options.module !== undefined) {
      const who =
        options.plugin === undefined
          ? `the hasher "${options.algorithm}" (${options.module})`
          : `plugin "${options.plugin}": its hasher "${options.algorithm}"`;
      this.#watchdog = new CallWatchdog<TaskPaths>(limitMs, options.clock ?? systemClock, (stuck) =>
        this.#stopStuck(stuck, who, limitMs),
      );
    }
  }

  get threads(): number {
    return this.#pool.threads;
  }

  /** Whether a thread is free right now (see `WorkerPool.idle`). */
  get idle(): boolean {
    return this.#pool.idle;
  }

  /**
   * Submits one batch, `range` of each of `files` (waiting while the pool is full); the results come in the
   * order of the files. The columns move to the worker: they are unusable here once submitted. The pool's
   * signal, not each task, carries cancellation: aborting it destroys the pool and rejects every task.
   */
  async submit(range: HashRange, files: HashFiles): Promise<{ result: Promise<HashResults> }> {
    if (this.#failure) throw this.#failure;
    const watch = this.#watchdog?.watch({
      count: files.count,
      paths: files.paths.slice(0, files.pathStart[files.count]),
      pathStart: files.pathStart.slice(0, files.count + 1),
    });
    this.#meter?.started();
    let submitted: Submitted<PoolResult>;
    try {
      submitted = await this.#submit(
        {
          kind: 'hash',
          algorithm: this.algorithm,
          range,
          files,
          ...(watch ? { watch: watch.cell } : {}),
        },
        hashFilesBuffers(files),
      );
    } catch (error) {
      watch?.done();
      this.#meter?.settled();
      throw this.#reason(error);
    }
    return {
      result: submitted.result
        .then(
          // A worker answers a task with the result of its kind.
          (results) => results as HashResults,
          (error: unknown) => {
            throw this.#reason(error);
          },
        )
        .finally(() => {
          watch?.done();
          this.#meter?.settled();
        }),
    };
  }

  /**
   * Reads a batch of folders for the walk on a worker (waiting while the pool is full); see `walk({ pool })`.
   * The files found arrive in columns moved from the worker, not copied.
   */
  async walk(task: WalkTask): Promise<WalkTaskResult> {
    if (this.#failure) throw this.#failure;
    const { result } = await this.#pool.submit(task, { urgent: true }).catch((error: unknown) => {
      throw this.#reason(error);
    });
    return result.then(
      // A worker answers a task with the result of its kind.
      (report) => report as WalkTaskResult,
      (error: unknown) => {
        throw this.#reason(error);
      },
    );
  }

  /**
   * Lists archives on a worker, one after another (see `readArchive`): nothing is extracted; each member is
   * hashed by the pool's algorithm. Their stored bytes are read through the pool's rate limiter and counted by
   * its read meter. One listing per file, in order; a damaged or changed archive is a listing with a problem.
   */
  async readArchives(files: readonly ArchiveItem[], caps?: Partial<ArchiveCaps>): Promise<ArchiveListing[]> {
    if (this.#failure) throw this.#failure;
    const task: ArchiveTask = {
      kind: 'archive',
      algorithm: this.algorithm,
      files: [...files],
      caps: checkCaps(caps),
    };
    // A plugin's hasher is watched here as in hash tasks; a stuck call names the archive being read.
    const watch = this.#watchdog?.watch(archivePaths(files));
    if (watch) task.watch = watch.cell;
    this.#meter?.started();
    try {
      const { result } = await this.#submit(task, []);
      // A worker answers a task with the result of its kind.
      return (await result) as ArchiveListing[];
    } catch (error) {
      throw this.#reason(error);
    } finally {
      watch?.done();
      this.#meter?.settled();
    }
  }

  close(): Promise<void> {
    this.#watchdog?.stop();
    return this.#pool.close();
  }

  destroy(): Promise<void> {
    this.#watchdog?.stop();
    return this.#pool.destroy();
  }

  #submit(task: HashTask | ArchiveTask, transferList: ArrayBuffer[]): Promise<Submitted<PoolResult>> {
    if (!this.#limiter) return this.#pool.submit(task, { transferList });
    const throttle = throttleChannel(this.#limiter, this.#signal);
    return this.#pool
      .submit({ ...task, throttle: throttle.port }, { transferList: [...transferList, throttle.port] })
      .then(
        (submitted) => ({ result: submitted.result.finally(throttle.close) }),
        (error: unknown) => {
          throttle.close();
          throw error;
        },
      );
  }

  /** Once a plugin's call was stopped, that is why any task fails (the pool's AbortError only follows from it). */
  #reason(error: unknown): unknown {
    return this.#failure ?? error;
  }

  /** A plugin's call ran past the limit: hashing cannot go on without it, so every worker ends now. */
  #stopStuck(stuck: StuckCall<TaskPaths>, who: string, limitMs: number): void {
    const { count, paths, pathStart } = stuck.task;
    const where =
      stuck.item < count
        ? `, hashing ${displayPath(fromBytes(paths.subarray(pathStart[stuck.item], pathStart[stuck.item + 1])))}`
        : '';
    this.#failure = new NodupeError(
      'FAILED',
      `${who} did not return from ${stuck.call}() within ${limitMs} ms${where} ` +
        '(an endless loop?); its workers were stopped',
    );
    void this.#pool.destroy(this.#failure);
  }
}
