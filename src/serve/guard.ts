import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { allowedHosts, bearerOf, sameSecret, sessionCookieName, type Sessions } from './auth.js';
import type { ClientBudgets } from './budgets.js';

export interface GuardOptions {
  token: string;
  sessions: Sessions;
  budgets: ClientBudgets;
  /** The --host value the server listens on. */
  host: string;
  /** The port it listens on (known once it does). */
  port: () => number;
}

/** Headers on every answer: the page runs only its own files, is never framed, and leaks no URL with a token. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const UNAUTHORIZED =
  'Unauthorized: open the URL with ?token=… that `nodupe serve` printed, or send Authorization: Bearer TOKEN ' +
  '(the token is also in the file `token` of the runtime folder).\n';

const remoteAddress = (c: Context): string =>
  (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket
    ?.remoteAddress ?? 'unknown';

/**
 * What every request goes through before its route, in this order: the `Host` must name this server (else 403:
 * DNS rebinding), a state-changing request must come from no other origin (403), the client's request budget
 * (429 with Retry-After), and the token, as a Bearer header or the page session's cookie (401). `GET /?token=T`
 * trades the token for the cookie and redirects to `/`. The security headers go on every answer.
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

  async function refuseOrPass(c: Context, next: () => Promise<void>): Promise<void> {
    const host = c.req.header('host')?.toLowerCase();
    if (host === undefined || !allowed().has(host)) {
      c.res = c.text('Forbidden: this server answers only to its own name (Host).\n', 403);
      return;
    }
    const origin = c.req.header('origin');
    if (
      c.req.method !== 'GET' &&
      c.req.method !== 'HEAD' &&
      origin !== undefined &&
      origin !== `http://${host}`
    ) {
      c.res = c.text('Forbidden: a request from another origin.\n', 403);
      return;
    }
    const cookieName = sessionCookieName(options.port());
    const bearer = bearerOf(c.req.header('authorization'));
    const client =
      bearer !== undefined && sameSecret(bearer, options.token)
        ? 'token'
        : options.sessions.find(getCookie(c, cookieName));
    const login = c.req.method === 'GET' && c.req.path === '/' ? c.req.query('token') : undefined;

    const wait = options.budgets.take(client ?? `address ${remoteAddress(c)}`);
    if (wait !== undefined) {
      c.res = c.text('Too many requests: wait and try again.\n', 429, { 'Retry-After': String(wait) });
      return;
    }
    if (login !== undefined) {
      if (!sameSecret(login, options.token)) {
        c.res = c.text(UNAUTHORIZED, 401);
        return;
      }
      setCookie(c, cookieName, options.sessions.open(), { httpOnly: true, sameSite: 'Strict', path: '/' });
      c.res = c.redirect('/', 303);
      return;
    }
    if (client === undefined) {
      c.res = c.text(UNAUTHORIZED, 401, { 'WWW-Authenticate': 'Bearer' });
      return;
    }
    await next();
  }
}
