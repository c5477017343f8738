import { abortErrorFrom } from '../core/errors.js';
import type {
  FolderReport,
  FolderToRead,
  FoundFolder,
  WalkTask,
  WalkTaskResult,
} from '../model/walk-task.js';

/** Where folders are read: a pool of worker threads (a `HashPool`), or the walk's own thread. */
export interface WalkPool {
  readonly threads: number;
  /** Whether a thread is free now; a walk sharing the pool reads a batch itself when none is (see `walk`). */
  readonly idle?: boolean;
  walk(task: WalkTask): Promise<WalkTaskResult>;
}

export interface FolderQueueOptions {
  reader: WalkPool;
  /** Tasks in flight per thread: enough that no thread waits for the main thread between two tasks. */
  tasksPerThread: number;
  /** About how many entries one task should read: small enough for steady progress, large enough to pay. */
  entriesPerTask: number;
  /** Everything of a task but its folders. */
  template: Omit<WalkTask, 'folders'>;
  /** Folders entered, by `device:inode`; may hold folders never to enter. */
  entered: Set<string>;
  /** nodupe's own files, by the identity of their folder. */
  ownIn: ReadonlyMap<string, string[]>;
  signal: AbortSignal | undefined;
  /** Each task's report, as it arrives. */
  onReport: (report: WalkTaskResult) => void;
}

/** Most folders in one task: beyond this a task only delays the spread of its subfolders. */
const MAX_FOLDERS = 64;

/**
 * The walk's queue of folders to read, on the main thread: it keeps the set of folders entered (each is entered
 * once, which also stops link loops) and hands out batches of folders so that every thread stays busy.
 * Batches are sized by the entries per folder seen so far.
 */
export class FolderQueue {
  readonly #o: FolderQueueOptions;
  readonly #stack: FolderToRead[] = [];
  readonly #slots: number;
  #inFlight = 0;
  #dirs = 0;
  #entries = 0;

  constructor(options: FolderQueueOptions) {
    this.#o = options;
    this.#slots = Math.max(1, options.reader.threads * options.tasksPerThread);
  }

  /** Reads the folders and every folder below them; rejects on the first failure or at once on abort. */
  run(folders: readonly FoundFolder[]): Promise<void> {
    for (const folder of folders) this.#offer(folder);
    return new Promise<void>((resolve, reject) => {
      const { signal } = this.#o;
      let settled = false;
      const settle = (end: () => void): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        end();
      };
      const done = (): void => settle(resolve);
      const fail = (error: unknown): void =>
        settle(() => reject(signal?.aborted ? abortErrorFrom(signal) : asError(error)));
      const onAbort = (): void => fail(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      const pump = (): void => {
        if (settled) return;
        if (signal?.aborted) return fail(undefined);
        while (this.#inFlight < this.#slots && this.#stack.length > 0) {
          this.#inFlight++;
          this.#o.reader.walk({ ...this.#o.template, folders: this.#batch() }).then((report) => {
            this.#inFlight--;
            if (settled) return;
            try {
              this.#take(report);
            } catch (error) {
              return fail(error);
            }
            pump();
          }, fail);
        }
        if (this.#inFlight === 0 && this.#stack.length === 0) done();
      };
      pump();
    });
  }

  /** Enters a folder unless one of the same identity was entered. */
  #offer(folder: FoundFolder): void {
    const { entered, ownIn } = this.#o;
    if (entered.has(folder.id)) return;
    entered.add(folder.id);
    const own = ownIn.get(folder.id);
    this.#stack.push({
      path: folder.path,
      depth: folder.depth,
      root: folder.root,
      relative: folder.relative,
      ...(own ? { own } : {}),
    });
  }

  #take(report: FolderReport & { matched: string[] }): void {
    this.#dirs += report.dirs;
    this.#entries += report.entries;
    for (const folder of report.folders) this.#offer(folder);
    this.#o.onReport(report);
  }

  /** The next folders, depth first: about `entriesPerTask` entries, spread over the free slots. */
  #batch(): FolderToRead[] {
    const perFolder = this.#dirs === 0 ? 1 : Math.max(1, this.#entries / this.#dirs);
    const free = this.#slots - this.#inFlight + 1;
    const n = Math.max(
      1,
      Math.min(
        MAX_FOLDERS,
        Math.floor(this.#o.entriesPerTask / perFolder),
        Math.ceil(this.#stack.length / free),
      ),
    );
    return this.#stack.splice(this.#stack.length - Math.min(n, this.#stack.length));
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
