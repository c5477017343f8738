import type { CatalogStore } from '../catalog/store.js';
import { acquirePidLock } from '../core/pid-lock.js';

/**
 * Takes the catalog's cleanup lock (`<catalog>.lock`, with the holder's pid) for apply, resume, undo and purge:
 * one of them at a time per catalog, so an undo never works on a run that an apply is still carrying out.
 * Returns the release function. An in-memory catalog needs none.
 */
export function lockCatalog(catalog: CatalogStore): () => void {
  if (catalog.location === ':memory:') return () => undefined;
  const path = `${catalog.location}.lock`;
  return acquirePidLock(
    path,
    (pid) =>
      `another nodupe (process ${pid}) is applying, undoing or purging with the catalog ${catalog.location}; ` +
      `wait for it to finish (if none is running, remove ${path})`,
  );
}
