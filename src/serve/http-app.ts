import type { Socket } from 'node:net';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Clock } from '../core/clock.js';
import { PageFiles } from './assets.js';
import { Sessions, type LoginTickets } from './auth.js';
import { ClientBudgets, DEFAULT_REQUEST_BURST, DEFAULT_REQUEST_RATE } from './budgets.js';
import { parseEventId, type EventLog } from './events.js';
import { guard } from './guard.js';
import { RPC_ERRORS, type FileId } from './protocol.js';
import { Dispatcher, rpcErrorOf, type RpcBackend } from './rpc.js';
import { EventStreams, HEARTBEAT_MS } from './sse.js';

/** The largest request body `POST /rpc` reads. */
export const MAX_BODY_BYTES = 2 ** 20;

/** What the HTTP routes need of the service, beyond its methods. */
export interface ServeBackend extends RpcBackend {
  /** The catalog's groups in a report format (`GET /report.FORMAT`). */
  reportText(format: string): Promise<string | Uint8Array>;
  /** A plan's JSON, or undefined (`GET /plans/ID.json`). */
  planText(id: string): string | undefined;
}

export interface Preview {
  type: string;
  body: Uint8Array;
}

/** Thumbnails and text excerpts of catalog files, by file id; undefined when there is none. */
export interface PreviewSource {
  thumb(id: FileId, signal: AbortSignal): Promise<Preview | undefined>;
  text(id: FileId, signal: AbortSignal): Promise<Preview | undefined>;
}

export interface HttpAppOptions {
  backend: ServeBackend;
  events: EventLog;
  previews?: PreviewSource | undefined;
  token: string;
  /** The login tickets the server issues (in the URL it prints and opens). */
  tickets: LoginTickets;
  /** The --host the server listens on, and its port (known once it listens). */
  host: string;
  port: () => number;
  /** Told of the connection of each request with a valid credential (see ConnectionCap). */
  trusted?: (socket: Socket) => void;
  clock: Clock;
  /** The built page: index.html and its assets. */
  pageDir: string;
  /** Requests per second per client, and the burst (default 50 and 100). */
  requestRate?: number | undefined;
  requestBurst?: number | undefined;
  maxBodyBytes?: number | undefined;
  heartbeatMs?: number | undefined;
  /** Where internal errors are logged. */
  log: (message: string) => void;
}

export interface HttpApp {
  app: Hono;
  /** Ends the event streams (the server stops). */
  closeStreams(): void;
  readonly streams: EventStreams;
}

/** Extensions and content types of the report downloads; other formats (plugins') are sent as text. */
const REPORT_TYPES: Readonly<Record<string, { ext: string; type: string }>> = {
  text: { ext: 'txt', type: 'text/plain; charset=utf-8' },
  json: { ext: 'json', type: 'application/json; charset=utf-8' },
  csv: { ext: 'csv', type: 'text/csv; charset=utf-8' },
};

/** A REST error in the API's words: `{ error: { code, message, hint? } }`. */
function restError(c: Context, error: unknown, log: (message: string) => void): Response {
  const rpc = rpcErrorOf(error, c.req.path, log);
  const status =
    rpc.code === RPC_ERRORS.notFound
      ? 404
      : rpc.code === RPC_ERRORS.badInput || rpc.code === RPC_ERRORS.invalidParams
        ? 400
        : rpc.code === RPC_ERRORS.busy
          ? 409
          : 500;
  return c.json(
    {
      error: {
        code: rpc.data?.code ?? 'INTERNAL',
        message: rpc.message,
        ...(rpc.data?.hint ? { hint: rpc.data.hint } : {}),
      },
    },
    status,
  );
}

const notFound = (c: Context, what: string): Response =>
  c.json({ error: { code: 'NOT_FOUND', message: `${what} not found` } }, 404);

/** A file id in a URL: a whole number. */
const fileId = (text: string): FileId | undefined => (/^\d{1,15}$/.test(text) ? Number(text) : undefined);

/**
 * The HTTP face of `nodupe serve` (a hono app, served by @hono/node-server; tests call `app.request()`): the page,
 * its assets, `POST /rpc`, `GET /events`, previews and downloads, every route behind `guard` (Host, Origin,
 * budget, credential).
 */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { backend, log } = options;
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const dispatcher = new Dispatcher({ backend, log });
  const page = new PageFiles(options.pageDir);
  const streams = new EventStreams(options.events, options.clock, options.heartbeatMs ?? HEARTBEAT_MS);
  const app = new Hono();

  app.use(
    guard({
      token: options.token,
      sessions: new Sessions(),
      tickets: options.tickets,
      budgets: new ClientBudgets({
        rate: options.requestRate ?? DEFAULT_REQUEST_RATE,
        burst: options.requestBurst ?? Math.max(DEFAULT_REQUEST_BURST, 2 * (options.requestRate ?? 0)),
        clock: options.clock,
      }),
      host: options.host,
      port: options.port,
      ...(options.trusted ? { trusted: options.trusted } : {}),
    }),
  );

  const sendPageFile = async (c: Context, name: string): Promise<Response> => {
    const file = await page.read(name);
    if (file) return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': file.type });
    if (name === 'index.html') return c.text('The page is not built: run `npm run build`.\n', 503);
    return c.text('Not found\n', 404);
  };

  app.get('/', (c) => sendPageFile(c, 'index.html'));
  // The path as the client sent it, encoded: names with `%` are not the page's, and are not found.
  app.get('/assets/*', (c) => sendPageFile(c, new URL(c.req.url).pathname.slice('/assets/'.length)));

  const streamedLimit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) =>
      c.json(
        {
          jsonrpc: '2.0',
          id: null,
          error: {
            code: RPC_ERRORS.invalidRequest,
            message: `request too large (at most ${maxBodyBytes} bytes)`,
          },
        },
        413,
      ),
  });
  app.post(
    '/rpc',
    // A body of a stated length is judged by that length. hono's bodyLimit asks for the web Request's body
    // first, which makes a Request (a stream, an abort listener held until finalization) of every request:
    // under load that garbage outgrew the collector (RSS past 300 MB) and halved the requests answered.
    (c, next) => {
      const length = c.req.header('content-length');
      if (length === undefined || c.req.header('transfer-encoding') !== undefined)
        return streamedLimit(c, next);
      return Number(length) > maxBodyBytes ? streamedLimit(c, next) : next();
    },
    async (c) => {
      const answer = await dispatcher.dispatchText(await c.req.text(), c.req.raw.signal);
      return answer === undefined ? c.body(null, 204) : c.json(answer);
    },
  );

  app.get('/events', (c) => {
    const after = parseEventId(c.req.header('last-event-id')) ?? parseEventId(c.req.query('after'));
    return c.body(streams.open(after), 200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'X-Accel-Buffering': 'no',
    });
  });

  for (const kind of ['thumb', 'text'] as const) {
    app.get(`/files/:id/${kind}`, async (c) => {
      const id = fileId(c.req.param('id'));
      if (id === undefined) return notFound(c, 'file');
      try {
        const preview = await options.previews?.[kind](id, c.req.raw.signal);
        if (!preview)
          return notFound(c, `a ${kind === 'thumb' ? 'thumbnail' : 'text excerpt'} of file ${id}`);
        return c.body(preview.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': preview.type });
      } catch (error) {
        return restError(c, error, log);
      }
    });
  }

  app.get('/:name{report\\.[A-Za-z0-9_-]+}', async (c) => {
    const format = c.req.param('name').slice('report.'.length);
    try {
      const text = await backend.reportText(format);
      const known = REPORT_TYPES[format];
      const type =
        known?.type ?? (typeof text === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
      return c.body(typeof text === 'string' ? text : (text as Uint8Array<ArrayBuffer>), 200, {
        'Content-Type': type,
        'Content-Disposition': `attachment; filename="nodupe-report.${known?.ext ?? format}"`,
      });
    } catch (error) {
      return restError(c, error, log);
    }
  });

  app.get('/plans/:file{[A-Za-z0-9_-]+\\.json}', (c) => {
    const id = c.req.param('file').slice(0, -'.json'.length);
    try {
      const text = backend.planText(id);
      if (text === undefined) return notFound(c, `plan ${id}`);
      return c.body(text, 200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Disposition': `attachment; filename="nodupe-plan-${id}.json"`,
      });
    } catch (error) {
      return restError(c, error, log);
    }
  });

  app.notFound((c) => c.text('Not found\n', 404));
  app.onError((error, c) => restError(c, error, log));

  return { app, streams, closeStreams: () => streams.closeAll() };
}
