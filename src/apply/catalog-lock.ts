import { mkdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isPostgresLocation } from '../catalog/catalog-location.js';
import { machineIdentity } from '../catalog/identity.js';
import type { CatalogStore } from '../catalog/store.js';
import { stateDir } from '../core/xdg.js';
import {
  acquireFileLock,
  describeHolder,
  lockHolder,
  type LockHolder,
  type LockPatience,
} from '../catalog/sqlite/file-lock.js';

/** The cleanup locks of catalogs that are no file here (a PostgreSQL catalog), as `placeCleanupLock` set them. */
const localLocks = new WeakMap<CatalogStore, string>();

/**
 * Where the cleanup lock of a catalog that is no file here (a PostgreSQL catalog) is: a file in nodupe's state
 * folder on this machine, named by the catalog's id and this machine's id. A machine's runs are its own (each
 * machine's journal holds its own runs only), so applies on different machines never wait for each other; two on
 * one machine do, whoever runs them. `env`: whose state folder (and machine, unless `machineId` is given).
 */
export function placeCleanupLock(
  catalog: CatalogStore,
  env: NodeJS.ProcessEnv = process.env,
  machineId = machineIdentity(env).id,
): void {
  localLocks.set(catalog, join(stateDir(env), 'locks', `catalog-${catalog.id}-${machineId}-lock`));
}

/**
 * Takes the catalog's cleanup lock for apply, resume, undo and purge: one of them at a time per catalog file,
 * so an undo never works on a run that an apply is still carrying out. The lock (`<catalog>-lock`, see
 * `acquireFileLock`) is named from the catalog's real path, so a symlinked folder or a relative spelling meets
 * the same lock; it dies with its holder. A PostgreSQL catalog's is on this machine (see `placeCleanupLock`).
 * Returns the release function. An in-memory catalog needs none.
 */
export function lockCatalog(catalog: CatalogStore, patience?: LockPatience): () => void {
  if (catalog.location === ':memory:') return () => undefined;
  return acquireFileLock(
    lockPathOf(catalog),
    (holder) =>
      `another nodupe${describeHolder(holder, { since: true })} is applying, undoing or purging with the ` +
      `catalog ${catalog.location}; wait for it to finish`,
    patience,
  );
}

/**
 * Who holds the catalog's cleanup lock (an apply, resume, undo or purge under way), or undefined: takes nothing
 * while it is held (see `lockHolder`).
 */
export function catalogLockHolder(catalog: CatalogStore): LockHolder | undefined {
  if (catalog.location === ':memory:') return undefined;
  return lockHolder(lockPathOf(catalog));
}

export { describeHolder };

function lockPathOf(catalog: CatalogStore): string {
  if (!localLocks.has(catalog)) {
    if (!isPostgresLocation(catalog.location)) return `${realpathSync(catalog.location)}-lock`;
    placeCleanupLock(catalog); // opened other than by openCatalog: this process's machine
  }
  const local = localLocks.get(catalog)!;
  // Private, as XDG asks of the state folder.
  mkdirSync(dirname(local), { recursive: true, mode: 0o700 });
  return local;
}
