import { rmSync } from 'node:fs';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { systemClock, type Clock } from '../core/clock.js';
import { LoginTickets, newSecret } from './auth.js';
import { limitConnections, SERVER_OPTIONS, type ConnectionCap } from './connection-limits.js';
import { EventLog } from './events.js';
import { createHttpApp, type PreviewSource, type ServeBackend } from './http-app.js';
import { pageDirUrl } from './page-url.js';
import type { EventBody } from './protocol.js';
import { openRuntimeDir, SOCKET_FILE, writeTokenFile } from './runtime-dir.js';
import { writeOpenPage as writePageTo } from './open-page.js';
import { listenOnSocket, type SocketServer } from './socket.js';

/** What the server serves: the service's methods and downloads, its events, and its closing. */
export interface ServerBackend extends ServeBackend {
  readonly events: { on(listener: (event: EventBody) => void): () => void };
  close(signal?: AbortSignal): Promise<void>;
}

export interface ServerOptions {
  backend: ServerBackend;
  previews?: PreviewSource | undefined;
  /** Where it listens: default 127.0.0.1, and port 0 (any free port). */
  host?: string | undefined;
  port?: number | undefined;
  env: NodeJS.ProcessEnv;
  clock?: Clock | undefined;
  /** Requests per second per client, and the burst. */
  requestRate?: number | undefined;
  requestBurst?: number | undefined;
  /** The built page; default dist/page/. */
  pageDir?: string | undefined;
  /** Where internal errors are logged; default stderr. */
  log?: ((message: string) => void) | undefined;
}

export interface RunningServer {
  /** `http://HOST:PORT`, with no secret. */
  origin: string;
  /**
   * The page to open: a 0600 HTML file in the runtime folder that sends the browser on to a login URL, whose
   * ticket signs it in. Once the ticket is spent, the file gets a new one: it opens the page again, in any browser
   * of the user's. Its path is all a command line holds (no secret in a process list). It goes when the server
   * stops.
   */
  openPage: string;
  /** The same, as the `file://` URL printed on start. */
  openUrl: string;
  /** A login URL with a ticket of its own. */
  loginUrl(): string;
  token: string;
  port: number;
  /** The token file and the socket, in the runtime folder. */
  tokenFile: string;
  socketPath: string;
  /**
   * Stops: no new connections, the event streams and socket connections end, the token file and socket go, and
   * then the backend closes (its jobs cancelled, its lock released).
   */
  close(): Promise<void>;
}

/** How long requests in flight have to finish once the server stops (a real timer: about real sockets). */
const CUT_CONNECTIONS_MS = 500;

const hostInUrl = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** Starts `nodupe serve`'s HTTP server and unix socket over a backend (the Service). */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((message: string) => void process.stderr.write(message));
  const { backend } = options;
  const runtimeDir = openRuntimeDir(options.env);
  const socketPath = join(runtimeDir, SOCKET_FILE);
  const events = new EventLog(clock);
  const token = newSecret();
  // The open page's ticket, once spent, is replaced (the page is written again).
  let openTicket: string | undefined;
  const tickets = new LoginTickets((spent) => {
    if (spent === openTicket && !closing) writeOpenPage();
  });
  let port = options.port ?? 0;

  // The socket first: it refuses to start when another server is running.
  const socket: SocketServer = await listenOnSocket({ path: socketPath, backend, events, log });
  const unsubscribe = backend.events.on((event) => events.append(event));
  // The cap on connections exists once the server listens; no request arrives before.
  const connections: { cap?: ConnectionCap } = {};
  const http = createHttpApp({
    backend,
    events,
    previews: options.previews,
    token,
    tickets,
    host,
    port: () => port,
    clock,
    pageDir: options.pageDir ?? fileURLToPath(pageDirUrl),
    requestRate: options.requestRate,
    requestBurst: options.requestBurst,
    trusted: (connection) => connections.cap?.trust(connection),
    log,
  });
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const listening = serve(
        { fetch: http.app.fetch, hostname: host, port, serverOptions: SERVER_OPTIONS },
        () => resolve(listening as Server),
      );
      listening.once('error', reject);
    });
  } catch (error) {
    unsubscribe();
    await socket.close();
    throw error;
  }
  port = (server.address() as AddressInfo).port;
  connections.cap = limitConnections(server);
  let closing = false;
  // Once closing, a connection that answered its last request is closed (kept alive, it would hold `close` open).
  server.on('request', (_request, response: ServerResponse) =>
    response.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    }),
  );
  const tokenFile = writeTokenFile(runtimeDir, token);
  const origin = `http://${hostInUrl(host)}:${port}`;
  const loginUrl = (): string => `${origin}/#login=${tickets.issue()}`;
  const writeOpenPage = (): string => {
    openTicket = tickets.issue();
    return writePageTo(runtimeDir, `${origin}/#login=${openTicket}`);
  };
  const openPage = writeOpenPage();

  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    closing = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    http.closeStreams();
    server.closeIdleConnections();
    // A request that does not end soon (a slow client) is cut.
    const cut = setTimeout(() => server.closeAllConnections(), CUT_CONNECTIONS_MS);
    cut.unref();
    unsubscribe();
    await socket.close();
    rmSync(tokenFile, { force: true });
    rmSync(openPage, { force: true });
    // Requests in flight get their answers; the service then closes.
    await stopped;
    clearTimeout(cut);
    await backend.close();
  };
  return {
    origin,
    openPage,
    openUrl: pathToFileURL(openPage).href,
    loginUrl,
    token,
    port,
    tokenFile,
    socketPath,
    close: () => (closed ??= close()),
  };
}
