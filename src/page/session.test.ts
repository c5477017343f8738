import { describe, expect, it } from 'vitest';
import { Session, SESSION_KEY, takeLoginFromUrl, type Fetch } from './session.js';

/** A Storage of a Map, as localStorage is. */
function memoryStorage(): Storage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (key) => map.get(key) ?? null,
    key: (index) => [...map.keys()][index] ?? null,
    removeItem: (key) => void map.delete(key),
    setItem: (key, value) => void map.set(key, value),
  };
}

/** A server that opens session "s1" for the ticket "t1" (once) and accepts only "s1" afterwards. */
function fakeServer() {
  const seen: { url: string; authorization: string | null }[] = [];
  let ticketSpent = false;
  let accepting = true;
  const fetchFn: Fetch = (url, init) => {
    const authorization = new Headers(init.headers).get('Authorization');
    seen.push({ url, authorization });
    if (url === '/session') {
      const ok = authorization === 'Bearer t1' && !ticketSpent;
      ticketSpent ||= ok;
      return Promise.resolve(ok ? Response.json({ session: 's1' }) : new Response('no', { status: 401 }));
    }
    const ok = accepting && authorization === 'Bearer s1';
    return Promise.resolve(new Response(ok ? 'data' : 'no', { status: ok ? 200 : 401 }));
  };
  return { fetchFn, seen, restart: () => (accepting = false) };
}

describe('the page session', () => {
  it('trades a login ticket for a session, kept in storage and sent as a Bearer header', async () => {
    const storage = memoryStorage();
    const server = fakeServer();
    const session = new Session(storage, server.fetchFn);
    expect(session.signedIn).toBe(false);
    expect(await session.signIn('t1')).toEqual({ ok: true });
    expect(storage.map.get(SESSION_KEY)).toBe('s1');
    const response = await session.fetch('/rpc', {});
    expect(await response.text()).toBe('data');
    expect(server.seen.at(-1)).toEqual({ url: '/rpc', authorization: 'Bearer s1' });
    // Another tab of the page finds the session in the origin's storage.
    expect(new Session(storage, server.fetchFn).signedIn).toBe(true);
  });

  it('a spent ticket, or a wrong token, is refused in words, and nothing is kept', async () => {
    const storage = memoryStorage();
    const server = fakeServer();
    await new Session(memoryStorage(), server.fetchFn).signIn('t1');
    const session = new Session(storage, server.fetchFn);
    const result = await session.signIn('t1');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/opens the page once/);
    expect(session.signedIn).toBe(false);
    expect(storage.map.size).toBe(0);
  });

  it('an unreachable server is said so', async () => {
    const session = new Session(memoryStorage(), () => Promise.reject(new TypeError('failed')));
    expect(await session.signIn('t1')).toEqual({
      ok: false,
      reason: 'The server cannot be reached: is `nodupe serve` still running?',
    });
  });

  it('a 401 (a server started again) signs the page out once, and forgets the session', async () => {
    const storage = memoryStorage();
    const server = fakeServer();
    const session = new Session(storage, server.fetchFn);
    await session.signIn('t1');
    let told = 0;
    session.onSignedOut(() => told++);
    server.restart();
    expect((await session.fetch('/rpc', {})).status).toBe(401);
    expect((await session.fetch('/rpc', {})).status).toBe(401);
    expect(told).toBe(1);
    expect(session.signedIn).toBe(false);
    expect(storage.map.has(SESSION_KEY)).toBe(false);
  });
});

describe('the login secret of the URL', () => {
  const at = (hash: string) => {
    const replaced: string[] = [];
    const location = { hash, pathname: '/', search: '' } as Location;
    const history = {
      replaceState: (_state: unknown, _unused: string, url: string) => void replaced.push(url),
    } as unknown as History;
    return { login: takeLoginFromUrl(location, history), replaced };
  };

  it('is read from #login= and taken off the URL', () => {
    expect(at('#login=abc')).toEqual({ login: 'abc', replaced: ['/'] });
  });

  it('is none without one; an empty one is none', () => {
    expect(at('')).toEqual({ login: undefined, replaced: [] });
    expect(at('#login=')).toEqual({ login: undefined, replaced: ['/'] });
  });
});
