import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What one client may hold of the HTTP server, so that a client opening thousands of connections, or sending a
 * request a byte at a time, cannot use up the process's file descriptors. The timeouts are node's own (real time,
 * checked every few seconds) and cover receiving a request only: an answer that takes long, or the event stream
 * (`GET /events`), is never cut by them.
 */
export const CONNECTION_LIMITS = {
  /** Open connections in all; one beyond takes the place of the oldest without a request in flight. */
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

/**
 * Holds at most `max` connections. A connection that arrives at the cap takes the place of the oldest one with no
 * request in flight (its request not yet whole, or kept alive between requests), which is closed; only when every
 * connection has a request in flight is the new one closed instead. A request is in flight from its whole headers
 * to its answer's end, so a client that keeps connections half-sent or idle cannot keep others out; an event
 * stream (`GET /events`) stays in flight, and needs a credential to open.
 *
 * There is no cap per remote address: on loopback every local client, the user's own browser included, comes from
 * 127.0.0.1, so a cap per address cannot tell one user from another; it let any local user lock the page out.
 */
export function capConnections(server: ConnectionSource, max: number): void {
  // Open connections in the order they arrived, each with its requests in flight: the first idle one is the oldest.
  const open = new Map<Socket, { inFlight: number }>();
  const oldestIdle = (): Socket | undefined => {
    for (const [socket, state] of open) if (state.inFlight === 0) return socket;
    return undefined;
  };
  server.on('connection', (socket: Socket) => {
    if (open.size >= max) {
      // Closed already, its 'close' not yet seen: no longer held.
      for (const held of open.keys()) if (held.destroyed) open.delete(held);
    }
    if (open.size >= max) {
      const idle = oldestIdle();
      if (idle === undefined) {
        socket.destroy();
        return;
      }
      open.delete(idle);
      idle.destroy();
    }
    open.set(socket, { inFlight: 0 });
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
}

/**
 * Applies CONNECTION_LIMITS to a node HTTP server. Its own `maxConnections` stays unset: node would close a
 * connection beyond it before `capConnections` could make room for it.
 */
export function limitConnections(server: Server): void {
  const limits = CONNECTION_LIMITS;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  capConnections(server, limits.maxConnections);
}
