import { describe, expect, it } from 'vitest';
import { displayPath } from '../../model/paths.js';
import { catalogForEachTest } from '../../../test/helpers/scratch-catalog.js';
import { writeRows } from '../../../test/helpers/catalog-rows.js';
import type { SqliteCatalog } from './sqlite-store.js';

let catalog: SqliteCatalog;
catalogForEachTest((opened) => (catalog = opened));

describe("the catalog's paths as text", () => {
  it('are every row not gone, by id, shown as displayPath shows them (bytes that are not UTF-8 too)', async () => {
    const notUtf8 = Buffer.concat([Buffer.from('/t/caf'), Buffer.from([0xe9]), Buffer.from('.txt')]);
    const scanId = catalog.startScan(['/t'], 1000);
    await writeRows(
      catalog,
      scanId,
      [
        { path: '/t/a', ino: 1n, size: 3, mtimeNs: 5n },
        { path: notUtf8, ino: 2n, size: 3, mtimeNs: 5n },
        { path: '/t/gone', ino: 3n, size: 3, mtimeNs: 5n },
      ],
      1000,
    );
    const rows = catalog.liveFiles();
    const gone = rows.find((r) => r.path === '/t/gone')!;
    catalog.finishScan(scanId, [gone.id], 2000);
    const texts = new Map(catalog.pathTexts(0, 10));
    expect(texts).toEqual(
      new Map(rows.filter((r) => r.id !== gone.id).map((r) => [r.id, displayPath(r.path)])),
    );
    expect([...texts.values()]).toContain('/t/caf\ufffd.txt');
    const [first, second] = [...texts.keys()].sort((a, b) => a - b);
    expect(catalog.pathTexts(0, 1).map(([id]) => id)).toEqual([first]);
    expect(catalog.pathTexts(first!, 5).map(([id]) => id)).toEqual([second]);
  });
});
