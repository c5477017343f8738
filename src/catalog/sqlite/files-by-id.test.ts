import { describe, expect, it } from 'vitest';
import { catalogForEachTest } from '../../../test/helpers/scratch-catalog.js';
import { writeRows } from '../../../test/helpers/catalog-rows.js';
import type { SqliteCatalog } from './sqlite-store.js';

let catalog: SqliteCatalog;
catalogForEachTest((opened) => (catalog = opened));

describe('catalog rows by id', () => {
  it('are read in one go, in the order asked, leaving out rows gone and ids unknown', async () => {
    const scanId = catalog.startScan(['/t'], 1000);
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      path: `/t/f${i}`,
      ino: BigInt(i + 1),
      size: 3,
      mtimeNs: 5n,
    }));
    await writeRows(catalog, scanId, rows, 1000);
    const live = catalog.liveFiles();
    const gone = live.find((r) => r.path === '/t/f7')!;
    catalog.finishScan(scanId, [gone.id], 2000);
    const ids = [...live.map((r) => r.id)].reverse();
    const read = catalog.filesById([...ids, 999_999]);
    expect(read).toHaveLength(4999);
    expect(read.map((r) => r.id)).toEqual(ids.filter((id) => id !== gone.id));
    expect(read[0]).toEqual(catalog.fileById(ids[0]!));
  });
});
