import { chmodSync, lstatSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { isMainThread } from 'node:worker_threads';
import { NodupeError } from '../core/errors.js';
import { parseEventId, type EventLog } from './events.js';
import { RPC_ERRORS } from './protocol.js';
import { Dispatcher, type RpcBackend } from './rpc.js';

/** The longest line the socket reads; a longer one ends the connection. */
export const MAX_LINE_BYTES = 2 ** 20;

/** A connection whose reader lets this much pile up unread is dropped (it can subscribe again with `after`). */
const MAX_UNREAD_BYTES = 16 * 2 ** 20;

export interface SocketServerOptions {
  path: string;
  backend: RpcBackend;
  events: EventLog;
  log: (message: string) => void;
}

export interface SocketServer {
  readonly path: string;
  /** Stops listening, ends every connection, removes the socket file. */
  close(): Promise<void>;
}

/** Whether a server answers on the socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Makes room for the socket: a socket left by a server that died is removed; one a live server answers on, or
 * anything that is not a socket, is refused.
 */
async function claim(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) {
    throw new NodupeError(
      'BAD_INPUT',
      `${path} is in the way of the socket of nodupe serve, and is no socket`,
    );
  }
  if (await answers(path)) {
    throw new NodupeError(
      'BAD_INPUT',
      `another nodupe serve is running (it answers on ${path}); stop it first, or use the one running`,
    );
  }
  rmSync(path, { force: true });
}

/** Sets the process's umask, returning the one before (`process.umask`; a worker thread cannot). */
export type SetUmask = (mask: number) => number;

/**
 * Listens on the unix socket `path`, made under a umask of 0o077: the socket is the user's alone from the moment
 * it exists, with no moment before a chmod when others could connect (a bound socket accepts at once). `listen`
 * binds a path at once, before it returns, so the process's umask is changed for that call only and restored in
 * `finally`. A worker thread cannot set the umask (Node refuses): there the private runtime folder alone keeps
 * others out until the caller's chmod.
 */
export function listenPrivately(
  server: Server,
  path: string,
  setUmask: SetUmask | undefined = isMainThread ? (mask) => process.umask(mask) : undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const before = setUmask?.(0o077);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      if (before !== undefined) setUmask?.(before);
    }
  });
}

/**
 * JSON-RPC 2.0 on a unix socket, one JSON value per line each way, by the same dispatcher as `POST /rpc`. The
 * socket is 0600 in the 0700 runtime folder: who can reach it is the user. `events.subscribe {after?}` makes the
 * connection receive every event as a notification line `{"jsonrpc":"2.0","method":"event","params":EVENT}`.
 */
export async function listenOnSocket(options: SocketServerOptions): Promise<SocketServer> {
  const { path, events, log } = options;
  await claim(path);
  const connections = new Set<Socket>();
  const server: Server = createServer((socket) => serveConnection(socket));
  await listenPrivately(server, path);
  chmodSync(path, 0o600);

  function serveConnection(socket: Socket): void {
    connections.add(socket);
    const controller = new AbortController();
    let unsubscribe: (() => void) | undefined;
    const write = (value: unknown): void => {
      if (socket.destroyed) return;
      socket.write(`${JSON.stringify(value)}\n`);
      if (socket.writableLength > MAX_UNREAD_BYTES) socket.destroy();
    };
    const dispatcher = new Dispatcher({
      backend: options.backend,
      log,
      extra: {
        'events.subscribe': (params) => {
          const after = params.after;
          if (
            after !== undefined &&
            (typeof after !== 'number' || parseEventId(String(after)) === undefined)
          ) {
            throw new NodupeError('USAGE', 'events.subscribe: after: expected a whole number (an event id)');
          }
          unsubscribe?.();
          unsubscribe = events.subscribe(after, (event) =>
            write({ jsonrpc: '2.0', method: 'event', params: event }),
          );
          return Promise.resolve({ lastId: events.lastId });
        },
      },
    });
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const answerLine = (line: string): void => {
      if (line.trim() === '') return;
      dispatcher.dispatchText(line, controller.signal).then(
        (answer) => answer !== undefined && write(answer),
        (error: unknown) => log(`nodupe serve: socket: ${String(error)}\n`),
      );
    };
    socket.on('data', (chunk: Buffer) => {
      let start = 0;
      for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, end);
        if (pendingBytes + piece.length > MAX_LINE_BYTES) return tooLong();
        answerLine(Buffer.concat([...pending, piece]).toString('utf8'));
        pending = [];
        pendingBytes = 0;
        start = end + 1;
      }
      const rest = chunk.subarray(start);
      if (pendingBytes + rest.length > MAX_LINE_BYTES) return tooLong();
      if (rest.length > 0) {
        pending.push(Buffer.from(rest));
        pendingBytes += rest.length;
      }
    });
    function tooLong(): void {
      socket.end(
        `${JSON.stringify({
          jsonrpc: '2.0',
          id: null,
          error: { code: RPC_ERRORS.invalidRequest, message: `a line longer than ${MAX_LINE_BYTES} bytes` },
        })}\n`,
      );
      socket.pause();
      pending = [];
      pendingBytes = 0;
    }
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      connections.delete(socket);
      unsubscribe?.();
      controller.abort();
    });
  }

  let closed: Promise<void> | undefined;
  return {
    path,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of connections) socket.destroy();
      }).then(() => rmSync(path, { force: true }));
      return closed;
    },
  };
}
