import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/core/fake-clock.js';
import {
  CONNECTION_LIMITS,
  SERVER_OPTIONS,
  capConnections,
  limitConnections,
} from '../src/serve/connection-limits.js';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { fakeServerBackend } from './helpers/serve.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let server: RunningServer | undefined;
const sockets: Socket[] = [];

beforeEach(() => {
  dir = scratch();
  dir.write('page/index.html', '<!doctype html><title>nodupe</title>');
});
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.destroy());
  await server?.close();
  server = undefined;
  dir.remove();
});

/** A raw TCP connection to the server, open once connected; `closed` resolves when it is closed. */
function open(port: number): { socket: Socket; connected: Promise<void>; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => {});
  return {
    socket,
    connected: new Promise((resolve) => socket.once('connect', () => resolve())),
    closed: new Promise((resolve) => socket.once('close', () => resolve())),
  };
}

/** The status line of the answer to `request` sent on `socket` ('closed' when closed unanswered). */
function statusLine(socket: Socket, request: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (data: Buffer) => resolve(data.toString('latin1').split('\r\n')[0]!));
    socket.once('close', () => resolve('closed'));
    socket.write(request);
  });
}

/** Half of the request line of `GET /`; `rest(port)` completes it: the line, Host, `headers`, the headers' end. */
const HALF_REQUEST_LINE = 'GET / HT';
const rest = (port: number, headers = ''): string => `TP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}\r\n`;

const start = async (): Promise<RunningServer> =>
  (server = await startServer({
    backend: fakeServerBackend(),
    env: { XDG_RUNTIME_DIR: dir.root },
    pageDir: dir.path('page'),
    clock: new FakeClock(),
    // Budget enough for the event streams below (one request each).
    requestRate: 1_000,
    log: () => {},
  }));

describe("nodupe serve's connection limits", () => {
  it('are set on the HTTP server: timeouts to receive a request, keep-alive; the cap is their own', () => {
    const http: Server = createServer(SERVER_OPTIONS);
    limitConnections(http);
    // Node's own cap would close a connection beyond it before the oldest idle one could make room.
    expect(http.maxConnections).toBeUndefined();
    expect(http.headersTimeout).toBe(10_000);
    expect(http.requestTimeout).toBe(30_000);
    expect(http.keepAliveTimeout).toBe(5_000);
    expect(SERVER_OPTIONS.connectionsCheckingInterval).toBe(CONNECTION_LIMITS.checkEveryMs);
    // The event stream and slow answers are not cut: no timeout runs while an answer is sent.
    expect(http.timeout).toBe(0);
  });

  it('a client holding every connection half-sent cannot lock the user out: the oldest one makes room', async () => {
    const { port, token, origin } = await start();
    const max = CONNECTION_LIMITS.maxConnections;
    const held = Array.from({ length: max - 1 }, () => open(port));
    await Promise.all(held.map((c) => c.connected));
    held.forEach((c) => c.socket.write(HALF_REQUEST_LINE));
    // The server takes connections in order: once the last is answered, it holds all of them (the last kept alive).
    const last = open(port);
    expect(await statusLine(last.socket, `${HALF_REQUEST_LINE}${rest(port)}`)).toBe('HTTP/1.1 200 OK');

    const answer = await fetch(`${origin}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'stats' }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ jsonrpc: '2.0', id: 1, result: { files: 3 } });
    await held[0]!.closed;
    // The next half-sent one was left alone: it is answered once whole.
    expect(await statusLine(held[1]!.socket, rest(port))).toBe('HTTP/1.1 200 OK');
  });

  it('refuses a new connection when every connection has a request in flight (open event streams)', async () => {
    const { port, token } = await start();
    const streams = Array.from({ length: CONNECTION_LIMITS.maxConnections }, () => open(port));
    await Promise.all(streams.map((c) => c.connected));
    const answers = await Promise.all(
      streams.map((c) =>
        statusLine(c.socket, `GET /events HT${rest(port, `Authorization: Bearer ${token}\r\n`)}`),
      ),
    );
    expect(new Set(answers)).toEqual(new Set(['HTTP/1.1 200 OK']));
    const extra = open(port);
    expect(await statusLine(extra.socket, `${HALF_REQUEST_LINE}${rest(port)}`)).toBe('closed');
  });
});

describe('the cap on connections', () => {
  /** A socket as the server sees it: whether it was destroyed, and its closing. */
  function fakeSocket() {
    return Object.assign(new EventEmitter(), {
      destroyed: false,
      destroy() {
        this.destroyed = true;
      },
    });
  }
  type FakeSocket = ReturnType<typeof fakeSocket>;

  /** A fake server capped at `max`: connections arrive, requests start on them and end. */
  function cappedServer(max: number) {
    const server = new EventEmitter();
    const cap = capConnections(server as unknown as Server, max);
    return {
      /** A connection arrives; `trusted`: its requests carry a credential. */
      arrive(trusted = true) {
        const socket = fakeSocket();
        server.emit('connection', socket);
        if (trusted) cap.trust(socket as unknown as Socket);
        return socket;
      },
      /** A request whose headers are whole; its answer ends with `end()` (its 'finish', then its 'close'). */
      request(socket: FakeSocket) {
        const response = new EventEmitter();
        server.emit('request', { socket }, response);
        return {
          end() {
            response.emit('finish');
            response.emit('close');
          },
          /** The connection went away before the answer finished. */
          abort: () => response.emit('close'),
        };
      },
    };
  }

  const destroyed = (...sockets: FakeSocket[]) => sockets.map((s) => s.destroyed);

  it('at the cap, a new connection closes the oldest one with no request in flight, not a busy older one', () => {
    const server = cappedServer(3);
    const [busy, half1, half2] = [server.arrive(), server.arrive(), server.arrive()];
    server.request(busy);
    const user = server.arrive();
    expect(destroyed(busy, half1, half2, user)).toEqual([false, true, false, false]);
    server.request(user);
    const next = server.arrive();
    expect(destroyed(busy, half2, user, next)).toEqual([false, true, false, false]);
  });

  it('a kept-alive connection whose answer ended is idle again, and may be closed', () => {
    const server = cappedServer(2);
    const [kept, busy] = [server.arrive(), server.arrive()];
    const first = server.request(kept);
    server.request(busy);
    expect(server.arrive().destroyed).toBe(true);
    first.end();
    const fresh = server.arrive();
    expect(destroyed(kept, busy, fresh)).toEqual([true, false, false]);
  });

  it('counts every request in flight on a connection (pipelined), and an answer cut short as ended', () => {
    const server = cappedServer(1);
    const socket = server.arrive();
    const [a, b] = [server.request(socket), server.request(socket)];
    a.end();
    a.abort();
    expect(server.arrive().destroyed).toBe(true);
    b.abort();
    expect(server.arrive().destroyed).toBe(false);
    expect(socket.destroyed).toBe(true);
  });

  it('refuses a new connection while every one has a request in flight; a closed one makes room', () => {
    const server = cappedServer(2);
    const streams = [server.arrive(), server.arrive()];
    streams.forEach((s) => server.request(s));
    expect(server.arrive().destroyed).toBe(true);
    streams[0]!.emit('close');
    expect(destroyed(server.arrive(), ...streams)).toEqual([false, false, false]);
    // Destroyed, its 'close' not yet emitted: no longer held either.
    streams[1]!.destroyed = true;
    expect(server.arrive().destroyed).toBe(false);
  });

  it('closes a connection that never carried a credential even with requests in flight (answers left unread)', () => {
    const server = cappedServer(3);
    const user = server.arrive();
    server.request(user);
    // Page files need no credential: asked for on two connections, pipelined, never read.
    const [holder1, holder2] = [server.arrive(false), server.arrive(false)];
    for (const holder of [holder1, holder2]) for (let i = 0; i < 3; i++) server.request(holder);
    const next = server.arrive();
    expect(destroyed(user, holder1, holder2, next)).toEqual([false, true, false, false]);
    server.request(next);
    const another = server.arrive(false);
    expect(destroyed(user, holder2, next, another)).toEqual([false, true, false, false]);
  });
});
