import { NodupeError } from '../core/errors.js';
import { redactedUrl } from './postgres/redacted-url.js';

/** `scheme://`: a location that names a server, not a file. */
const URL_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const POSTGRES_SCHEMES = ['postgres', 'postgresql'];

/**
 * Whether `location` names a PostgreSQL catalog (`postgres://…` or `postgresql://…`) rather than an SQLite file.
 * Another scheme (`mysql://…`) is refused as bad input: taken for a file name, it would make a catalog in a
 * folder called `mysql:`.
 */
export function isPostgresLocation(location: string): boolean {
  const scheme = URL_SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) return false;
  if (POSTGRES_SCHEMES.includes(scheme)) return true;
  throw new NodupeError(
    'BAD_INPUT',
    `the catalog ${redactedUrl(location)}: expected a file path or a postgres:// URL, received a ${scheme}:// URL`,
    { hint: 'a shared catalog is a PostgreSQL database: postgres://USER@HOST:PORT/DATABASE' },
  );
}

/** A catalog location as it may be shown: a URL without its password, a path as it is. */
export function shownLocation(location: string): string {
  return URL_SCHEME.test(location) ? redactedUrl(location) : location;
}
