// The apply journal on both stores: the same promises (test/journal-contract.ts) kept by SQLite and by
// PostgreSQL; and in a catalog shared by several machines, each machine's journal holds its own runs only.
import { describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import { entry, journalContract } from './journal-contract.js';
import { postgresAvailable } from './helpers/postgres.js';
import { sharedCatalogPerTest } from './helpers/shared-catalog.js';

journalContract('SQLite', () => SqliteCatalog.open(':memory:'));

describe.skipIf(!postgresAvailable())('on PostgreSQL', () => {
  const catalog = sharedCatalogPerTest();
  const asMachine = (machine: string) => catalog.open(machine);

  journalContract('PostgreSQL', () => asMachine('m1'));

  it("shows each machine its own runs only, and never settles, undoes or extends another machine's", () => {
    const m1 = asMachine('m1').journal();
    const m2 = asMachine('m2').journal();
    const run = m1.startRun('plan-a', '{"a":1}', 1000, { quarantineDir: '/q' });
    m1.write([entry(run, 0), entry(run, 1)], 1000);
    m1.recordFolders(run, [{ path: '/q/run-1/t', dev: 1n, ino: 2n, birthNs: 3n }]);
    const before = { run: m1.run(run), entries: m1.entries(run), folders: m1.folders(run) };

    expect(m2.runs()).toEqual([]);
    expect(m2.run(run)).toBeUndefined();
    expect(m2.runsOfPlan('plan-a')).toEqual([]);
    expect(m2.planText(run)).toBeUndefined();
    expect(m2.entries(run)).toEqual([]);
    expect(m2.targets(run)).toEqual([]);
    expect(m2.folders(run)).toEqual([]);
    m2.settle(run, [{ seq: 0, state: 'done', freed: 1 }], 2000);
    m2.setRunState(run, 'undone', 2000);
    m2.forgetFolders(run, ['/q/run-1/t']);
    expect(() => m2.write([entry(run, 2)], 2000)).toThrow("not this machine's");
    expect(() => m2.recordFolders(run, [{ path: '/q/x', dev: 1n, ino: 5n, birthNs: 6n }])).toThrow(
      "not this machine's",
    );
    expect({ run: m1.run(run), entries: m1.entries(run), folders: m1.folders(run) }).toEqual(before);

    // m2's own run is its own; run ids are the catalog's, so it is not run 1.
    const own = m2.startRun('plan-a', '{"a":1}', 3000);
    expect(own).toBeGreaterThan(run);
    expect(m2.runs().map((r) => r.id)).toEqual([own]);
    expect(m1.runsOfPlan('plan-a').map((r) => r.id)).toEqual([run]);
  });
});
