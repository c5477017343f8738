// A PostgreSQL client with synchronous calls, as better-sqlite3 has: the catalog's interface is synchronous and
// every command uses it so. `pg` runs in a worker thread of its own (sync-worker.ts); a synchronous call posts its
// request, waits on a shared counter with Atomics.wait until the worker has answered, and takes the answer with
// receiveMessageOnPort. Asynchronous calls (a scan writer's) share the connection and the order of requests, and
// are answered on a port of their own.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { NodupeError } from '../../core/errors.js';
import { redactedUrl } from './redacted-url.js';
import type { ErrorShape, SyncAnswer, SyncRequest, SyncSetup } from './sync-protocol.js';
import { syncWorkerUrl } from './sync-worker-url.js';

/** An error the server (or the connection) gave a query: `code` is PostgreSQL's SQLSTATE when it has one. */
export class PostgresError extends Error {
  readonly code: string | undefined;
  readonly detail: string | undefined;
  constructor(shape: ErrorShape) {
    super(shape.message);
    this.name = 'PostgresError';
    this.code = shape.code;
    this.detail = shape.detail;
  }
}

/** How long connecting may take by default, in ms. */
const CONNECT_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(answer: SyncAnswer & { ok: true }): void;
  reject(error: Error): void;
}

export class SyncPostgres {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly signal: Int32Array,
    private readonly syncPort: MessagePort,
    private readonly asyncPort: MessagePort,
  ) {
    asyncPort.on('message', (answer: SyncAnswer) => this.settle(answer));
    asyncPort.unref();
  }

  /**
   * Connects to the server at `url`. Throws NodupeError BAD_INPUT, saying why, when the URL is not one, the
   * server cannot be reached or refuses the login (the password is never in the message).
   */
  static connect(url: string, options?: { timeoutMs?: number }): SyncPostgres {
    const timeoutMs = options?.timeoutMs ?? CONNECT_TIMEOUT_MS;
    const sync = new MessageChannel();
    const async = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const setup: SyncSetup = {
      url,
      timeoutMs,
      signal,
      syncPort: sync.port2,
      asyncPort: async.port2,
    };
    const worker = new Worker(syncWorkerUrl, {
      workerData: setup,
      transferList: [sync.port2, async.port2],
      // Not the program's own flags (`-e`, `--input-type`): the worker is a module file of its own.
      execArgv: [],
    });
    worker.unref();
    sync.port1.unref();
    const client = new SyncPostgres(worker, signal, sync.port1, async.port1);
    // The worker's first answer says whether it connected; a thread starts in ~30 ms, hence the margin.
    const connected = client.waitForAnswer(timeoutMs + 5_000);
    if (connected === undefined || !connected.ok) {
      void worker.terminate();
      const why =
        connected === undefined
          ? `no answer in ${timeoutMs} ms`
          : withoutPassword(connected.error.message, url);
      throw new NodupeError(
        'BAD_INPUT',
        `cannot connect to the PostgreSQL catalog at ${redactedUrl(url)}: ${why}`,
        {
          hint: 'check the URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE), that the server runs, and the login',
        },
      );
    }
    return client;
  }

  /** Runs one statement with `params` ($1, $2, …): bigint parameters are sent as decimal text, Buffers as bytea. */
  query<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): R[] {
    const answer = this.call({ kind: 'query', id: this.id(), sync: true, sql, params: params.map(param) });
    return rowsOf(answer) as R[];
  }

  /** Many statements separated by ';' (simple protocol, no parameters). */
  exec(sql: string): void {
    this.call({ kind: 'exec', id: this.id(), sync: true, sql });
  }

  /** COPY ... FROM STDIN with the given bytes (text or binary format as the SQL says); returns rows copied. */
  copyFrom(sql: string, data: Uint8Array): number {
    return this.call({ kind: 'copy', id: this.id(), sync: true, sql, data }).count ?? 0;
  }

  /** As `query`, without waiting: answers come back in the order asked. */
  queryAsync<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.callAsync({ kind: 'query', id: this.id(), sync: false, sql, params: params.map(param) }).then(
      (answer) => rowsOf(answer) as R[],
    );
  }

  /** As `copyFrom`, without waiting. */
  copyFromAsync(sql: string, data: Uint8Array): Promise<number> {
    return this.callAsync({ kind: 'copy', id: this.id(), sync: false, sql, data }).then((a) => a.count ?? 0);
  }

  /** Ends the session (after the requests already sent) and the worker. Later calls throw. */
  close(): void {
    if (this.closed) return;
    try {
      this.call({ kind: 'end', id: this.id(), sync: true });
    } finally {
      this.closed = true;
      // Asynchronous calls sent before were answered before the end: settle them with their answers.
      for (let left = receiveMessageOnPort(this.asyncPort); left !== undefined;) {
        this.settle(left.message as SyncAnswer);
        left = receiveMessageOnPort(this.asyncPort);
      }
      this.syncPort.close();
      this.asyncPort.close();
      void this.worker.terminate();
      for (const pending of this.pending.values())
        pending.reject(new Error('the PostgreSQL connection was closed'));
      this.pending.clear();
    }
  }

  private id(): number {
    if (this.closed) throw new Error('the PostgreSQL connection is closed');
    return this.nextId++;
  }

  private call(request: SyncRequest): SyncAnswer & { ok: true } {
    this.worker.postMessage(request);
    const answer = this.waitForAnswer(undefined);
    if (answer === undefined) throw new Error('the PostgreSQL worker gave no answer');
    if (!answer.ok) throw new PostgresError(answer.error);
    return answer;
  }

  private callAsync(request: SyncRequest): Promise<SyncAnswer & { ok: true }> {
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      if (this.pending.size === 1) this.asyncPort.ref();
      this.worker.postMessage(request);
    });
  }

  private settle(answer: SyncAnswer): void {
    const pending = this.pending.get(answer.id);
    if (pending === undefined) return;
    this.pending.delete(answer.id);
    if (this.pending.size === 0) this.asyncPort.unref();
    if (answer.ok) pending.resolve(answer);
    else pending.reject(new PostgresError(answer.error));
  }

  /** The next answer to a synchronous call; undefined when none came within `timeoutMs`. */
  private waitForAnswer(timeoutMs: number | undefined): SyncAnswer | undefined {
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const received = receiveMessageOnPort(this.syncPort);
      if (received !== undefined) return received.message as SyncAnswer;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      Atomics.wait(this.signal, 0, seen, left === Infinity ? undefined : left);
    }
  }
}

function param(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(param);
  return value;
}

/** Rows as objects, bytea values as Buffers again (they cross the port as Uint8Array). */
function rowsOf(answer: SyncAnswer & { ok: true }): Record<string, unknown>[] {
  const rows = answer.rows ?? [];
  for (const row of rows) {
    for (const key in row) {
      const value = row[key];
      if (value instanceof Uint8Array) row[key] = Buffer.from(value.buffer, value.byteOffset, value.length);
    }
  }
  return rows;
}

/** A message with the URL's password taken out, should a driver ever repeat it. */
function withoutPassword(message: string, url: string): string {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return message.split(url).join(redactedUrl(url));
  }
  return password === '' ? message : message.split(password).join('***');
}
