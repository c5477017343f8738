import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What one client may hold of the HTTP server, so that a client opening thousands of connections, or sending a
 * request a byte at a time, cannot use up the process's file descriptors. The timeouts are node's own (real time,
 * checked every few seconds) and cover receiving a request only: an answer that takes long, or the event stream
 * (`GET /events`), is never cut by them.
 */
export const CONNECTION_LIMITS = {
  /**
   * Open connections in all; one beyond takes the place of the oldest that is idle or has never carried a
   * credential.
   */
  maxConnections: 256,
  /** To send a request's headers. */
  headersTimeoutMs: 10_000,
  /** To send a whole request, headers and body. */
  requestTimeoutMs: 30_000,
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** How often node looks for requests past their timeouts (its default, 30 s, would let them run 40 s). */
  checkEveryMs: 1_000,
} as const;

/** The options node's HTTP server takes when created: how often it checks the timeouts. */
export const SERVER_OPTIONS = { connectionsCheckingInterval: CONNECTION_LIMITS.checkEveryMs } as const;

/** The part of a server `capConnections` uses: its connections, and the requests on them. */
export type ConnectionSource = Pick<Server, 'on' | 'prependListener'>;

/** What the server tells the cap about a connection. */
export interface ConnectionCap {
  /** A request on `socket` carried a valid credential: while it has a request in flight, it is not closed. */
  trust(socket: Socket): void;
}

/**
 * Holds at most `max` connections. A connection that arrives at the cap takes the place of the oldest one that is
 * idle (its request not yet whole, or kept alive between requests) or has never carried a credential, which is
 * closed; only when every connection is a trusted one with a request in flight is the new one closed instead. A
 * request is in flight from its whole headers to its answer's end. So a client that keeps connections half-sent
 * or idle cannot keep others out, nor one that never reads the answers it asked for (the page's files need no
 * credential: pipelined and left unread, they would stay in flight for good); an event stream (`GET /events`)
 * stays in flight, and needs a credential to open.
 *
 * There is no cap per remote address: on loopback every local client, the user's own browser included, comes from
 * 127.0.0.1, so a cap per address cannot tell one user from another; it let any local user lock the page out.
 */
export function capConnections(server: ConnectionSource, max: number): ConnectionCap {
  // Open connections in the order they arrived, each with its requests in flight and whether one carried a
  // credential: the first one found is the oldest.
  const open = new Map<Socket, { inFlight: number; trusted: boolean }>();
  const oldestToClose = (): Socket | undefined => {
    for (const [socket, state] of open) if (state.inFlight === 0 || !state.trusted) return socket;
    return undefined;
  };
  server.on('connection', (socket: Socket) => {
    if (open.size >= max) {
      // Closed already, its 'close' not yet seen: no longer held.
      for (const held of open.keys()) if (held.destroyed) open.delete(held);
    }
    if (open.size >= max) {
      const closing = oldestToClose();
      if (closing === undefined) {
        socket.destroy();
        return;
      }
      open.delete(closing);
      closing.destroy();
    }
    open.set(socket, { inFlight: 0, trusted: false });
    socket.once('close', () => open.delete(socket));
  });
  // First among the request's listeners: the request is in flight before any answer to it can start.
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    const state = open.get(request.socket);
    if (state === undefined) return;
    state.inFlight += 1;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      state.inFlight -= 1;
    };
    response.once('finish', end);
    response.once('close', end);
  });
  return {
    trust(socket) {
      const state = open.get(socket);
      if (state) state.trusted = true;
    },
  };
}

/**
 * Applies CONNECTION_LIMITS to a node HTTP server. Its own `maxConnections` stays unset: node would close a
 * connection beyond it before `capConnections` could make room for it.
 */
export function limitConnections(server: Server): ConnectionCap {
  const limits = CONNECTION_LIMITS;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  return capConnections(server, limits.maxConnections);
}
