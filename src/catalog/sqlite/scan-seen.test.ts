import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalogRows, writeRows, type TestRow } from '../../../test/helpers/catalog-rows.js';
import { scratch } from '../../../test/helpers/tree.js';
import { Database } from './driver.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations.js';
import { SqliteCatalog } from './sqlite-store.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => (dir = scratch()));
afterEach(() => dir.remove());

const T = 1_700_000_000_000_000_000n;
const file = (name: string, ino: bigint): TestRow => ({ path: `/t/${name}`, ino, size: 1, mtimeNs: T });

/** Runs `fn` on a plain connection to the catalog file, as another program would. */
function withFile<R>(location: string, fn: (db: InstanceType<typeof Database>) => R): R {
  const db = new Database(location);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const filesSeenColumn = (location: string, scanId: number) =>
  withFile(location, (db) => db.prepare('SELECT files_seen FROM scans WHERE id = ?').pluck().get(scanId)) as
    number | null;

describe('ScanWriter.seen', () => {
  it.each([
    ['on the calling thread', 1_000_000],
    ['on its own thread', 0],
  ])('records %s how many files the scan has seen, in order with its writes', async (_, threadAbove) => {
    const location = dir.path('c.db');
    const catalog = SqliteCatalog.open(location);
    const scan = catalog.startScan(['/t'], 1000);
    expect(filesSeenColumn(location, scan)).toBeNull();
    const writer = catalog.scanWriter(scan, { threadAbove });
    writer.write(catalogRows([file('a', 1n)]), 1000);
    writer.seen(5);
    writer.write(catalogRows([file('b', 2n)]), 1000);
    writer.seen(7);
    await writer.flush();
    expect(filesSeenColumn(location, scan)).toBe(7);
    expect(catalog.filesSeenBy(scan)).toBe(7);
    expect(catalog.knownRows(['/t']).count).toBe(2);
    await writer.close();
    catalog.close();
  });

  it.each([
    ['on the calling thread', 1_000_000],
    ['on its own thread', 0],
  ])('records nothing %s after a write that failed', async (_, threadAbove) => {
    const location = dir.path('c.db');
    const catalog = SqliteCatalog.open(location);
    const scan = catalog.startScan(['/t'], 1000);
    const writer = catalog.scanWriter(scan, { threadAbove });
    writer.seen(3);
    await writer.flush();
    // Another connection makes every insert fail, as a full disk would.
    withFile(location, (db) =>
      db.exec(`CREATE TRIGGER full BEFORE INSERT ON files BEGIN SELECT RAISE(ABORT, 'disk is full'); END`),
    );
    writer.write(catalogRows([file('a', 1n)]), 1000);
    writer.seen(4);
    await expect(writer.close()).rejects.toThrow('disk is full');
    expect(catalog.filesSeenBy(scan)).toBe(3);
    catalog.close();
  });
});

describe('filesSeenBy', () => {
  it('counts the rows a scan was the last to write when it has no count (a scan from before counts were kept)', async () => {
    const location = dir.path('c.db');
    const catalog = SqliteCatalog.open(location);
    const one = catalog.startScan(['/t'], 1000);
    await writeRows(catalog, one, [file('a', 1n), file('b', 2n), file('c', 3n)], 1000);
    const two = catalog.startScan(['/t'], 2000);
    await writeRows(catalog, two, [file('c', 4n)], 2000);
    withFile(location, (db) => db.exec('UPDATE scans SET files_seen = NULL'));
    expect([catalog.filesSeenBy(one), catalog.filesSeenBy(two)]).toEqual([2, 1]);
    // A scan the catalog does not know saw nothing.
    expect(catalog.filesSeenBy(99)).toBe(0);
    catalog.close();
  });

  it('says what the scan counted, not the rows it wrote (a rescan leaves unchanged rows as they are)', async () => {
    const catalog = SqliteCatalog.open(dir.path('c.db'));
    const scan = catalog.startScan(['/t'], 1000);
    const writer = catalog.scanWriter(scan);
    writer.seen(0);
    writer.write(catalogRows([file('a', 1n)]), 1000);
    writer.seen(1000);
    await writer.close();
    expect(catalog.filesSeenBy(scan)).toBe(1000);
    catalog.close();
  });
});

describe('migration 8', () => {
  /** A catalog as a nodupe of schema 7 left it: one finished scan of two files. */
  function catalogAtSchema7(location: string): void {
    withFile(location, (db) => {
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
      for (const m of MIGRATIONS.filter((m) => m.version <= 7)) {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(m.version);
      }
      db.exec(`INSERT INTO scans (id, started_at, finished_at, roots) VALUES (1, 1000, 1500, '["/t"]')`);
      const insert = db.prepare(
        `INSERT INTO files (path, dev, ino, size, mtime_ns, ctime_ns, hash_alg, head_hash, tail_hash, full_hash,
           first_seen, last_seen, last_scan) VALUES (?, 1, ?, 10, 5, 5, 'xxh3', 'h', 't', ?, 1000, 1000, 1)`,
      );
      insert.run(Buffer.from('/t/a'), 1, 'f1');
      insert.run(Buffer.from('/t/b'), 2, 'f2');
    });
  }

  const schemaOf = (location: string) =>
    withFile(location, (db) => ({
      version: db.prepare('SELECT max(version) FROM schema_migrations').pluck().get(),
      indexes: db
        .prepare(
          `SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'files' AND sql IS NOT NULL`,
        )
        .pluck()
        .all(),
      scanColumns: (db.prepare('PRAGMA table_info(scans)').all() as { name: string }[]).map((c) => c.name),
    }));

  it('is taken when a scan opens a catalog of schema 7: the hash index goes, scans count what they saw, rows stay', () => {
    const location = dir.path('c.db');
    catalogAtSchema7(location);
    expect(schemaOf(location)).toEqual({
      version: 7,
      indexes: ['files_by_full_hash'],
      scanColumns: ['id', 'started_at', 'finished_at', 'roots'],
    });

    const catalog = SqliteCatalog.open(location);
    expect(catalog.scans()).toEqual([{ id: 1, startedAt: 1000, finishedAt: 1500, roots: ['/t'] }]);
    expect(catalog.hashedFiles('xxh3').map((f) => [String(f.path), f.hashes?.full])).toEqual([
      ['/t/a', 'f1'],
      ['/t/b', 'f2'],
    ]);
    // The scan from before has no count: its rows are counted.
    expect(catalog.filesSeenBy(1)).toBe(2);
    catalog.close();

    expect(schemaOf(location)).toEqual({
      version: LATEST_VERSION,
      indexes: [],
      scanColumns: ['id', 'started_at', 'finished_at', 'roots', 'files_seen'],
    });
  });
});
