import { realpathSync } from 'node:fs';
import type { CatalogStore } from '../catalog/store.js';
import {
  acquireFileLock,
  describeHolder,
  lockHolder,
  type LockHolder,
  type LockPatience,
} from '../catalog/sqlite/file-lock.js';

/**
 * Takes the catalog's cleanup lock for apply, resume, undo and purge: one of them at a time per catalog file,
 * so an undo never works on a run that an apply is still carrying out. The lock (`<catalog>-lock`, see
 * `acquireFileLock`) is named from the catalog's real path, so a symlinked folder or a relative spelling meets
 * the same lock; it dies with its holder. Returns the release function. An in-memory catalog needs none.
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
  return `${realpathSync(catalog.location)}-lock`;
}
