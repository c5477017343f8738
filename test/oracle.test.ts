import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../bench/corpus.mjs';
import { canonical, hasJdupes, jdupes, reference } from '../bench/oracle.mjs';
import { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import { toBytes } from '../src/model/paths.js';
import type { ScanReport } from '../src/model/groups.js';
import { scan } from '../src/scan/scan.js';

let work: string;
let corpus: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodupe-oracle-'));
  corpus = join(work, 'corpus');
  generateCorpus(corpus, { files: 600, bytes: 6e6, seed: 7 });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function ours(report: ScanReport): string[] {
  return canonical(report.groups.map((g) => g.files.map((f) => toBytes(f.paths[0]!)))) as string[];
}

describe('the oracle, small: the corpus generator with every kind of trap', () => {
  it('finds exactly the groups a plain full-content reference finds (and jdupes -r, when installed)', async () => {
    const catalog = SqliteCatalog.open(join(work, 'catalog.db'));
    try {
      const report = await scan({ roots: [corpus], catalog, threads: 2 });
      const found = ours(report);
      expect(found.length).toBeGreaterThan(20);
      expect(found).toEqual(reference(corpus));
      if (hasJdupes()) expect(found).toEqual(canonical(jdupes([corpus])));
      // And again from the catalog: the same groups without reading a byte.
      const again = await scan({ roots: [corpus], catalog, threads: 2 });
      expect(again.bytesRead).toBe(0);
      expect(ours(again)).toEqual(found);
    } finally {
      catalog.close();
    }
  });
});
