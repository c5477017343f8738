import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONNECTION_LIMITS,
  SERVER_OPTIONS,
  capConnectionsPerAddress,
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

/** The status line of one request sent on `socket`. */
function statusLine(socket: Socket, port: number): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (data: Buffer) => resolve(data.toString('latin1').split('\r\n')[0]!));
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  });
}

describe("nodupe serve's connection limits", () => {
  it('are set on the HTTP server: connections in all, timeouts to receive a request, keep-alive', () => {
    const http: Server = createServer(SERVER_OPTIONS);
    limitConnections(http);
    expect(http.maxConnections).toBe(CONNECTION_LIMITS.maxConnections);
    expect(http.headersTimeout).toBe(10_000);
    expect(http.requestTimeout).toBe(30_000);
    expect(http.keepAliveTimeout).toBe(5_000);
    expect(SERVER_OPTIONS.connectionsCheckingInterval).toBe(CONNECTION_LIMITS.checkEveryMs);
    // The event stream and slow answers are not cut: no timeout runs while an answer is sent.
    expect(http.timeout).toBe(0);
  });

  it('close the 65th connection from one address at once; the 64 before it are answered', async () => {
    server = await startServer({
      backend: fakeServerBackend(),
      env: { XDG_RUNTIME_DIR: dir.root },
      pageDir: dir.path('page'),
      log: () => {},
    });
    const { port } = server;
    const held = Array.from({ length: CONNECTION_LIMITS.perAddress }, () => open(port));
    await Promise.all(held.map((c) => c.connected));
    // Answered on the last of them: the server has taken all 64 by then (it takes them in order).
    expect(await statusLine(held.at(-1)!.socket, port)).toBe('HTTP/1.1 200 OK');
    const extra = open(port);
    let answered = false;
    extra.socket.on('data', () => (answered = true));
    extra.socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    await extra.closed;
    expect(answered).toBe(false);
    expect(await statusLine(held[0]!.socket, port)).toBe('HTTP/1.1 200 OK');
  });
});

describe('the cap per address', () => {
  /** A socket as the server sees it: its address, whether it was destroyed, and its closing. */
  function fakeSocket(remoteAddress: string) {
    return Object.assign(new EventEmitter(), {
      remoteAddress,
      destroyed: false,
      destroy() {
        this.destroyed = true;
      },
    });
  }

  it('counts each address apart, and takes a new connection once one of its own closed', () => {
    const fakeServer = new EventEmitter();
    capConnectionsPerAddress(fakeServer as unknown as Server, 2);
    const arrive = (address: string) => {
      const socket = fakeSocket(address);
      fakeServer.emit('connection', socket);
      return socket;
    };
    const [a1, a2, a3] = [arrive('127.0.0.1'), arrive('127.0.0.1'), arrive('127.0.0.1')];
    expect([a1.destroyed, a2.destroyed, a3.destroyed]).toEqual([false, false, true]);
    expect(arrive('::1').destroyed).toBe(false);
    a1.emit('close');
    expect(arrive('127.0.0.1').destroyed).toBe(false);
    expect(arrive('127.0.0.1').destroyed).toBe(true);
  });
});
