import { describe, expect, it } from 'vitest';
import { catalogForEachTest } from '../../test/helpers/scratch-catalog.js';
import { writeRows, type TestRow } from '../../test/helpers/catalog-rows.js';
import type { SqliteCatalog } from './sqlite/sqlite-store.js';
import { catalogGroups, groupOf, sharedHashRuns } from './groups.js';

let catalog: SqliteCatalog;
catalogForEachTest((opened) => (catalog = opened));

const row = (path: string, ino: bigint, size: number, full: string): TestRow => ({
  path,
  ino,
  size,
  mtimeNs: 5n,
  hashes: { head: 'h', tail: 't', full },
});

/** Rows of three groups written interleaved, a hard link among them, and an empty file. */
async function writeInterleaved(): Promise<void> {
  const scanId = catalog.startScan(['/t'], 1000);
  await writeRows(
    catalog,
    scanId,
    [
      row('/t/a1', 1n, 10, 'aaa'),
      row('/t/b1', 2n, 20, 'bbb'),
      row('/t/c1', 3n, 10, 'ccc'),
      row('/t/a2', 4n, 10, 'aaa'),
      row('/t/b2', 5n, 20, 'bbb'),
      row('/t/c2', 6n, 10, 'ccc'),
      row('/t/a0', 4n, 10, 'aaa'), // a hard link of /t/a2, first in path order
      row('/t/b3', 7n, 20, 'bbb'),
      { path: '/t/e1', ino: 8n, size: 0, mtimeNs: 5n },
      { path: '/t/e2', ino: 9n, size: 0, mtimeNs: 5n },
    ],
    1000,
  );
}

describe("the catalog's groups, one at a time", () => {
  it("reads each group's rows together, whatever order they were written in", async () => {
    await writeInterleaved();
    const runs = [...sharedHashRuns(catalog, 'xxh3', true)].map((rows) =>
      rows.map((r) => String(r.path)).sort(),
    );
    expect(runs).toHaveLength(4);
    expect(runs).toEqual(
      expect.arrayContaining([
        ['/t/a0', '/t/a1', '/t/a2'],
        ['/t/b1', '/t/b2', '/t/b3'],
        ['/t/c1', '/t/c2'],
        ['/t/e1', '/t/e2'],
      ]),
    );
    // The empty files come last.
    expect(runs.at(-1)).toEqual(['/t/e1', '/t/e2']);
  });

  it('collapses hard links into one file named by its first path', async () => {
    await writeInterleaved();
    const groups = [...catalogGroups(catalog, 'xxh3', false)];
    expect(groups).toHaveLength(3);
    const a = groups.find((g) => g.hash === 'aaa')!;
    expect(a.size).toBe(10);
    expect(a.files.map((f) => f.paths.map(String))).toEqual([['/t/a0', '/t/a2'], ['/t/a1']]);
    const byPath = [...sharedHashRuns(catalog, 'xxh3', false)].flat();
    const a0 = byPath.find((r) => r.path === '/t/a0')!;
    expect(a.files[0]!.id).toBe(a0.id);
  });

  it('is no group when the rows are one file (hard links of it)', async () => {
    await writeInterleaved();
    const a = [...sharedHashRuns(catalog, 'xxh3', false)].find((rows) => rows[0]!.hashes?.full === 'aaa')!;
    const links = a.filter((r) => r.ino === 4n);
    expect(links).toHaveLength(2);
    expect(groupOf(links)).toBeUndefined();
    expect(groupOf(a)?.files).toHaveLength(2);
  });
});
