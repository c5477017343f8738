// The catalog store contract (catalog-contract.ts) on PostgreSQL: a schema of its own per test, seen from one
// machine whose only volume is its root file system.
import { describe } from 'vitest';
import { localVolumes } from '../src/catalog/identity.js';
import { PostgresCatalog } from '../src/catalog/postgres/postgres-store.js';
import { catalogContract } from './catalog-contract.js';
import { postgresAvailable } from './helpers/postgres.js';
import { scratchSchema } from './helpers/postgres-database.js';

const machine = { id: 'm1', name: 'laptop' };
const volumes = localVolumes('m1', {
  mountinfo: Buffer.from('27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n'),
  uuids: new Map([['254:0', 'root-uuid']]),
});

describe.skipIf(!postgresAvailable())('PostgreSQL', () => {
  catalogContract('PostgreSQL', async () => {
    const database = await scratchSchema();
    return {
      open: () => PostgresCatalog.open(database.url, { machine, volumes }),
      remove: () => database.drop(),
      shared: true,
    };
  });
});
