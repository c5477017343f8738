import { describe, expect, it } from 'vitest';
import { dupesFromCatalog } from '../../dupes/from-catalog.js';
import { catalogForEachTest } from '../../../test/helpers/scratch-catalog.js';
import { writeRows, type TestRow } from '../../../test/helpers/catalog-rows.js';
import type { SqliteCatalog } from './sqlite-store.js';

let catalog: SqliteCatalog;
catalogForEachTest((opened) => (catalog = opened));

const row = (path: string, ino: bigint, size: number, full: string | undefined): TestRow => ({
  path,
  ino,
  size,
  mtimeNs: 5n,
  ...(full === undefined ? {} : { hashes: { head: 'h', tail: 't', full } }),
});

describe('the rows that can be in a group', () => {
  it('are those sharing their size and full hash with another row; empty files when asked for', async () => {
    const scanId = catalog.startScan(['/t'], 1000);
    await writeRows(
      catalog,
      scanId,
      [
        row('/t/a', 1n, 10, 'same'),
        row('/t/b', 2n, 10, 'same'),
        row('/t/c', 3n, 10, 'other'), // same size, another hash
        row('/t/d', 4n, 11, 'same'), // same hash, another size
        row('/t/e', 5n, 20, 'linked'),
        row('/t/f', 5n, 20, 'linked'), // a hard link of /t/e: a candidate row, never a group alone
        row('/t/g', 6n, 10, undefined), // not fully hashed
        row('/t/h', 7n, 0, undefined),
        row('/t/i', 8n, 0, undefined),
      ],
      1000,
    );
    const paths = (includeEmpty: boolean) =>
      [...catalog.sharedHashFiles('xxh3', includeEmpty)].map((f) => String(f.path)).sort();
    expect(paths(false)).toEqual(['/t/a', '/t/b', '/t/e', '/t/f']);
    expect(paths(true)).toEqual(['/t/a', '/t/b', '/t/e', '/t/f', '/t/h', '/t/i']);
    expect([...catalog.sharedHashFiles('sha256', false)]).toEqual([]);

    // The groups are those of every hashed row.
    const groups = (includeEmpty: boolean) =>
      dupesFromCatalog(catalog, 'xxh3', includeEmpty).groups.map((g) =>
        g.files.map((f) => f.paths.map(String)),
      );
    expect(groups(false)).toEqual([[['/t/a'], ['/t/b']]]);
    expect(groups(true)).toEqual([
      [['/t/a'], ['/t/b']],
      [['/t/h'], ['/t/i']],
    ]);
  });
});
