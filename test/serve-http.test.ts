import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/core/fake-clock.js';
import { EventLog } from '../src/serve/events.js';
import { LoginTickets } from '../src/serve/auth.js';
import { createHttpApp, type HttpApp } from '../src/serve/http-app.js';
import { RPC_ERRORS } from '../src/serve/protocol.js';
import { fakeBackend } from './helpers/serve.js';
import { scratch } from './helpers/tree.js';

const PORT = 4321;
const HOST = `127.0.0.1:${PORT}`;
const TOKEN = 'the-token-0123456789abcdefghijklmnopqrstuvwx';

let dir: ReturnType<typeof scratch>;
let clock: FakeClock;
let events: EventLog;
let backend: ReturnType<typeof fakeBackend>;
let logged: string[];
let http: HttpApp;
let tickets: LoginTickets;

function makeApp(options: { requestRate?: number; requestBurst?: number; maxBodyBytes?: number } = {}) {
  http = createHttpApp({
    backend,
    events,
    previews: {
      thumb: (id) =>
        Promise.resolve(
          id === 7 ? { type: 'image/webp', body: new Uint8Array([82, 73, 70, 70]) } : undefined,
        ),
      text: (id) =>
        Promise.resolve(
          id === 7 ? { type: 'text/plain; charset=utf-8', body: Buffer.from('hello') } : undefined,
        ),
    },
    token: TOKEN,
    tickets,
    host: '127.0.0.1',
    port: () => PORT,
    clock,
    pageDir: dir.path('page'),
    log: (message) => logged.push(message),
    ...options,
  });
  return http.app;
}

beforeEach(() => {
  dir = scratch();
  dir.write('page/index.html', '<!doctype html><title>nodupe</title>');
  dir.write('page/app.js', 'console.log(1)');
  dir.write('page/icon.svg', '<svg/>');
  dir.write('secret.txt', 'not the page');
  clock = new FakeClock();
  events = new EventLog(clock);
  backend = fakeBackend();
  logged = [];
  tickets = new LoginTickets();
  makeApp();
});
afterEach(() => {
  http.closeStreams();
  dir.remove();
});

interface Send {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  auth?: boolean;
}

function send(path: string, { method = 'GET', headers = {}, body, auth = true }: Send = {}) {
  return http.app.request(`http://${HOST}${path}`, {
    method,
    headers: { host: HOST, ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}), ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

/** An answer as the tests read it (one, or a batch's). */
type Answer = { error: { code: number; message: string; data?: unknown } } & Record<string, unknown>;

async function rpc(body: unknown) {
  const response = await send('/rpc', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const answer = response.status === 204 ? undefined : ((await response.json()) as Answer);
  return { status: response.status, answer };
}

const ROUTES: [string, string][] = [
  ['POST', '/rpc'],
  ['POST', '/session'],
  ['GET', '/events'],
  ['GET', '/files/7/thumb'],
  ['GET', '/files/7/text'],
  ['GET', '/report.json'],
  ['GET', '/plans/p1.json'],
  ['GET', '/nothing-here'],
];

describe('nodupe serve over HTTP: who may ask', () => {
  it.each(ROUTES)('%s %s without the token: 401, and the backend is not asked', async (method, path) => {
    const response = await send(path, { method, auth: false, ...(method === 'POST' ? { body: '{}' } : {}) });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(backend.calls).toEqual([]);
  });

  it('the page itself (its HTML, script, styles) needs no credential: it holds no data', async () => {
    for (const path of ['/', '/assets/app.js', '/assets/icon.svg']) {
      expect((await send(path, { auth: false })).status).toBe(200);
    }
    expect(backend.calls).toEqual([]);
  });

  it('a wrong token is 401, and the token is taken from no URL', async () => {
    const post = (headers: Record<string, string>, path = '/rpc') =>
      send(path, { method: 'POST', body: '{}', auth: false, headers });
    expect((await post({ authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post({}, `/rpc?token=${TOKEN}`)).status).toBe(401);
    expect((await send(`/events?token=${TOKEN}`, { auth: false })).status).toBe(401);
  });

  it('POST /session trades a login ticket, once, for a session that is then a Bearer credential', async () => {
    const ticket = tickets.issue();
    const login = (secret: string) =>
      send('/session', { method: 'POST', auth: false, headers: { authorization: `Bearer ${secret}` } });
    const opened = await login(ticket);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('set-cookie')).toBeNull();
    const { session } = (await opened.json()) as { session: string };
    expect(session).toMatch(/^[\w-]{43}$/);
    // Spent: the URL left in the browser's history opens nothing.
    expect((await login(ticket)).status).toBe(401);
    const asSession = { auth: false, headers: { authorization: `Bearer ${session}` } };
    expect((await send('/events', asSession)).status).toBe(200);
    // A session opens no other session; the token does (the page's sign-in form).
    expect((await login(session)).status).toBe(401);
    expect((await login(TOKEN)).status).toBe(200);
    expect((await login('forged')).status).toBe(401);
  });

  it.each(['same-site', 'cross-site'])(
    'a request a browser marks Sec-Fetch-Site: %s is refused, with the token or not (another port is same-site)',
    async (site) => {
      const headers = { 'sec-fetch-site': site };
      expect((await send('/events', { headers })).status).toBe(403);
      expect((await send('/rpc', { method: 'POST', body: '{}', headers })).status).toBe(403);
      expect(
        (
          await send('/session', {
            method: 'POST',
            headers: { ...headers, authorization: `Bearer ${tickets.issue()}` },
          })
        ).status,
      ).toBe(403);
      expect(backend.calls).toEqual([]);
      // The page itself may be opened from a link anywhere.
      expect((await send('/', { auth: false, headers })).status).toBe(200);
    },
  );

  it.each(['evil.example:4321', 'localhost:80', '127.0.0.1', '127.0.0.1:4322'])(
    'Host %s: 403, token or not (DNS rebinding)',
    async (host) => {
      const response = await send('/rpc', { method: 'POST', body: '{}', headers: { host } });
      expect(response.status).toBe(403);
      expect(backend.calls).toEqual([]);
    },
  );

  it.each([`localhost:${PORT}`, `[::1]:${PORT}`, `LOCALHOST:${PORT}`])(
    'Host %s names the server',
    async (host) => {
      expect(
        (
          await send('/rpc', {
            method: 'POST',
            body: '{"jsonrpc":"2.0","id":1,"method":"stats"}',
            headers: { host },
          })
        ).status,
      ).toBe(200);
    },
  );

  it('a POST from another origin: 403; from its own origin or without Origin: answered', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'stats' });
    const post = (origin?: string) =>
      send('/rpc', { method: 'POST', body, headers: origin === undefined ? {} : { origin } });
    expect((await post('http://evil.example')).status).toBe(403);
    expect((await post('null')).status).toBe(403);
    expect((await post(`http://localhost:${PORT}`)).status).toBe(403);
    expect(backend.calls).toEqual([]);
    expect((await post(`http://${HOST}`)).status).toBe(200);
    expect((await post()).status).toBe(200);
  });

  it('security headers on the page and on answers; no CORS headers', async () => {
    const page = await send('/');
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    );
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const answer = await send('/rpc', {
      method: 'POST',
      body: '{"jsonrpc":"2.0","id":1,"method":"stats"}',
      headers: { origin: 'http://evil.example' },
    });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const api = await send('/rpc', { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"stats"}' });
    expect(api.headers.get('cache-control')).toBe('no-store');
    for (const response of [page, api]) {
      expect([...response.headers.keys()].filter((h) => h.startsWith('access-control'))).toEqual([]);
    }
  });
});

describe('nodupe serve over HTTP: the request budget', () => {
  it('past the burst: 429 with Retry-After from the rate; the budget refills on the clock', async () => {
    makeApp({ requestRate: 2, requestBurst: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send('/events')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await send('/events');
    expect(refused.headers.get('retry-after')).toBe('1');
    clock.advance(500);
    expect((await send('/events')).status).toBe(200);
    expect((await send('/events')).status).toBe(429);
  });

  it('Retry-After rounds the wait up to whole seconds at a slow rate', async () => {
    makeApp({ requestRate: 0.25, requestBurst: 1 });
    expect((await send('/events')).status).toBe(200);
    const refused = await send('/events');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('4');
  });

  it('each page session has a budget of its own, apart from the token', async () => {
    makeApp({ requestRate: 1, requestBurst: 1 });
    const opened = await send('/session', {
      method: 'POST',
      auth: false,
      headers: { authorization: `Bearer ${tickets.issue()}` },
    });
    const { session } = (await opened.json()) as { session: string };
    expect((await send('/events')).status).toBe(200);
    expect((await send('/events')).status).toBe(429);
    expect(
      (await send('/events', { auth: false, headers: { authorization: `Bearer ${session}` } })).status,
    ).toBe(200);
  });

  it("a flood of bad credentials from an address spends its budget, not the user's: a valid login and session still pass", async () => {
    makeApp({ requestRate: 1, requestBurst: 2 });
    const bad = () =>
      send('/rpc', { method: 'POST', body: '{}', auth: false, headers: { authorization: 'Bearer nope' } });
    for (let i = 0; i < 5; i++) await bad();
    expect((await bad()).status).toBe(429);
    const opened = await send('/session', {
      method: 'POST',
      auth: false,
      headers: { authorization: `Bearer ${tickets.issue()}` },
    });
    expect(opened.status).toBe(200);
    const { session } = (await opened.json()) as { session: string };
    expect(
      (await send('/events', { auth: false, headers: { authorization: `Bearer ${session}` } })).status,
    ).toBe(200);
    // The page's own files are not budgeted at all.
    expect((await send('/', { auth: false })).status).toBe(200);
  });
});

describe('nodupe serve over HTTP: JSON-RPC', () => {
  it('answers a method with its result', async () => {
    expect(await rpc({ jsonrpc: '2.0', id: 1, method: 'stats' })).toEqual({
      status: 200,
      answer: { jsonrpc: '2.0', id: 1, result: { files: 3 } },
    });
    expect(backend.calls).toEqual([{ method: 'stats', params: {} }]);
  });

  it('a body that is not JSON: -32700', async () => {
    const { answer } = await rpc('{"jsonrpc": "2.0", "method": ');
    expect(answer).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.parse } });
  });

  it('an unknown method: -32601', async () => {
    const { answer } = await rpc({ jsonrpc: '2.0', id: 'a', method: 'files.delete' });
    expect(answer).toMatchObject({ id: 'a', error: { code: RPC_ERRORS.methodNotFound } });
    expect(backend.calls).toEqual([]);
  });

  it.each([
    ['no jsonrpc', { id: 1, method: 'stats' }],
    ['jsonrpc 1.0', { jsonrpc: '1.0', id: 1, method: 'stats' }],
    ['a method that is no string', { jsonrpc: '2.0', id: 1, method: 3 }],
    ['a number', 42],
    ['an id that is an object', { jsonrpc: '2.0', id: {}, method: 'stats' }],
    ['an empty batch', []],
  ])('an invalid request (%s): -32600', async (_, body) => {
    const { answer } = await rpc(body);
    expect(answer).toMatchObject({ jsonrpc: '2.0', error: { code: RPC_ERRORS.invalidRequest } });
  });

  it.each([
    ['params by position', [1, 2]],
    ['params as a string', 'x'],
  ])('invalid params (%s): -32602', async (_, params) => {
    const { answer } = await rpc({ jsonrpc: '2.0', id: 1, method: 'groups', params });
    expect(answer).toMatchObject({ id: 1, error: { code: RPC_ERRORS.invalidParams } });
    expect(backend.calls).toEqual([]);
  });

  it("the service's USAGE errors (a param of the wrong shape) are -32602", async () => {
    const { answer } = await rpc({ jsonrpc: '2.0', id: 1, method: 'job', params: { id: 5 } });
    expect(answer).toMatchObject({ error: { code: RPC_ERRORS.invalidParams, data: { code: 'USAGE' } } });
  });

  it("the service's errors keep their message, with their code and hint in data", async () => {
    const call = async (method: string, params: unknown) =>
      (await rpc({ jsonrpc: '2.0', id: 1, method, params })).answer?.error;
    expect(await call('scan', { paths: ['/elsewhere'] })).toEqual({
      code: RPC_ERRORS.badInput,
      message: 'scan: a path outside every scanned root',
      data: { code: 'BAD_INPUT' },
    });
    expect(await call('job', { id: 'busy' })).toEqual({
      code: RPC_ERRORS.busy,
      message: 'a scan is running',
      data: { code: 'BUSY', hint: 'wait for it' },
    });
    expect(await call('job', { id: 'j9' })).toMatchObject({
      code: RPC_ERRORS.notFound,
      data: { hint: 'see jobs' },
    });
    expect(await call('apply', { plan: 'p1' })).toMatchObject({
      code: RPC_ERRORS.confirm,
      data: { code: 'CONFIRM' },
    });
  });

  it('a bug is -32603 with no stack in the answer; the stack goes to the log', async () => {
    const { answer } = await rpc({ jsonrpc: '2.0', id: 1, method: 'job', params: { id: 'bug' } });
    expect(answer?.error).toEqual({
      code: RPC_ERRORS.internal,
      message: 'internal error (the server logged it)',
    });
    expect(JSON.stringify(answer)).not.toContain('TypeError');
    expect(logged.join('')).toMatch(/internal error in job: TypeError: x is undefined\n\s+at /);
  });

  it('a notification gets no answer (204), but is run', async () => {
    expect(await rpc({ jsonrpc: '2.0', method: 'stats' })).toEqual({ status: 204, answer: undefined });
    expect(backend.calls).toHaveLength(1);
  });

  it('a batch: an answer per request with an id, in order; notifications answered by none', async () => {
    const { answer } = await rpc([
      { jsonrpc: '2.0', id: 1, method: 'stats' },
      { jsonrpc: '2.0', method: 'stats' },
      { jsonrpc: '2.0', id: 2, method: 'nope' },
      'junk',
      { jsonrpc: '2.0', id: 3, method: 'groups', params: { limit: 5 } },
    ]);
    expect(answer).toMatchObject([
      { jsonrpc: '2.0', id: 1, result: { files: 3 } },
      { jsonrpc: '2.0', id: 2, error: { code: RPC_ERRORS.methodNotFound } },
      { jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.invalidRequest } },
      { jsonrpc: '2.0', id: 3, result: { groups: [], next: null, total: 0, reclaimable: 0 } },
    ]);
  });

  it('a batch of more than 50: -32600, nothing run', async () => {
    const batch = Array.from({ length: 51 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'stats' }));
    const { answer } = await rpc(batch);
    expect(answer).toMatchObject({ error: { code: RPC_ERRORS.invalidRequest } });
    expect(backend.calls).toEqual([]);
  });

  it('a body over 1 MiB: 413, nothing run', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'groups',
      params: { path: 'x'.repeat(2 ** 20) },
    });
    const response = await send('/rpc', {
      method: 'POST',
      body: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(413);
    expect(backend.calls).toEqual([]);
  });
});

describe('nodupe serve over HTTP: the page, previews and downloads', () => {
  it('serves the page files, and nothing else', async () => {
    const js = await send('/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await send('/assets/icon.svg')).headers.get('content-type')).toBe('image/svg+xml');
    for (const path of [
      '/assets/../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/..%2fsecret.txt',
      '/assets/nope.js',
    ]) {
      const response = await send(path);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('not the page');
    }
  });

  it('an unbuilt page: 503 that says to build it', async () => {
    dir.remove();
    makeApp();
    const response = await send('/');
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build');
  });

  it('thumbnails and text excerpts by file id; 404 when there is none', async () => {
    const thumb = await send('/files/7/thumb');
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect(new Uint8Array(await thumb.arrayBuffer())).toEqual(new Uint8Array([82, 73, 70, 70]));
    expect(await (await send('/files/7/text')).text()).toBe('hello');
    expect((await send('/files/8/thumb')).status).toBe(404);
    expect((await send('/files/x/text')).status).toBe(404);
  });

  it('a report and a plan as attachments; unknown ones refused', async () => {
    const report = await send('/report.json');
    expect(report.headers.get('content-disposition')).toBe('attachment; filename="nodupe-report.json"');
    expect(report.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await report.text()).toBe('{"groups":[]}\n');
    const unknown = await send('/report.yaml');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: { code: 'BAD_INPUT', message: 'unknown format "yaml"' } });
    const plan = await send('/plans/p1.json');
    expect(plan.headers.get('content-disposition')).toBe('attachment; filename="nodupe-plan-p1.json"');
    expect(await plan.text()).toContain('nodupe.plan/1');
    expect((await send('/plans/p2.json')).status).toBe(404);
  });
});

describe('nodupe serve over HTTP: events', () => {
  async function readFrames(response: Response, count: number) {
    const reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const decoder = new TextDecoder();
    let text = '';
    while (text.split('\n\n').length - 1 < count) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    return { text, reader };
  }

  it('sends events with id, event and data; resumes after Last-Event-ID; unsubscribes on disconnect', async () => {
    events.append({ type: 'catalog.changed', generation: 1 });
    events.append({ type: 'catalog.changed', generation: 2 });
    events.append({ type: 'catalog.changed', generation: 3 });
    const response = await send('/events', { headers: { 'last-event-id': '1' } });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const { text, reader } = await readFrames(response, 3);
    expect(text).toBe(
      ': nodupe events\nretry: 2000\n\n' +
        `id: 2\nevent: catalog.changed\ndata: {"type":"catalog.changed","generation":2,"id":2,"at":"2026-01-01T00:00:00.000Z"}\n\n` +
        `id: 3\nevent: catalog.changed\ndata: {"type":"catalog.changed","generation":3,"id":3,"at":"2026-01-01T00:00:00.000Z"}\n\n`,
    );
    expect(events.listeners).toBe(1);
    await reader.cancel();
    expect(events.listeners).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('?after= resumes too; without either, only new events; a heartbeat every 15 s', async () => {
    events.append({ type: 'catalog.changed', generation: 1 });
    const fresh = await send('/events');
    const resumed = await send('/events?after=0');
    events.append({ type: 'catalog.changed', generation: 2 });
    clock.advance(15_000);
    const a = await readFrames(fresh, 3);
    expect(a.text).toMatch(/^: nodupe events\nretry: 2000\n\nid: 2\n.*\n.*\n\n: heartbeat\n\n$/);
    const b = await readFrames(resumed, 4);
    expect(b.text).toMatch(/id: 1\n[^]*id: 2\n[^]*: heartbeat\n\n$/);
    http.closeStreams();
    expect((await a.reader.read()).done).toBe(true);
    expect(events.listeners).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
