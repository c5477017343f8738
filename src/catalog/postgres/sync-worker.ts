// The worker thread of a SyncPostgres: one pg.Client, running the requests it is sent in order, answering
// synchronous calls on one port (then bumping the shared counter the caller waits on) and asynchronous calls on
// the other.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';
import type { ErrorShape, SyncAnswer, SyncRequest, SyncSetup } from './sync-protocol.js';

const { url, timeoutMs, signal, syncPort, asyncPort } = workerData as SyncSetup;

/** int8 (sizes, times, ids) as bigint: a size can pass 2^53. (The parsers are this worker's own.) */
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => BigInt(text));

/** Set once the connection is lost (or never made): every later request fails with it. */
let broken: ErrorShape | undefined;
let client: pg.Client;
try {
  client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
} catch (error) {
  // A URL pg cannot read: said at once, as a failed connection.
  broken = shapeOf(error);
  client = new pg.Client();
}
client.on('error', (error) => {
  broken = shapeOf(error);
});

function shapeOf(error: unknown): ErrorShape {
  const e = error as { message?: unknown; code?: unknown; detail?: unknown };
  return {
    message: typeof e.message === 'string' ? e.message : String(error),
    code: typeof e.code === 'string' ? e.code : undefined,
    detail: typeof e.detail === 'string' ? e.detail : undefined,
  };
}

function answer(sync: boolean, message: SyncAnswer): void {
  (sync ? syncPort : asyncPort).postMessage(message);
  if (sync) {
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  }
}

/** Parameters as pg takes them: bytes that crossed the port as Uint8Array become Buffers again. */
function param(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length);
  if (Array.isArray(value)) return value.map(param);
  return value;
}

/** COPY ... FROM STDIN, sending `data`: a request pg runs in its queue like a query (a "submittable"). */
class CopyFrom {
  private count = 0;
  private failed: unknown;
  private done = false;
  constructor(
    private readonly text: string,
    private readonly data: Uint8Array,
    private readonly callback: (error: unknown, count: number) => void,
  ) {}
  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void {
    const bytes = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.length);
    for (let at = 0; at < bytes.length; at += COPY_CHUNK) {
      connection.sendCopyFromChunk(bytes.subarray(at, at + COPY_CHUNK));
    }
    connection.endCopyFrom();
  }
  handleCommandComplete(message: { text: string }): void {
    this.count = Number(/(\d+)$/.exec(message.text)?.[1] ?? 0);
  }
  handleError(error: unknown): void {
    this.failed = error;
    this.finish();
  }
  handleReadyForQuery(): void {
    this.finish();
  }
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.callback(this.failed, this.count);
  }
}
const COPY_CHUNK = 1 << 16;

function copyFrom(sql: string, data: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    void client.query(
      new CopyFrom(sql, data, (error, count) =>
        error === undefined ? resolve(count) : reject(error as Error),
      ) as never,
    );
  });
}

async function run(request: SyncRequest): Promise<SyncAnswer> {
  const { id } = request;
  if (broken !== undefined && request.kind !== 'end') return { id, ok: false, error: broken };
  try {
    switch (request.kind) {
      case 'query': {
        const result = await client.query({
          text: request.sql,
          values: request.params.map(param),
          queryMode: 'extended',
        } as pg.QueryConfig);
        return {
          id,
          ok: true,
          rows: result.rows as Record<string, unknown>[],
          count: result.rowCount ?? undefined,
        };
      }
      case 'exec':
        await client.query(request.sql);
        return { id, ok: true, rows: undefined, count: undefined };
      case 'copy':
        return { id, ok: true, rows: undefined, count: await copyFrom(request.sql, request.data) };
      case 'end':
        await client.end().catch(() => undefined);
        return { id, ok: true, rows: undefined, count: undefined };
      default:
        return request satisfies never;
    }
  } catch (error) {
    return { id, ok: false, error: shapeOf(error) };
  }
}

const port: MessagePort = parentPort!;
/**
 * The requests, one after another (pg runs one query at a time and no longer wants them queued): the first
 * answer says whether the connection was made.
 */
let queue: Promise<unknown> = (
  broken === undefined
    ? client.connect().catch((error: unknown) => (broken = shapeOf(error)))
    : Promise.resolve()
).then(() =>
  answer(
    true,
    broken === undefined
      ? { id: 0, ok: true, rows: undefined, count: undefined }
      : { id: 0, ok: false, error: broken },
  ),
);
port.on('message', (request: SyncRequest) => {
  queue = queue
    .then(() => run(request))
    .then((result) => {
      answer(request.sync, result);
      if (request.kind === 'end') port.close();
    });
});
