import { describe, expect, it } from 'vitest';
import { catalogForEachTest } from '../../../test/helpers/scratch-catalog.js';
import { writeRows } from '../../../test/helpers/catalog-rows.js';
import type { SqliteCatalog } from './sqlite-store.js';

let catalog: SqliteCatalog;
catalogForEachTest((opened) => (catalog = opened));

describe("the catalog's fingerprints", () => {
  it('are kept by detector, algorithm and content: a fingerprint or the reason there is none', () => {
    const store = catalog.fingerprints();
    const print = new Uint8Array([1, 2, 3, 250]);
    store.put(
      'images.phash/1',
      'xxh3',
      [
        { size: 10, hash: 'aa', fingerprint: print },
        { size: 11, hash: 'bb', problem: 'not an image: corrupt header' },
      ],
      1000,
    );
    const keys = [
      { size: 10, hash: 'aa' },
      { size: 11, hash: 'bb' },
      { size: 12, hash: 'aa' },
    ];
    expect(store.get('images.phash/1', 'xxh3', keys)).toEqual([
      { fingerprint: print },
      { problem: 'not an image: corrupt header' },
      undefined,
    ]);
    // Another version of the detector, or another algorithm, knows none of them.
    expect(store.get('images.phash/2', 'xxh3', keys)).toEqual([undefined, undefined, undefined]);
    expect(store.get('images.phash/1', 'sha256', keys)).toEqual([undefined, undefined, undefined]);
    // Made again: replaced.
    store.put('images.phash/1', 'xxh3', [{ size: 11, hash: 'bb', fingerprint: print }], 2000);
    expect(store.get('images.phash/1', 'xxh3', [keys[1]!])).toEqual([{ fingerprint: print }]);
  });

  it('record a full hash only on a row that has none and still describes the file that was read', async () => {
    const scanId = catalog.startScan(['/t'], 1000);
    await writeRows(
      catalog,
      scanId,
      [
        { path: '/t/new.jpg', ino: 1n, size: 100, mtimeNs: 5n },
        { path: '/t/changed.jpg', ino: 2n, size: 100, mtimeNs: 5n },
        { path: '/t/other-alg.jpg', ino: 3n, size: 100, mtimeNs: 5n, hashes: { head: 'h' } },
        { path: '/t/hashed.jpg', ino: 4n, size: 100, mtimeNs: 5n, hashes: { full: 'old' } },
      ],
      1000,
      'sha256',
    );
    const row = (path: string) => catalog.liveFiles().find((f) => f.path === path)!;
    // The file at /t/new.jpg was read as it is; the one at /t/changed.jpg had another mtime when it was read.
    const made = ['/t/new.jpg', '/t/changed.jpg', '/t/other-alg.jpg', '/t/hashed.jpg'].map((path) => ({
      id: row(path).id,
      size: 100,
      mtimeNs: path === '/t/changed.jpg' ? 6n : 5n,
      ctimeNs: 5n,
      hash: 'ff',
    }));
    // Rows hashed by sha256 take no xxh3 hash; the row without any does (with its algorithm).
    expect(catalog.fingerprints().recordFullHashes('xxh3', made)).toBe(1);
    expect(row('/t/new.jpg').hashes).toEqual({
      algorithm: 'xxh3',
      head: undefined,
      tail: undefined,
      full: 'ff',
    });
    expect(row('/t/changed.jpg').hashes).toBeUndefined();
    expect(row('/t/other-alg.jpg').hashes?.full).toBeUndefined();
    expect(row('/t/hashed.jpg').hashes?.full).toBe('old');
    // By the rows' own algorithm, a row with a head hash but no full one takes it.
    expect(catalog.fingerprints().recordFullHashes('sha256', made)).toBe(1);
    expect(row('/t/other-alg.jpg').hashes).toEqual({
      algorithm: 'sha256',
      head: 'h',
      tail: undefined,
      full: 'ff',
    });
  });
});
