import type { Socket } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { allowedHosts, bearerOf, sameSecret, type LoginTickets, type Sessions } from './auth.js';
import type { ClientBudgets } from './budgets.js';

export interface GuardOptions {
  token: string;
  sessions: Sessions;
  tickets: LoginTickets;
  budgets: ClientBudgets;
  /** The --host value the server listens on. */
  host: string;
  /** The port it listens on (known once it does). */
  port: () => number;
  /** Told of the connection of each request that carried a valid credential (see ConnectionCap). */
  trusted?: (socket: Socket) => void;
}

/** Where the page trades a login ticket, or the token, for a session of its own. */
export const SESSION_PATH = '/session';

/** Headers on every answer: the page runs only its own files, is never framed, and leaks no URL. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const UNAUTHORIZED =
  'Unauthorized: open the URL that `nodupe serve` printed (it signs a browser in once), or send ' +
  'Authorization: Bearer TOKEN (the token is in the file `token` of the runtime folder).\n';

/** The connection a request came on (none when a test calls the app without one). */
const socketOf = (c: Context): Socket | undefined =>
  (c.env as { incoming?: { socket?: Socket } } | undefined)?.incoming?.socket;

const remoteAddress = (c: Context): string => socketOf(c)?.remoteAddress ?? 'unknown';

/** The page's own files (`/`, `/assets/…`): code and styles, no data, so they need no credential. */
const isPageFile = (c: Context): boolean =>
  (c.req.method === 'GET' || c.req.method === 'HEAD') &&
  (c.req.path === '/' || c.req.path.startsWith('/assets/'));

/**
 * What every request goes through before its route, in this order: the `Host` must name this server (else 403:
 * DNS rebinding); the page's own files pass; anything else must come from no other site (`Sec-Fetch-Site`, and
 * `Origin` for a state-changing request: 403), carry a credential as `Authorization: Bearer` (the token, or a page
 * session; 401 without), and fit the client's request budget (429 with Retry-After). A request without a valid
 * credential is charged to its address's budget, a valid one to its own, so a flood of bad requests from the
 * same address cannot lock the user out. `POST /session` trades a login ticket (spent by it) or the token for a
 * new page session. The security headers go on every answer.
 */
export function guard(options: GuardOptions): MiddlewareHandler {
  let hosts = { port: -1, allowed: new Set<string>() };
  const allowed = (): Set<string> => {
    const port = options.port();
    if (hosts.port !== port) hosts = { port, allowed: allowedHosts(options.host, port) };
    return hosts.allowed;
  };
  return async (c, next) => {
    await refuseOrPass(c, next);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  };

  /** Who the request is from: the token, a page session (its key), a login ticket just spent, or no one. */
  function clientOf(c: Context, login: boolean): string | undefined {
    const bearer = bearerOf(c.req.header('authorization'));
    if (bearer === undefined) return undefined;
    if (sameSecret(bearer, options.token)) return 'token';
    const session = options.sessions.find(bearer);
    if (session !== undefined) return login ? undefined : `session ${session}`;
    return login && options.tickets.spend(bearer) ? 'ticket' : undefined;
  }

  async function refuseOrPass(c: Context, next: () => Promise<void>): Promise<void> {
    const host = c.req.header('host')?.toLowerCase();
    if (host === undefined || !allowed().has(host)) {
      c.res = c.text('Forbidden: this server answers only to its own name (Host).\n', 403);
      return;
    }
    if (isPageFile(c)) {
      await next();
      return;
    }
    // Another port of the same host is the same site, not the same origin: refused too.
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    if (
      site === 'cross-site' ||
      site === 'same-site' ||
      (c.req.method !== 'GET' &&
        c.req.method !== 'HEAD' &&
        origin !== undefined &&
        origin !== `http://${host}`)
    ) {
      c.res = c.text('Forbidden: a request from another site.\n', 403);
      return;
    }
    const login = c.req.method === 'POST' && c.req.path === SESSION_PATH;
    const client = clientOf(c, login);
    // A spent ticket is charged to no budget: tickets are as few as the server issues.
    const wait =
      client === 'ticket' ? undefined : options.budgets.take(client ?? `address ${remoteAddress(c)}`);
    if (wait !== undefined) {
      c.res = c.text('Too many requests: wait and try again.\n', 429, { 'Retry-After': String(wait) });
      return;
    }
    if (client === undefined) {
      c.res = c.text(UNAUTHORIZED, 401, { 'WWW-Authenticate': 'Bearer' });
      return;
    }
    const socket = socketOf(c);
    if (socket) options.trusted?.(socket);
    if (login) {
      c.res = c.json({ session: options.sessions.open() });
      return;
    }
    await next();
  }
}
