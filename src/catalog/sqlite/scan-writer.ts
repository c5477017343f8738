import { Worker } from 'node:worker_threads';
import { checkNumber, NodupeError } from '../../core/errors.js';
import { transferables } from '../../model/records.js';
import type { CatalogRows, ScanWriter, ScanWriterOptions } from '../store.js';
import type { RowWriter } from './row-writer.js';
import type { Flushed, ToWriter, WriterFailure, WriterSetup } from './scan-writer-protocol.js';
import { scanWriterUrl } from './writer-url.js';

const DEFAULT_THREAD_ABOVE = 5000;

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A scan's writer on an SQLite catalog. It writes through the catalog's own connection until more than
 * `threadAbove` rows were queued; then it starts a thread with its own connection (WAL lets the catalog read
 * meanwhile) and sends it every later batch by transfer. Either way one RowWriter does the SQL, in order.
 */
export class SqliteScanWriter implements ScanWriter {
  readonly #location: string;
  readonly #scanId: number;
  readonly #threadAbove: number;
  readonly #local: () => RowWriter;
  #queued = 0;
  #thread: Worker | undefined;
  #failure: Error | undefined;
  #nextFlush = 0;
  readonly #waiting = new Map<number, Waiter>();
  #closed: Promise<void> | undefined;
  #exited = false;

  constructor(location: string, local: () => RowWriter, scanId: number, options: ScanWriterOptions = {}) {
    this.#location = location;
    this.#local = local;
    this.#scanId = scanId;
    this.#threadAbove = checkNumber('threadAbove', options.threadAbove ?? DEFAULT_THREAD_ABOVE, {
      integer: true,
      min: 0,
    });
  }

  write(rows: CatalogRows, at: number): void {
    this.#checkOpen();
    if (rows.count === 0 || this.#failure !== undefined) return;
    if (this.#onThread(rows.count)) {
      this.#send({ kind: 'write', rows, at }, transferables(rows));
      return;
    }
    // Taken here too, as on the thread: a caller that reads a batch after writing it fails on small scans too.
    const taken = structuredClone(rows, { transfer: transferables(rows) });
    this.#attempt(() => this.#local().write(this.#scanId, taken, at));
  }

  seen(files: number): void {
    this.#checkOpen();
    if (this.#failure !== undefined) return;
    if (this.#thread !== undefined) this.#send({ kind: 'seen', files });
    else this.#attempt(() => this.#local().seen(this.#scanId, files));
  }

  flush(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const thread = this.#thread;
    if (thread === undefined) return Promise.resolve();
    const id = this.#nextFlush++;
    return new Promise<void>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      // Kept alive while an answer is awaited, and only then: an idle writer never holds the process open.
      thread.ref();
      thread.postMessage({ kind: 'flush', id } satisfies ToWriter);
    });
  }

  close(): Promise<void> {
    return (this.#closed ??= this.#close());
  }

  async #close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      const thread = this.#thread;
      // A thread that already stopped (it failed) has nothing to end.
      if (thread !== undefined && !this.#exited) {
        const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
        thread.ref();
        thread.postMessage({ kind: 'close' } satisfies ToWriter);
        await exited;
      }
    }
  }

  /** Whether this many more rows go to the thread (started now if need be). */
  #onThread(rows: number): boolean {
    this.#queued += rows;
    if (this.#thread !== undefined) return true;
    if (this.#location === ':memory:' || this.#queued <= this.#threadAbove) return false;
    this.#thread = this.#start();
    return true;
  }

  #start(): Worker {
    const thread = new Worker(scanWriterUrl, {
      workerData: { location: this.#location, scanId: this.#scanId } satisfies WriterSetup,
    });
    thread.unref();
    thread.on('message', ({ id, failure }: Flushed) => {
      if (failure !== undefined) this.#fail(errorOf(failure));
      this.#waiting.get(id)?.resolve();
      this.#waiting.delete(id);
      if (this.#waiting.size === 0) thread.unref();
    });
    thread.on('error', (error) => this.#fail(error));
    thread.on('exit', (code) => {
      this.#exited = true;
      if (this.#closed === undefined || this.#waiting.size > 0) {
        this.#fail(new Error(`the catalog writer's thread stopped (exit code ${code})`));
      }
    });
    return thread;
  }

  #send(message: ToWriter, transfer?: ArrayBuffer[]): void {
    this.#thread!.postMessage(message, transfer);
  }

  #attempt(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Records the first failure and rejects every flush that waits. */
  #fail(error: Error): void {
    this.#failure ??= writeFailure(this.#location, error);
    for (const waiter of this.#waiting.values()) waiter.reject(this.#failure);
    this.#waiting.clear();
  }

  #checkOpen(): void {
    if (this.#closed !== undefined) throw new Error('the scan writer is closed');
  }
}

/**
 * A write SQLite refused (a full disk, an I/O error, a file made read-only) as the scan's failure: one line and
 * exit 1, not a stack trace. What was committed stays; the scan is left unfinished, and says so.
 */
function writeFailure(location: string, error: Error): Error {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  return new NodupeError(
    'FAILED',
    `could not write the catalog ${location}: ${error.message} (${code}); what the scan wrote so far stays, ` +
      'and the scan is left unfinished: free space or mend the cause, then scan again',
    { cause: error },
  );
}

function errorOf(failure: WriterFailure): Error {
  return Object.assign(new Error(failure.message), failure.code === undefined ? {} : { code: failure.code });
}
