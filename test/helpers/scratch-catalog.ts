import { afterEach, beforeEach } from 'vitest';
import { SqliteCatalog } from '../../src/catalog/sqlite/sqlite-store.js';
import { scratch } from './tree.js';

/**
 * Gives each test of the file a new SQLite catalog in a scratch folder (both handed to `use` before the test, the
 * catalog closed and the folder removed after it).
 */
export function catalogForEachTest(
  use: (catalog: SqliteCatalog, dir: ReturnType<typeof scratch>) => void,
): void {
  let dir: ReturnType<typeof scratch>;
  let catalog: SqliteCatalog;
  beforeEach(() => {
    dir = scratch();
    catalog = SqliteCatalog.open(dir.path('c.db'));
    use(catalog, dir);
  });
  afterEach(() => {
    catalog.close();
    dir.remove();
  });
}
