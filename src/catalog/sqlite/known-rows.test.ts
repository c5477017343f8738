import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalogRows, type TestRow } from '../../../test/helpers/catalog-rows.js';
import { scratch } from '../../../test/helpers/tree.js';
import type { KnownRows } from '../store.js';
import { Database } from './driver.js';
import { readKnownRows } from './known-rows.js';
import { SqliteCatalog } from './sqlite-store.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => (dir = scratch()));
afterEach(() => dir.remove());

const T = 1_700_000_000_123_456_789n;
const notUtf8 = Buffer.concat([Buffer.from('/data/caf'), Buffer.from([0xe9])]);

/** A tree with its corner cases: a name that is not UTF-8, numbers past 2^53, a time before 1970, neighbours. */
const TREE: TestRow[] = [
  { path: '/data/b/2', ino: 5n, size: 2, mtimeNs: T, hashes: { head: 'h', tail: 't', full: 'f' } },
  { path: '/data/a', ino: 2n ** 60n + 7n, dev: 2n ** 40n + 3n, size: 1, mtimeNs: -1_500_000_000n },
  { path: notUtf8, ino: 9n, size: 9, mtimeNs: T, ctimeNs: T + 1n, hashes: { head: 'only-head' } },
  { path: '/data/b/1', ino: 4n, size: 2 ** 40, mtimeNs: T - 1n },
  { path: '/data-old/x', ino: 6n, size: 3, mtimeNs: T },
  { path: '/data+/y', ino: 7n, size: 3, mtimeNs: T },
  { path: '/data', ino: 8n, size: 3, mtimeNs: T },
  { path: '/other/z', ino: 10n, size: 3, mtimeNs: T },
];

async function catalogWith(rows: TestRow[], location = dir.path('c.db')): Promise<SqliteCatalog> {
  const catalog = SqliteCatalog.open(location);
  const writer = catalog.scanWriter(catalog.startScan(['/'], 1000));
  writer.write(catalogRows(rows), 1000);
  await writer.close();
  return catalog;
}

function pathAt(known: KnownRows, i: number): Buffer {
  return Buffer.from(known.paths.subarray(known.pathStart[i], known.pathStart[i + 1]));
}

/** One row as a test compares it: what knownRows gives, or what a plain query of the file reads. */
interface Row {
  path: string;
  id: number;
  dev: bigint;
  ino: bigint;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  algorithm: string | null;
  head: string | null;
  tail: string | null;
  full: string | null;
}

/** knownRows, a row at a time; paths as hex, so that every byte shows. */
function rowsOf(known: KnownRows): Row[] {
  return Array.from({ length: known.count }, (_, i) => ({
    path: pathAt(known, i).toString('hex'),
    id: known.id[i]!,
    dev: known.dev[i]!,
    ino: known.ino[i]!,
    size: known.size[i]!,
    mtimeNs: known.mtimeNs[i]!,
    ctimeNs: known.ctimeNs[i]!,
    algorithm: known.algorithm[i]!,
    head: known.head[i]!,
    tail: known.tail[i]!,
    full: known.full[i]!,
  }));
}

/**
 * The rows knownRows should give, by a plain query of the file: rows not gone that are a root or lie below one
 * (a path that starts with the root and a slash), each once, in byte order.
 */
function expectedRows(location: string, roots: string[]): Row[] {
  const db = new Database(location, { readonly: true });
  try {
    db.defaultSafeIntegers(true);
    const rows = db
      .prepare(
        `SELECT hex(path) AS path, id, dev, ino, size, mtime_ns, ctime_ns, hash_alg, head_hash, tail_hash, full_hash
         FROM files WHERE gone_at IS NULL ORDER BY path`,
      )
      .all() as {
      path: string;
      id: bigint;
      dev: bigint;
      ino: bigint;
      size: bigint;
      mtime_ns: bigint;
      ctime_ns: bigint;
      hash_alg: string | null;
      head_hash: string | null;
      tail_hash: string | null;
      full_hash: string | null;
    }[];
    const bases = roots.map((r) => Buffer.from(r.endsWith('/') ? r.slice(0, -1) : r));
    return rows
      .filter((r) => {
        const path = Buffer.from(r.path, 'hex');
        return bases.some(
          (b) =>
            path.equals(b) || path.subarray(0, b.length + 1).equals(Buffer.concat([b, Buffer.from('/')])),
        );
      })
      .map((r) => ({
        path: r.path.toLowerCase(),
        id: Number(r.id),
        dev: r.dev,
        ino: r.ino,
        size: Number(r.size),
        mtimeNs: r.mtime_ns,
        ctimeNs: r.ctime_ns,
        algorithm: r.hash_alg,
        head: r.head_hash,
        tail: r.tail_hash,
        full: r.full_hash,
      }));
  } finally {
    db.close();
  }
}

describe('knownRows', () => {
  it.each([
    [['/data']],
    [['/data/']],
    [['/data/b', '/data']],
    [['/data/b/1']],
    [['/data/a', '/data-old', '/data+']],
    [['/']],
    [['/missing']],
  ])(
    'holds the rows, ids, identities and hashes at and under roots %j, as the file has them',
    async (roots) => {
      const catalog = await catalogWith(TREE);
      const known = catalog.knownRows(roots);
      catalog.close();
      const expected = expectedRows(dir.path('c.db'), roots);
      expect(rowsOf(known)).toEqual(expected);
      if (!roots.includes('/missing')) expect(expected.length).toBeGreaterThan(0);
    },
  );

  it('gives the rows in path byte order, each once, whatever the order of the roots', async () => {
    const catalog = await catalogWith(TREE);
    const known = catalog.knownRows(['/data+', '/data/b', '/data', '/data-old/', '/data']);
    const paths = [...Array(known.count).keys()].map((i) => pathAt(known, i));
    expect(paths).toEqual([...paths].sort((a, b) => Buffer.compare(a, b)));
    expect(paths.map((p) => p.toString('latin1'))).toEqual([
      '/data',
      '/data+/y',
      '/data-old/x',
      '/data/a',
      '/data/b/1',
      '/data/b/2',
      notUtf8.toString('latin1'),
    ]);
    catalog.close();
  });

  it('reads a root that is a file: that row alone, not its neighbours that share its name as a prefix', async () => {
    const catalog = await catalogWith(TREE);
    const known = catalog.knownRows(['/data']);
    expect(pathAt(known, 0).toString()).toBe('/data');
    expect(catalog.knownRows(['/data/b/2']).count).toBe(1);
    catalog.close();
  });

  it('keeps exact 64-bit numbers and times before 1970', async () => {
    const catalog = await catalogWith(TREE);
    const known = catalog.knownRows(['/data/a']);
    expect([known.dev[0], known.ino[0], known.mtimeNs[0]]).toEqual([
      2n ** 40n + 3n,
      2n ** 60n + 7n,
      -1_500_000_000n,
    ]);
    catalog.close();
  });

  it('leaves out rows marked gone', async () => {
    const catalog = await catalogWith(TREE);
    const before = catalog.knownRows(['/data/b']);
    catalog.finishScan(1, [before.id[0]!], 2000);
    const after = catalog.knownRows(['/data/b']);
    expect(after.count).toBe(1);
    expect(pathAt(after, 0).toString()).toBe('/data/b/2');
    catalog.close();
  });

  it('reads in chunks that join up to the same rows', async () => {
    const catalog = await catalogWith(TREE);
    const whole = catalog.knownRows(['/']);
    catalog.close();
    const db = new Database(dir.path('c.db'), { readonly: true });
    for (const chunk of [1, 2, 3, 100]) expect(readKnownRows(db, ['/'], chunk)).toEqual(whole);
    expect(readKnownRows(db, ['/nothing'], 2).count).toBe(0);
    db.close();
  });
});
