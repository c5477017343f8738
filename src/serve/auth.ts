import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret: 32 random bytes, base64url (the API token, each login ticket, each page session). */
export const newSecret = (): string => randomBytes(32).toString('base64url');

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Whether `given` is `secret`, in time that does not depend on where they differ (nor on their lengths). */
export function sameSecret(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(secret));
}

/** The secret of `Authorization: Bearer SECRET`, or undefined. */
export function bearerOf(header: string | undefined): string | undefined {
  const found = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return found?.[1];
}

/** The most page sessions kept; opening one more forgets the oldest. */
export const MAX_SESSIONS = 1000;

/** The most login tickets not yet used; issuing one more forgets the oldest. */
export const MAX_TICKETS = 100;

/**
 * Secrets kept by their SHA-256 (so a lookup reveals nothing of one through its timing), at most `max` of them:
 * adding one more forgets the oldest.
 */
class SecretSet {
  readonly #keys = new Set<string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** A new secret, kept. */
  add(): string {
    const secret = newSecret();
    this.#keys.add(digest(secret).toString('hex'));
    if (this.#keys.size > this.#max) this.#keys.delete(this.#keys.values().next().value!);
    return secret;
  }

  /** The key `given` is kept by, or undefined when it is not one of these. */
  find(given: string | undefined): string | undefined {
    if (given === undefined) return undefined;
    const key = digest(given).toString('hex');
    return this.#keys.has(key) ? key : undefined;
  }

  delete(key: string): void {
    this.#keys.delete(key);
  }
}

/**
 * The page's sessions: each a secret of its own, opened with the token or a login ticket (`POST /session`), sent
 * as `Authorization: Bearer SESSION`, valid while the server runs. The page keeps it in the origin's storage,
 * never in a cookie: browsers send a cookie of 127.0.0.1 to every port of it, so any other local server could
 * collect it.
 */
export class Sessions {
  readonly #secrets = new SecretSet(MAX_SESSIONS);

  /** A new session's secret. */
  open(): string {
    return this.#secrets.add();
  }

  /** The key of the session `given` names (for its request budget), or undefined when it names none. */
  find(given: string | undefined): string | undefined {
    return this.#secrets.find(given);
  }
}

/**
 * Login tickets: the secret of a login URL (`/#login=TICKET`), which the page `nodupe serve` prints (a file only
 * the user can read) sends the browser to. A ticket opens one page session and is spent, so the URL left in the
 * browser's history opens nothing afterwards. The token itself is never put in a URL.
 */
export class LoginTickets {
  readonly #secrets = new SecretSet(MAX_TICKETS);
  readonly #onSpend: (ticket: string) => void;

  /** `onSpend` is told of each ticket spent (the server then puts a new one in its page). */
  constructor(onSpend: (ticket: string) => void = () => {}) {
    this.#onSpend = onSpend;
  }

  issue(): string {
    return this.#secrets.add();
  }

  /** Whether `given` is a ticket not yet spent; it is spent by this. */
  spend(given: string | undefined): boolean {
    const key = this.#secrets.find(given);
    if (key === undefined) return false;
    this.#secrets.delete(key);
    this.#onSpend(given!);
    return true;
  }
}

/** The `Host` values that name this server (DNS rebinding: any other name is refused). */
export function allowedHosts(host: string, port: number): Set<string> {
  const named = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const names = ['127.0.0.1', 'localhost', '[::1]', named.toLowerCase()];
  const hosts = new Set(names.map((name) => `${name}:${port}`));
  // Browsers leave out the default port.
  if (port === 80) for (const name of names) hosts.add(name);
  return hosts;
}
