import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret: 32 random bytes, base64url (the token printed on start, and each page session's cookie). */
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

/** The cookie a page session is kept by; named by port, since browsers share cookies between a host's ports. */
export const sessionCookieName = (port: number): string => `nodupe-session-${port}`;

/** The most page sessions kept; opening one more forgets the oldest. */
export const MAX_SESSIONS = 1000;

/**
 * The sessions the page opened with the token: each a secret of its own, valid while the server runs. They are
 * kept by the SHA-256 of the secret, so a lookup reveals nothing of a secret through its timing.
 */
export class Sessions {
  readonly #ids = new Set<string>();

  /** A new session's secret (the cookie's value). */
  open(): string {
    const id = newSecret();
    this.#ids.add(digest(id).toString('hex'));
    if (this.#ids.size > MAX_SESSIONS) this.#ids.delete(this.#ids.values().next().value!);
    return id;
  }

  /** The key of the session `given` names (for its request budget), or undefined when it names none. */
  find(given: string | undefined): string | undefined {
    if (given === undefined) return undefined;
    const key = digest(given).toString('hex');
    return this.#ids.has(key) ? key : undefined;
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
