import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RPC_ERRORS } from '../src/serve/protocol.js';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { MAX_LINE_BYTES } from '../src/serve/socket.js';
import { fakeServerBackend } from './helpers/serve.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let backend: ReturnType<typeof fakeServerBackend>;
let server: RunningServer | undefined;
let logged: string[];

const env = () => ({ XDG_RUNTIME_DIR: dir.root });
const start = async () =>
  (server = await startServer({
    backend,
    env: env(),
    pageDir: dir.path('page'),
    log: (message) => logged.push(message),
  }));

beforeEach(() => {
  dir = scratch();
  dir.write('page/index.html', '<!doctype html><title>nodupe</title>');
  backend = fakeServerBackend();
  logged = [];
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  dir.remove();
});

/** A client of the socket: sends lines, reads the answers as they come. */
function socketClient(path: string) {
  const socket: Socket = connect(path);
  const lines: unknown[] = [];
  const waiting: (() => void)[] = [];
  createInterface({ input: socket }).on('line', (line) => {
    lines.push(JSON.parse(line));
    waiting.splice(0).forEach((wake) => wake());
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return {
    socket,
    lines,
    closed,
    send: (value: unknown) => socket.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`),
    async next(count: number) {
      while (lines.length < count) await new Promise<void>((wake) => waiting.push(wake));
      return lines.slice(0, count);
    },
  };
}

describe('nodupe serve: the running server', () => {
  it('the page to open is a 0600 file that sends the browser on with a ticket: spent, the file gets a new one', async () => {
    const running = await start();
    expect(running.openPage).toBe(dir.path('nodupe', 'open.html'));
    expect(running.openUrl).toBe(`file://${running.openPage}`);
    expect(statSync(running.openPage).mode & 0o777).toBe(0o600);
    const ticketOf = () => {
      const html = readFileSync(running.openPage, 'utf8');
      expect(html).not.toContain(running.token);
      const ticket = /#login=([\w-]{43})"/.exec(html)![1]!;
      expect(html).toContain(
        `<meta http-equiv="refresh" content="0;url=http://127.0.0.1:${running.port}/#login=${ticket}">`,
      );
      return ticket;
    };
    const login = (ticket: string) =>
      fetch(`${running.origin}/session`, { method: 'POST', headers: { authorization: `Bearer ${ticket}` } });
    const first = ticketOf();
    expect((await login(first)).status).toBe(200);
    expect((await login(first)).status).toBe(401);
    // Another browser opens the same file: it holds a new ticket now.
    const second = ticketOf();
    expect(second).not.toBe(first);
    expect((await login(second)).status).toBe(200);
    // A login URL's ticket of its own leaves the page's alone.
    const third = ticketOf();
    const url = running.loginUrl();
    expect((await login(url.split('#login=')[1]!)).status).toBe(200);
    expect(ticketOf()).toBe(third);
  });

  it('listens on 127.0.0.1 on a free port; no URL carries the token, which is in a 0600 file', async () => {
    const running = await start();
    expect(running.origin).toBe(`http://127.0.0.1:${running.port}`);
    expect(running.loginUrl()).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${running.port}/#login=[\\w-]{43}$`),
    );
    expect(running.loginUrl()).not.toContain(running.token);
    expect(running.port).toBeGreaterThan(0);
    expect(running.tokenFile).toBe(dir.path('nodupe', 'token'));
    expect(readFileSync(running.tokenFile, 'utf8')).toBe(`${running.token}\n`);
    expect(statSync(running.tokenFile).mode & 0o777).toBe(0o600);
    expect(statSync(dir.path('nodupe')).mode & 0o777).toBe(0o700);
    expect(lstatSync(running.socketPath).isSocket()).toBe(true);
    expect(statSync(running.socketPath).mode & 0o777).toBe(0o600);

    const origin = `http://127.0.0.1:${running.port}`;
    expect((await fetch(`${origin}/events`)).status).toBe(401);
    const answer = await fetch(`${origin}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${running.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'stats' }),
    });
    expect(await answer.json()).toEqual({ jsonrpc: '2.0', id: 1, result: { files: 3 } });
  });

  it("forwards the backend's events to /events, and close() ends the stream, removes its files, closes the backend", async () => {
    const running = await start();
    const response = await fetch(`http://127.0.0.1:${running.port}/events`, {
      headers: { authorization: `Bearer ${running.token}` },
    });
    const reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    await reader.read(); // the opening comment
    backend.emit({ type: 'catalog.changed', generation: 4 });
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toMatch(
      /^id: 1\nevent: catalog.changed\ndata: \{"type":"catalog.changed","generation":4,"id":1,"at":"[^"]+"\}\n\n$/,
    );

    const { openPage } = running;
    await running.close();
    server = undefined;
    expect((await reader.read()).done).toBe(true);
    expect(existsSync(running.tokenFile)).toBe(false);
    expect(existsSync(openPage)).toBe(false);
    expect(existsSync(running.socketPath)).toBe(false);
    expect(backend.closed).toBe(1);
    expect(backend.listening()).toBe(0);
    await expect(fetch(`http://127.0.0.1:${running.port}/`)).rejects.toThrow();
  });

  it('refuses to start while another server answers on the socket; takes the place of a dead one', async () => {
    const first = await start();
    const refused = await startServer({ backend: fakeServerBackend(), env: env(), log: () => {} }).catch(
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: 'BAD_INPUT' });
    expect(String(refused)).toMatch(/another nodupe serve is running/);
    expect(lstatSync(first.socketPath).isSocket()).toBe(true);
    await first.close();
    server = undefined;

    // A server killed in its tracks leaves its socket behind.
    const killed = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(first.socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(killed.signal).toBe('SIGKILL');
    expect(lstatSync(first.socketPath).isSocket()).toBe(true);
    const second = await start();
    expect(second.socketPath).toBe(first.socketPath);
  });

  it('refuses a file that is no socket in the socket’s place', async () => {
    dir.write('nodupe/serve.sock', 'mine');
    await expect(start()).rejects.toThrow(/is no socket/);
    server = undefined;
    expect(readFileSync(dir.path('nodupe/serve.sock'), 'utf8')).toBe('mine');
  });

  it('refuses a runtime folder others can write', async () => {
    dir.write('nodupe/x', '');
    spawnSync('chmod', ['0777', dir.path('nodupe')]);
    await expect(start()).rejects.toThrow(/can be written by others/);
    server = undefined;
  });
});

describe('nodupe serve: JSON-RPC on the unix socket', () => {
  it('answers line by line, with the standard errors', async () => {
    const client = socketClient((await start()).socketPath);
    client.send({ jsonrpc: '2.0', id: 1, method: 'stats' });
    expect(await client.next(1)).toEqual([{ jsonrpc: '2.0', id: 1, result: { files: 3 } }]);
    client.send('{"jsonrpc":');
    client.send({ jsonrpc: '2.0', id: 3, method: 'nope' });
    client.send({ jsonrpc: '2.0', method: 'stats' });
    client.send([{ jsonrpc: '2.0', id: 4, method: 'stats' }]);
    const answers = await client.next(4);
    // Answers come as each call ends: compared in any order.
    const seen = answers.slice(1).map((a) => JSON.stringify(a));
    expect(seen.sort()).toEqual(
      [
        {
          jsonrpc: '2.0',
          id: null,
          error: { code: RPC_ERRORS.parse, message: 'parse error: the body is not JSON' },
        },
        {
          jsonrpc: '2.0',
          id: 3,
          error: { code: RPC_ERRORS.methodNotFound, message: 'method not found: "nope"' },
        },
        [{ jsonrpc: '2.0', id: 4, result: { files: 3 } }],
      ]
        .map((a) => JSON.stringify(a))
        .sort(),
    );
    client.socket.destroy();
  });

  it('events.subscribe: the kept events after `after`, then each new one, as notification lines', async () => {
    const running = await start();
    backend.emit({ type: 'catalog.changed', generation: 1 });
    backend.emit({ type: 'catalog.changed', generation: 2 });
    const client = socketClient(running.socketPath);
    client.send({ jsonrpc: '2.0', id: 1, method: 'events.subscribe', params: { after: 1 } });
    const [replayed, answer] = await client.next(2);
    expect(replayed).toMatchObject({
      jsonrpc: '2.0',
      method: 'event',
      params: { id: 2, type: 'catalog.changed', generation: 2 },
    });
    expect(answer).toEqual({ jsonrpc: '2.0', id: 1, result: { lastId: 2 } });
    backend.emit({ type: 'catalog.changed', generation: 3 });
    expect((await client.next(3))[2]).toMatchObject({ method: 'event', params: { id: 3, generation: 3 } });
    client.send({ jsonrpc: '2.0', id: 2, method: 'events.subscribe', params: { after: 'x' } });
    expect((await client.next(4))[3]).toMatchObject({ id: 2, error: { code: RPC_ERRORS.invalidParams } });
    client.socket.destroy();
    await client.closed;
  });

  it('a line longer than 1 MiB ends the connection with -32600', async () => {
    const client = socketClient((await start()).socketPath);
    client.socket.write('x'.repeat(MAX_LINE_BYTES + 1));
    const [answer] = await client.next(1);
    expect(answer).toMatchObject({ id: null, error: { code: RPC_ERRORS.invalidRequest } });
    await client.closed;
    expect(backend.calls).toEqual([]);
  });

  it('close() ends socket connections', async () => {
    const running = await start();
    const client = socketClient(running.socketPath);
    client.send({ jsonrpc: '2.0', id: 1, method: 'stats' });
    await client.next(1);
    await running.close();
    server = undefined;
    await client.closed;
    expect(existsSync(running.socketPath)).toBe(false);
  });
});
