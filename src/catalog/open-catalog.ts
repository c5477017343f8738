import { placeCleanupLock } from '../apply/catalog-lock.js';
import { isPostgresLocation } from './catalog-location.js';
import { machineName } from './identity.js';
import { PostgresCatalog } from './postgres/postgres-store.js';
import { SqliteCatalog } from './sqlite/sqlite-store.js';
import type { CatalogStore } from './store.js';

export { isPostgresLocation, shownLocation } from './catalog-location.js';
export { redactedUrl } from './postgres/redacted-url.js';

export interface OpenCatalogOptions {
  /** Make the catalog when there is none (a file; a server's tables), and bring an older one up to date. */
  create?: boolean;
  /** Bring an older catalog up to date (default: as `create`). */
  migrate?: boolean;
  /** What to tell the user when the catalog is older and is not to be upgraded. */
  olderAdvice?: string;
  /** Where this machine's identity comes from (`NODUPE_MACHINE_ID`, nodupe's state folder). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens the catalog at `location`: an SQLite file (the default), or a PostgreSQL database shared by many machines
 * when `location` is a `postgres://` or `postgresql://` URL, seen from this machine. See `SqliteCatalog.open` and
 * `PostgresCatalog.open` for what each refuses.
 */
export function openCatalog(location: string, options: OpenCatalogOptions = {}): CatalogStore {
  const { env, ...open } = options;
  if (!isPostgresLocation(location)) {
    return SqliteCatalog.open(location, { ...open, machineName: machineName(env) });
  }
  const catalog = PostgresCatalog.open(location, { ...open, ...(env === undefined ? {} : { env }) });
  placeCleanupLock(catalog, env, catalog.machine.id);
  return catalog;
}
