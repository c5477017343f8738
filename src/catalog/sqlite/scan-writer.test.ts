import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalogRows, knownPaths, type TestRow } from '../../../test/helpers/catalog-rows.js';
import { scratch } from '../../../test/helpers/tree.js';
import type { CatalogStore } from '../store.js';
import { Database } from './driver.js';
import { SqliteCatalog } from './sqlite-store.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => (dir = scratch()));
afterEach(() => dir.remove());

const T = 1_700_000_000_000_000_000n;
const hashed = (n: number) => ({ head: `h${n}`, tail: `t${n}`, full: `f${n}` });

/** Every row of the catalog file, as SQLite holds it (ids left out: they depend on insertion order). */
function filesIn(location: string): unknown[] {
  const db = new Database(location, { readonly: true });
  try {
    db.defaultSafeIntegers(true);
    return db
      .prepare(
        `SELECT hex(path) AS path, dev, ino, size, mtime_ns, ctime_ns, hash_alg, head_hash, tail_hash, full_hash,
          first_seen, last_seen, last_scan, gone_at FROM files ORDER BY path`,
      )
      .all();
  } finally {
    db.close();
  }
}

/**
 * Two scans, by writers on the calling thread or on their own: the first writes a, b, c (c without hashes) and
 * finds b gone at the end; the second writes a changed, b back, and d new, and sees c again unchanged (not
 * rewritten: it only counts it as seen).
 */
async function twoScans(catalog: CatalogStore, threadAbove: number): Promise<void> {
  const first: TestRow[] = [
    { path: '/t/b', ino: 2n, size: 20, mtimeNs: T + 2n, hashes: hashed(2) },
    { path: '/t/a', ino: 1n, size: 10, mtimeNs: T + 1n, hashes: hashed(1) },
    { path: '/t/c', ino: 3n, size: 30, mtimeNs: T + 3n },
  ];
  const second: TestRow[] = [
    { path: '/t/d', ino: 4n, size: 40, mtimeNs: T + 4n, hashes: { head: 'h4' } },
    { path: '/t/a', ino: 1n, size: 11, mtimeNs: T + 5n, hashes: hashed(5) },
    { path: '/t/b', ino: 2n, size: 20, mtimeNs: T + 2n, hashes: hashed(2) },
  ];
  const one = catalog.startScan(['/t'], 1000);
  const writer = catalog.scanWriter(one, { threadAbove });
  writer.write(catalogRows(first), 1000);
  writer.seen(3);
  await writer.close();
  const ids = catalog.knownRows(['/t']);
  catalog.finishScan(one, [ids.id[1]!], 1500);
  const two = catalog.startScan(['/t'], 2000);
  const again = catalog.scanWriter(two, { threadAbove });
  again.write(catalogRows(second), 2000);
  again.seen(4);
  await again.close();
  catalog.finishScan(two, [], 2200);
}

/** A row as filesIn gives it. */
function row(path: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    path: Buffer.from(path).toString('hex').toUpperCase(),
    dev: 1n,
    ctime_ns: fields['mtime_ns'],
    ...fields,
  };
}

describe('the scan writer', () => {
  it.each([
    ['on the calling thread', 1_000_000],
    ['on its own thread', 0],
  ])(
    'writes %s what changed: first_seen kept unless the row was gone, gone_at cleared, unchanged rows left',
    async (_, threadAbove) => {
      const catalog = SqliteCatalog.open(dir.path('c.db'));
      await twoScans(catalog, threadAbove);
      expect([catalog.filesSeenBy(1), catalog.filesSeenBy(2)]).toEqual([3, 4]);
      catalog.close();

      const hashes = (n: number) => ({
        hash_alg: 'xxh3',
        head_hash: `h${n}`,
        tail_hash: `t${n}`,
        full_hash: `f${n}`,
      });
      const none = { hash_alg: null, head_hash: null, tail_hash: null, full_hash: null };
      expect(filesIn(dir.path('c.db'))).toEqual([
        // a: written by both scans, changed in the second: first seen in the first.
        row('/t/a', {
          ino: 1n,
          size: 11n,
          mtime_ns: T + 5n,
          ...hashes(5),
          first_seen: 1000n,
          last_seen: 2000n,
          last_scan: 2n,
          gone_at: null,
        }),
        // b: gone after the first scan, back in the second: seen first again in the second.
        row('/t/b', {
          ino: 2n,
          size: 20n,
          mtime_ns: T + 2n,
          ...hashes(2),
          first_seen: 2000n,
          last_seen: 2000n,
          last_scan: 2n,
          gone_at: null,
        }),
        // c: no hashes, so no algorithm; unchanged in the second scan, so last written by the first.
        row('/t/c', {
          ino: 3n,
          size: 30n,
          mtime_ns: T + 3n,
          ...none,
          first_seen: 1000n,
          last_seen: 1000n,
          last_scan: 1n,
          gone_at: null,
        }),
        // d: only a head hash.
        row('/t/d', {
          ino: 4n,
          size: 40n,
          mtime_ns: T + 4n,
          ...none,
          hash_alg: 'xxh3',
          head_hash: 'h4',
          first_seen: 2000n,
          last_seen: 2000n,
          last_scan: 2n,
          gone_at: null,
        }),
      ]);
    },
  );

  it('writes the same rows on the calling thread as on its own', async () => {
    const here = SqliteCatalog.open(dir.path('here.db'));
    await twoScans(here, 1_000_000);
    here.close();
    const there = SqliteCatalog.open(dir.path('there.db'));
    await twoScans(there, 0);
    there.close();
    expect(filesIn(dir.path('there.db'))).toEqual(filesIn(dir.path('here.db')));
  });

  it('keeps the order of writes and counts of files seen on its thread', async () => {
    const catalog = SqliteCatalog.open(dir.path('c.db'));
    const one = catalog.startScan(['/t'], 1000);
    const writer = catalog.scanWriter(one, { threadAbove: 0 });
    writer.write(catalogRows([{ path: '/t/a', ino: 1n, size: 1, mtimeNs: T }]), 1000);
    writer.seen(10);
    writer.write(catalogRows([{ path: '/t/a', ino: 1n, size: 2, mtimeNs: T + 1n }]), 4000);
    writer.seen(20);
    writer.write(catalogRows([{ path: '/t/a', ino: 1n, size: 3, mtimeNs: T + 2n }]), 6000);
    await writer.flush();
    expect(catalog.knownRows(['/t']).size).toEqual(Float64Array.of(3));
    expect(catalog.filesSeenBy(one)).toBe(20);
    await writer.close();
    catalog.close();
    expect(filesIn(dir.path('c.db'))).toMatchObject([{ size: 3n, first_seen: 1000n, last_seen: 6000n }]);
  });

  it('sorts a batch by path bytes and keeps names that are not UTF-8, byte for byte', async () => {
    const catalog = SqliteCatalog.open(dir.path('c.db'));
    const latin1 = Buffer.from([0x2f, 0x74, 0x2f, 0xe9, 0x74, 0xe9]); // "/t/été" in Latin-1: not UTF-8
    const writer = catalog.scanWriter(catalog.startScan(['/t'], 1000), { threadAbove: 0 });
    writer.write(
      catalogRows([
        { path: '/t/z', ino: 1n, size: 1, mtimeNs: T },
        { path: latin1, ino: 2n, size: 2, mtimeNs: T },
        { path: '/t/a', ino: 3n, size: 3, mtimeNs: T },
      ]),
      1000,
    );
    await writer.close();
    const known = catalog.knownRows(['/t']);
    expect(knownPaths(known)).toEqual([Buffer.from('/t/a'), Buffer.from('/t/z'), latin1]);
    // Written in path order: ids follow it.
    expect([...known.id]).toEqual([1, 2, 3]);
    catalog.close();
  });

  it('takes the batch it is given: its buffers are moved, on the calling thread too', async () => {
    const catalog = SqliteCatalog.open(':memory:');
    const writer = catalog.scanWriter(catalog.startScan(['/t'], 1000), { threadAbove: 0 });
    const rows = catalogRows([{ path: '/t/a', ino: 1n, size: 1, mtimeNs: T }]);
    writer.write(rows, 1000);
    expect(rows.paths.byteLength).toBe(0);
    expect(rows.size.length).toBe(0);
    // A catalog in memory has no file another thread could open: it is written at once, here.
    expect(catalog.knownRows(['/t']).count).toBe(1);
    await writer.close();
    catalog.close();
  });

  it.each([
    ['on the calling thread', 1_000_000],
    ['on its own thread', 0],
  ])('rejects flush %s when a write failed, and every later flush and close', async (_, threadAbove) => {
    const catalog = SqliteCatalog.open(dir.path('c.db'));
    const scan = catalog.startScan(['/t'], 1000);
    // Another connection makes every insert fail, as a full disk would.
    const other = new Database(dir.path('c.db'));
    other.exec(
      `CREATE TRIGGER full BEFORE INSERT ON files BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
    );
    other.close();
    const writer = catalog.scanWriter(scan, { threadAbove });
    writer.write(catalogRows([{ path: '/t/a', ino: 1n, size: 1, mtimeNs: T }]), 1000);
    writer.write(catalogRows([{ path: '/t/b', ino: 2n, size: 1, mtimeNs: T }]), 1000);
    await expect(writer.flush()).rejects.toThrow('database or disk is full');
    writer.seen(2);
    await expect(writer.flush()).rejects.toThrow('database or disk is full');
    await expect(writer.close()).rejects.toThrow('database or disk is full');
    expect(catalog.knownRows(['/t']).count).toBe(0);
    catalog.close();
  });

  it('rejects flush when the catalog was closed under a writer on the calling thread', async () => {
    const catalog = SqliteCatalog.open(dir.path('c.db'));
    const writer = catalog.scanWriter(catalog.startScan(['/t'], 1000));
    catalog.close();
    writer.write(catalogRows([{ path: '/t/a', ino: 1n, size: 1, mtimeNs: T }]), 1000);
    await expect(writer.flush()).rejects.toThrow(/not open/);
  });

  it('refuses a bad threadAbove, saying what it expected', () => {
    const catalog = SqliteCatalog.open(':memory:');
    expect(() => catalog.scanWriter(1, { threadAbove: -1 })).toThrow(/threadAbove/);
    catalog.close();
  });
});
