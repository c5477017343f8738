/**
 * The page's sign-in. The server trades a login ticket (the `#login=…` of the URL `nodupe serve` printed) or the
 * token for a session secret, which the page keeps in this origin's storage and sends as `Authorization: Bearer`.
 * No cookie: browsers send a cookie of 127.0.0.1 to every port of it, where any other local server could read it;
 * storage belongs to this origin (its port included) alone.
 */

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** Where the session secret is kept (this origin's localStorage: every tab of the page shares it). */
export const SESSION_KEY = 'nodupe-session';

/** Why a sign-in failed, in the user's words. */
export type SignInResult = { ok: true } | { ok: false; reason: string };

export class Session {
  readonly #storage: Storage;
  readonly #fetch: Fetch;
  #secret: string | undefined;
  readonly #signedOut = new Set<() => void>();

  constructor(storage: Storage, fetchFn: Fetch) {
    this.#storage = storage;
    this.#fetch = fetchFn;
    this.#secret = storage.getItem(SESSION_KEY) ?? undefined;
  }

  get signedIn(): boolean {
    return this.#secret !== undefined;
  }

  /** Trades a login ticket, or the token, for a session of this page's own. */
  async signIn(credential: string): Promise<SignInResult> {
    let response: Response;
    try {
      response = await this.#fetch('/session', {
        method: 'POST',
        headers: { Authorization: `Bearer ${credential.trim()}` },
      });
    } catch {
      return { ok: false, reason: 'The server cannot be reached: is `nodupe serve` still running?' };
    }
    if (response.status === 401) {
      return {
        ok: false,
        reason:
          'Not accepted: a login link opens the page once (the page nodupe serve printed holds a new one: open ' +
          'it again), and a server started again has a new token.',
      };
    }
    if (!response.ok) return { ok: false, reason: `The server answered ${response.status}.` };
    const { session } = (await response.json()) as { session: string };
    this.#secret = session;
    this.#storage.setItem(SESSION_KEY, session);
    return { ok: true };
  }

  /** `fetch` with the session's credential; an answer of 401 (a server started again) signs the page out. */
  readonly fetch: Fetch = async (url, init) => {
    const headers = new Headers(init.headers);
    if (this.#secret !== undefined) headers.set('Authorization', `Bearer ${this.#secret}`);
    const response = await this.#fetch(url, { ...init, headers });
    if (response.status === 401 && this.#secret !== undefined) this.#forget();
    return response;
  };

  /** Told once each time the server stops accepting the session. */
  onSignedOut(listener: () => void): () => void {
    this.#signedOut.add(listener);
    return () => this.#signedOut.delete(listener);
  }

  #forget(): void {
    this.#secret = undefined;
    this.#storage.removeItem(SESSION_KEY);
    for (const listener of this.#signedOut) listener();
  }
}

/**
 * The login secret of the page's URL (`#login=…`), taken off the URL at once: the address bar and the page's
 * history entry keep no secret (and the ticket is spent by its first use anyway).
 */
export function takeLoginFromUrl(location: Location, history: History): string | undefined {
  const login = new URLSearchParams(location.hash.slice(1)).get('login') ?? undefined;
  if (location.hash !== '') history.replaceState(null, '', location.pathname + location.search);
  return login === '' ? undefined : login;
}
