import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What one client may hold of the HTTP server, so that a client opening thousands of connections, or sending a
 * request a byte at a time, cannot use up the process's file descriptors. The timeouts are node's own (real time,
 * checked every few seconds) and cover receiving a request only: an answer that takes long, or the event stream
 * (`GET /events`), is never cut by them.
 */
export const CONNECTION_LIMITS = {
  /** Open connections in all; node closes the ones beyond at once. */
  maxConnections: 256,
  /** Open connections from one remote address; the ones beyond are closed when they arrive. */
  perAddress: 64,
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

/** The part of a server `limitConnections` uses: its connections. */
export type ConnectionSource = Pick<Server, 'on'>;

/** Closes a connection beyond `perAddress` from its remote address, as it arrives. */
export function capConnectionsPerAddress(server: ConnectionSource, perAddress: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = open.get(address) ?? 0;
    if (count >= perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/** Applies CONNECTION_LIMITS to a node HTTP server. */
export function limitConnections(server: Server): void {
  const limits = CONNECTION_LIMITS;
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  capConnectionsPerAddress(server, limits.perAddress);
}
