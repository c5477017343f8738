// The catalog store contract (catalog-contract.ts) on SQLite: a catalog file in a scratch folder per test.
import { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import { catalogContract } from './catalog-contract.js';
import { scratch } from './helpers/tree.js';

catalogContract('SQLite', () => {
  const dir = scratch();
  return Promise.resolve({
    open: () => SqliteCatalog.open(dir.path('c.db')),
    remove: () => Promise.resolve(dir.remove()),
  });
});
