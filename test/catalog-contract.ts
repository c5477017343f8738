// What every catalog store promises (src/catalog/store.ts), as one suite that each store runs: SQLite
// (catalog-contract-sqlite.test.ts) and PostgreSQL (postgres-catalog-contract.test.ts). Written against the
// CatalogStore interface only: a store that passes it works under every command.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CopyLookup } from '../src/catalog/copies.js';
import type { CatalogStore } from '../src/catalog/store.js';
import { catalogRows, knownPaths, writeRows, type TestRow } from './helpers/catalog-rows.js';

/** A catalog made for one test: open it (again, for another connection to it), and remove it after. */
export interface ContractCatalog {
  open(): CatalogStore & CopyLookup;
  remove(): Promise<void>;
  /** A catalog several machines share (PostgreSQL): it names the sizes found outside a scan's roots. */
  shared?: boolean;
}

/** Past 2^53: sizes, device and inode numbers and nanosecond times come back exact. */
const BIG = 2n ** 60n + 7n;
const T = 1_700_000_000_000_000_000n;
/** A name that is not UTF-8. */
const LATIN1 = Buffer.from([0x2f, 0x74, 0x2f, 0xe9, 0x74, 0xe9]);
const hashed = (n: number | string) => ({ head: `h${n}`, tail: `t${n}`, full: `f${n}` });

const row = (path: string | Buffer, ino: bigint, size: number, over: Partial<TestRow> = {}): TestRow => ({
  path,
  ino,
  size,
  mtimeNs: T + ino,
  ...over,
});

export function catalogContract(name: string, make: () => Promise<ContractCatalog>): void {
  describe(`the catalog store contract: ${name}`, () => {
    let place: ContractCatalog;
    let catalog: CatalogStore & CopyLookup;
    const others: CatalogStore[] = [];

    beforeEach(async () => {
      place = await make();
      catalog = place.open();
    });
    afterEach(async () => {
      for (const other of others.splice(0)) other.close();
      catalog.close();
      await place.remove();
    });

    /** One scan writing `rows` and finding `gone` (paths) gone, at `at`. */
    async function scan(roots: string[], rows: TestRow[], at: number, gone: string[] = []): Promise<number> {
      const id = catalog.startScan(roots, at);
      await writeRows(catalog, id, rows, at);
      const known = catalog.knownRows(roots);
      const paths = knownPaths(known).map(String);
      const goneIds = gone.map((p) => known.id[paths.indexOf(p)]!);
      catalog.finishScan(id, goneIds, at + 1);
      return id;
    }

    it('writes a scan’s rows and reads them back under their roots, in path byte order, exact', async () => {
      await scan(
        ['/t', '/u'],
        [
          row('/t/b', 2n, 20, { hashes: hashed(2), dev: BIG, mtimeNs: BIG, ctimeNs: BIG + 1n }),
          row('/t/a', 1n, 10, { hashes: hashed(1) }),
          row(LATIN1, 3n, 30),
          row('/t/a/inner', 4n, 40, { hashes: { head: 'h4' } }),
          row('/t-sibling', 5n, 50),
          row('/u/x', BIG, 60),
        ],
        1000,
      );
      const known = catalog.knownRows(['/t', '/t/a', '/t/']);
      expect(knownPaths(known)).toEqual([
        Buffer.from('/t/a'),
        Buffer.from('/t/a/inner'),
        Buffer.from('/t/b'),
        LATIN1,
      ]);
      expect(known.count).toBe(4);
      expect([...known.ino]).toEqual([1n, 4n, 2n, 3n]);
      expect(known.dev[2]).toBe(BIG);
      expect([known.mtimeNs[2], known.ctimeNs[2]]).toEqual([BIG, BIG + 1n]);
      expect([...known.size]).toEqual([10, 40, 20, 30]);
      expect(known.algorithm).toEqual(['xxh3', 'xxh3', 'xxh3', null]);
      expect(known.head).toEqual(['h1', 'h4', 'h2', null]);
      expect(known.full).toEqual(['f1', null, 'f2', null]);
      // Ids are the rows' own: fileById gives the same row.
      expect(catalog.fileById(known.id[2]!)?.path).toBe('/t/b');
      // Another root, and the rows in chunks: the same rows, the same order.
      expect(knownPaths(catalog.knownRows(['/u'])).map(String)).toEqual(['/u/x']);
      expect(catalog.knownRows(['/u']).ino[0]).toBe(BIG);
      const chunks = [...catalog.knownRowChunks(['/t', '/u'])];
      expect(chunks.flatMap((c) => knownPaths(c).map((p) => p.toString('hex')))).toEqual(
        knownPaths(catalog.knownRows(['/u', '/t'])).map((p) => p.toString('hex')),
      );
      expect(catalog.knownRows(['/nowhere']).count).toBe(0);
    });

    it('updates a rescanned row, marks vanished rows gone and brings back a row seen again', async () => {
      const first = await scan(
        ['/t'],
        [
          row('/t/a', 1n, 10, { hashes: hashed(1) }),
          row('/t/b', 2n, 20, { hashes: hashed(2) }),
          row('/t/c', 3n, 30),
        ],
        1000,
        ['/t/b'],
      );
      expect(knownPaths(catalog.knownRows(['/t'])).map(String)).toEqual(['/t/a', '/t/c']);
      expect(catalog.fileAtPath('/t/b')).toBeUndefined();
      const aId = catalog.fileAtPath('/t/a')!.id;
      const second = await scan(
        ['/t'],
        [row('/t/a', 1n, 11, { hashes: hashed(5) }), row('/t/b', 2n, 20, { hashes: hashed(2) })],
        2000,
      );
      const a = catalog.fileAtPath('/t/a')!;
      expect(a).toMatchObject({ id: aId, size: 11, hashes: { algorithm: 'xxh3', full: 'f5', head: 'h5' } });
      expect(catalog.fileAtPath('/t/b')?.size).toBe(20);
      expect(knownPaths(catalog.knownRows(['/t'])).map(String)).toEqual(['/t/a', '/t/b', '/t/c']);
      expect(catalog.scans().map((s) => [s.id, s.startedAt, s.finishedAt, s.roots])).toEqual([
        [first, 1000, 1001, ['/t']],
        [second, 2000, 2001, ['/t']],
      ]);
    });

    it.each([
      ['through the store’s connection', 1_000_000],
      ['on its own past the first batch', 1],
    ])('writes batches in order %s', async (_, threadAbove) => {
      const id = catalog.startScan(['/t'], 1000);
      const writer = catalog.scanWriter(id, { threadAbove });
      writer.write(catalogRows([row('/t/a', 1n, 10), row('/t/b', 2n, 20)]), 1000);
      writer.write(catalogRows([row('/t/a', 1n, 11, { hashes: hashed(1) })]), 1100);
      writer.write(catalogRows([row('/t/a', 1n, 12, { hashes: hashed(2) }), row('/t/c', 3n, 30)]), 1200);
      await writer.flush();
      expect(catalog.fileAtPath('/t/a')).toMatchObject({ size: 12, hashes: { full: 'f2' } });
      expect(catalog.counts()).toEqual({ files: 3, bytes: 62 });
      await writer.close();
      expect(() => writer.write(catalogRows([row('/t/d', 4n, 1)]), 1300)).toThrow(/closed/);
    });

    it('counts the files a scan has seen, finished or not', async () => {
      const id = catalog.startScan(['/t'], 1000);
      const writer = catalog.scanWriter(id);
      writer.write(catalogRows([row('/t/a', 1n, 10)]), 1000);
      writer.seen(7);
      await writer.close();
      expect(catalog.filesSeenBy(id)).toBe(7);
      expect(catalog.scans()[0]!.finishedAt).toBeUndefined();
      expect(catalog.filesSeenBy(id + 1000)).toBe(0);
    });

    it('groups by size and full hash: hashedFiles, and sharedHashFiles a group at a time, empty files last', async () => {
      await scan(
        ['/t'],
        [
          row('/t/a', 1n, 10, { hashes: { full: 'same' } }),
          row('/t/c', 3n, 10, { hashes: { full: 'other' } }),
          row('/t/d', 4n, 11, { hashes: { full: 'same' } }),
          row('/t/e', 5n, 20, { hashes: { full: 'linked' } }),
          row('/t/b', 2n, 10, { hashes: { full: 'same' } }),
          row('/t/f', 5n, 20, { hashes: { full: 'linked' } }),
          row('/t/g', 6n, 10),
          row('/t/h', 7n, 0),
          row('/t/i', 8n, 0),
          row('/t/s', 9n, 10, { hashes: { full: 'same' } }),
        ],
        1000,
      );
      // One more copy of "same" under sha256: another algorithm, another group.
      const id = catalog.startScan(['/t'], 2000);
      await writeRows(catalog, id, [row('/t/s', 9n, 10, { hashes: { full: 'same' } })], 2000, 'sha256');
      catalog.finishScan(id, [], 2001);

      expect(
        catalog
          .hashedFiles('xxh3')
          .map((f) => String(f.path))
          .sort(),
      ).toEqual(['/t/a', '/t/b', '/t/c', '/t/d', '/t/e', '/t/f', '/t/h', '/t/i']);
      const shared = [...catalog.sharedHashFiles('xxh3', true)];
      const keys = shared.map((f) => `${f.size}:${f.hashes?.full ?? ''}`);
      // Each group's rows one after another; the empty files last.
      expect(keys.map((k, i) => keys.indexOf(k) === i || keys[i - 1] === k).every(Boolean)).toBe(true);
      expect(shared.map((f) => String(f.path)).sort()).toEqual([
        '/t/a',
        '/t/b',
        '/t/e',
        '/t/f',
        '/t/h',
        '/t/i',
      ]);
      expect(shared.slice(-2).map((f) => f.size)).toEqual([0, 0]);
      expect([...catalog.sharedHashFiles('xxh3', false)].map((f) => String(f.path)).sort()).toEqual([
        '/t/a',
        '/t/b',
        '/t/e',
        '/t/f',
      ]);
      expect(catalog.hashAlgorithms()).toEqual(['sha256', 'xxh3']);
      expect(catalog.counts()).toEqual({ files: 10, bytes: 10 * 5 + 11 + 40 });
      expect(catalog.liveFiles().length).toBe(10);
    });

    it('reads rows by id in the order asked, gone ones left out, and by path, bytes and all', async () => {
      await scan(
        ['/t'],
        [row('/t/a', 1n, 10), row('/t/b', 2n, 20), row(LATIN1, 3n, 30), row('/t/z', 4n, 1)],
        1000,
        ['/t/z'],
      );
      const ids = Object.fromEntries(
        ['/t/a', '/t/b'].map((p) => [p, catalog.fileAtPath(p)!.id] as const),
      ) as Record<string, number>;
      const latin = catalog.fileAtPath(LATIN1)!;
      expect(Buffer.isBuffer(latin.path) && latin.path.equals(LATIN1)).toBe(true);
      expect(latin).toMatchObject({ ino: 3n, size: 30, mtimeNs: T + 3n, hashes: undefined });
      const byId = catalog.filesById([latin.id, ids['/t/b']!, 999_999, ids['/t/a']!]);
      expect(byId.map((f) => f.ino)).toEqual([3n, 2n, 1n]);
      expect(catalog.fileById(999_999)).toBeUndefined();
      expect(catalog.fileAtPath('/t/z')).toBeUndefined();
    });

    it('reads the live rows of some sizes (what a watched new file could duplicate), sizes past 2^32 too', async () => {
      const big = 2 ** 40 + 3;
      await scan(
        ['/t'],
        [
          row('/t/a', 1n, 10, { hashes: hashed(1) }),
          row('/t/b', 2n, 10),
          row('/t/c', 3n, 20),
          row('/t/d', 4n, big),
          row('/t/gone', 5n, 10),
        ],
        1000,
        ['/t/gone'],
      );
      const paths = (sizes: number[]) =>
        catalog
          .liveFilesOfSizes(sizes)
          .map((f) => String(f.path))
          .sort();
      expect(paths([10, big, 99])).toEqual(['/t/a', '/t/b', '/t/d']);
      expect(catalog.liveFilesOfSizes([10]).find((f) => f.ino === 1n)?.hashes?.full).toBe('f1');
      expect(paths([99])).toEqual([]);
      expect(paths([])).toEqual([]);
    });

    it('pages path texts by id, bytes that are not UTF-8 replaced', async () => {
      await scan(
        ['/t'],
        [row('/t/a', 1n, 1), row('/t/b', 2n, 1), row(LATIN1, 3n, 1), row('/t/c', 4n, 1)],
        1000,
        ['/t/b'],
      );
      const all = catalog.pathTexts(0, 100);
      expect(all.map(([, text]) => text).sort()).toEqual(['/t/a', '/t/c', '/t/\uFFFDt\uFFFD']);
      const ids = all.map(([id]) => id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      const first = catalog.pathTexts(0, 2);
      const rest = catalog.pathTexts(first[1]![0], 2);
      expect([...first, ...rest]).toEqual(all);
    });

    it('brings rows up to date after apply: a new identity keeping the hashes, or gone', async () => {
      await scan(
        ['/t'],
        [row('/t/a', 1n, 10, { hashes: hashed(1) }), row('/t/b', 2n, 10, { hashes: hashed(1) })],
        1000,
      );
      catalog.refresh(
        [
          { path: '/t/a', now: { dev: 9n, ino: 1n, size: 10, mtimeNs: T, ctimeNs: T + 9n } },
          { path: '/t/b', now: undefined },
          { path: '/t/unknown', now: undefined },
        ],
        3000,
      );
      expect(catalog.fileAtPath('/t/a')).toMatchObject({ dev: 9n, ctimeNs: T + 9n, hashes: { full: 'f1' } });
      expect(catalog.fileAtPath('/t/b')).toBeUndefined();
      expect(catalog.fileAtPath('/t/unknown')).toBeUndefined();
      expect(catalog.counts().files).toBe(1);
    });

    it('keeps groups marked "not duplicates", and forgets them when unmarked', () => {
      catalog.setIgnored({ size: 10, hash: 'bb' }, true, 1000);
      catalog.setIgnored({ size: 5, hash: 'aa' }, true, 2000);
      catalog.setIgnored({ size: 5, hash: 'aa' }, true, 3000);
      expect(catalog.ignoredGroups()).toEqual([
        { size: 5, hash: 'aa', at: 2000 },
        { size: 10, hash: 'bb', at: 1000 },
      ]);
      catalog.setIgnored({ size: 10, hash: 'bb' }, false, 4000);
      expect(catalog.ignoredGroups()).toEqual([{ size: 5, hash: 'aa', at: 2000 }]);
    });

    it('rolls back everything written in atomically when it throws, nested calls included', () => {
      const journal = catalog.journal();
      expect(() =>
        catalog.atomically(() => {
          catalog.setIgnored({ size: 1, hash: 'x' }, true, 1);
          catalog.atomically(() => catalog.setIgnored({ size: 2, hash: 'y' }, true, 1));
          journal.startRun('plan-1', '{}', 1);
          throw new Error('stop');
        }),
      ).toThrow('stop');
      expect(catalog.ignoredGroups()).toEqual([]);
      expect(journal.runs()).toEqual([]);
      const value = catalog.atomically(() => {
        catalog.setIgnored({ size: 1, hash: 'x' }, true, 1);
        return catalog.atomically(() => 42);
      });
      expect(value).toBe(42);
      expect(catalog.ignoredGroups()).toHaveLength(1);
    });

    it('says through dataVersion that another connection wrote, and not when it wrote itself', () => {
      const other = place.open();
      others.push(other);
      const before = catalog.dataVersion();
      catalog.setIgnored({ size: 1, hash: 'x' }, true, 1);
      expect(catalog.dataVersion()).toBe(before);
      other.setIgnored({ size: 2, hash: 'y' }, true, 1);
      const after = catalog.dataVersion();
      expect(after).not.toBe(before);
      expect(catalog.ignoredGroups()).toHaveLength(2);
      // Reading changes nothing.
      other.ignoredGroups();
      expect(catalog.dataVersion()).toBe(after);
    });

    it('keeps fingerprints by content, and records full hashes only on rows that still describe the file', async () => {
      const store = catalog.fingerprints();
      const print = new Uint8Array([1, 2, 3, 250]);
      store.put(
        'images.phash/1',
        'xxh3',
        [
          { size: 10, hash: 'aa', fingerprint: print },
          { size: 11, hash: 'bb', problem: 'not an image' },
        ],
        1000,
      );
      expect(
        store.get('images.phash/1', 'xxh3', [
          { size: 10, hash: 'aa' },
          { size: 11, hash: 'bb' },
          { size: 12, hash: 'aa' },
        ]),
      ).toEqual([{ fingerprint: print }, { problem: 'not an image' }, undefined]);
      store.put('images.phash/1', 'xxh3', [{ size: 11, hash: 'bb', fingerprint: print }], 2000);
      expect(store.get('images.phash/1', 'xxh3', [{ size: 11, hash: 'bb' }])).toEqual([
        { fingerprint: print },
      ]);
      expect(store.get('images.phash/2', 'xxh3', [{ size: 10, hash: 'aa' }])).toEqual([undefined]);

      await scan(
        ['/t'],
        [row('/t/a', 1n, 10), row('/t/b', 2n, 20), row('/t/c', 3n, 30, { hashes: hashed(3) })],
        1000,
      );
      const [a, b, c] = ['/t/a', '/t/b', '/t/c'].map((p) => catalog.fileAtPath(p)!);
      const made = [a!, b!, c!].map((f) => ({
        id: f.id,
        size: f.size,
        mtimeNs: f.mtimeNs,
        ctimeNs: f.ctimeNs,
        hash: 'new',
      }));
      made[1]!.size = 21; // b changed since it was read
      expect(store.recordFullHashes('xxh3', made)).toBe(1);
      expect(catalog.fileAtPath('/t/a')!.hashes).toEqual({
        algorithm: 'xxh3',
        head: undefined,
        tail: undefined,
        full: 'new',
      });
      expect(catalog.fileAtPath('/t/b')!.hashes).toBeUndefined();
      expect(catalog.fileAtPath('/t/c')!.hashes?.full).toBe('f3');
    });

    it('keeps the journal of apply: a run and its entries, in the catalog', () => {
      const journal = catalog.journal();
      const run = journal.startRun('plan-1', '{"plan":1}', 1000);
      expect(journal.planText(run)).toBe('{"plan":1}');
      expect(journal.runs().map((r) => [r.id, r.planId, r.state])).toEqual([[run, 'plan-1', 'running']]);
      journal.setRunState(run, 'finished', 2000);
      expect(journal.run(run)).toMatchObject({ state: 'finished', finishedAt: 2000 });
    });

    it('names the sizes that live rows outside the roots have when shared, and none in one machine’s catalog', async () => {
      await scan(['/t'], [row('/t/a', 1n, 10), row('/t/b', 2n, 20), row('/t/c', 3n, 70)], 1000);
      await scan(
        ['/u', '/t-sibling'],
        [
          row('/u/x', 4n, 10, { hashes: hashed(4) }),
          row('/u/y', 5n, 30),
          row('/u/z', 6n, 40),
          row('/t-sibling', 7n, 60),
        ],
        2000,
        ['/u/z'],
      );
      const found = catalog.sizesElsewhere(['/t/'], [10, 20, 30, 40, 50, 60, 0]);
      // 10 and 30: rows under /u, hashed or not; 60: /t-sibling is not under /t; 40 is gone, 20 only under /t.
      expect([...found].sort((a, b) => a - b)).toEqual(place.shared ? [10, 30, 60] : []);
      expect([...catalog.sizesElsewhere(['/t', '/u', '/t-sibling'], [10, 20, 30, 60])]).toEqual([]);
      expect([...catalog.sizesElsewhere(['/u'], [10, 70])].sort()).toEqual(place.shared ? [10, 70] : []);
    });

    it('keeps read-only entries by container: replaced whole, live while the archive row is unchanged', async () => {
      await scan(
        ['/t'],
        [
          row('/t/a.zip', 1n, 100, { hashes: hashed('zip') }),
          row('/t/b.tar', 2n, 200),
          row('/t/loose', 3n, 10, { hashes: { full: 'same' } }),
          row('/t/other', 4n, 10, { hashes: { full: 'other' } }),
        ],
        1000,
      );
      const zip = catalog.fileAtPath('/t/a.zip')!;
      const tar = catalog.fileAtPath('/t/b.tar')!;
      const entries = catalog.entries();
      const record = (fileId: number, identity = zip as typeof zip | undefined) => ({
        key: { kind: 'archive' as const, fileId },
        identity,
        format: 'zip',
        algorithm: 'xxh3',
        skipped: { symlink: 1 },
        problem: undefined,
        readAt: 2000,
      });
      const member = (name: string, size: number, full: string) => ({
        name,
        size,
        mtimeMs: 1_600_000_000_000,
        hashes: { head: `h-${full}`, tail: undefined, full },
      });
      entries.replace(record(zip.id), [
        member('dir/x', 10, 'same'),
        member('é/y', 20, 'twenty'),
        {
          name: 'locked',
          size: 30,
          mtimeMs: undefined,
          hashes: undefined,
          crc32: 0xdeadbeef,
          encrypted: true,
        },
      ]);
      entries.replace(
        {
          ...record(tar.id, tar),
          format: 'tar',
          skipped: {},
          problem: { code: 'corrupt', message: 'cut short' },
        },
        [member('z', 20, 'twenty')],
      );
      entries.replace(
        {
          key: { kind: 'manifest', label: 'disk-1' },
          identity: undefined,
          format: 'nodupe.manifest/1',
          algorithm: 'xxh3',
          skipped: {},
          problem: undefined,
          readAt: 3000,
        },
        [member('photos/p.jpg', 10, 'same')],
      );

      const archives = entries.containers('archive');
      expect(archives.map((c) => [c.key, c.format, c.entries, c.skipped, c.problem])).toEqual([
        [{ kind: 'archive', fileId: zip.id }, 'zip', 3, { symlink: 1 }, undefined],
        [{ kind: 'archive', fileId: tar.id }, 'tar', 1, {}, { code: 'corrupt', message: 'cut short' }],
      ]);
      expect(archives[0]!.identity).toEqual({
        dev: zip.dev,
        ino: zip.ino,
        size: 100,
        mtimeNs: zip.mtimeNs,
        ctimeNs: zip.ctimeNs,
      });
      const listed = () =>
        [...entries.hashedEntries('xxh3')].map((e) => [e.container, e.name, e.size, e.hashes?.full]);
      expect(listed()).toEqual([
        [{ kind: 'archive', fileId: zip.id }, 'dir/x', 10, 'same'],
        [{ kind: 'manifest', label: 'disk-1' }, 'photos/p.jpg', 10, 'same'],
        [{ kind: 'archive', fileId: zip.id }, 'é/y', 20, 'twenty'],
        [{ kind: 'archive', fileId: tar.id }, 'z', 20, 'twenty'],
      ]);
      expect([...entries.hashedEntries('sha256')]).toEqual([]);
      expect(entries.looseMatches('xxh3')).toEqual([catalog.fileAtPath('/t/loose')!.id]);
      expect(entries.entrySizes()).toEqual([10, 20, 30]);

      // Replaced whole: the old members go.
      entries.replace(record(zip.id), [member('new', 20, 'twenty')]);
      expect(
        listed()
          .filter(([c]) => (c as { fileId?: number }).fileId === zip.id)
          .map(([, n]) => n),
      ).toEqual(['new']);

      // The archive rewritten with a new identity: its members no longer count, and pruning drops them; the
      // tar gone: the same.
      await scan(
        ['/t'],
        [row('/t/a.zip', 9n, 100), row('/t/loose', 3n, 10, { hashes: { full: 'same' } })],
        4000,
        ['/t/b.tar'],
      );
      expect(listed()).toEqual([[{ kind: 'manifest', label: 'disk-1' }, 'photos/p.jpg', 10, 'same']]);
      expect(entries.pruneArchives()).toBe(2);
      expect(entries.containers('archive')).toEqual([]);
      expect(entries.containers('manifest').map((c) => c.entries)).toEqual([1]);
      entries.remove([{ kind: 'manifest', label: 'disk-1' }]);
      expect(entries.containers('manifest')).toEqual([]);
      expect(entries.looseMatches('xxh3')).toEqual([]);
    });

    it('keeps each file’s detected type with its row, and reads it back', async () => {
      const typed = async (rows: TestRow[], types: (string | null)[], at: number) => {
        const id = catalog.startScan(['/t'], at);
        const writer = catalog.scanWriter(id);
        writer.write({ ...catalogRows(rows), type: types }, at);
        await writer.close();
        catalog.finishScan(id, [], at + 1);
      };
      await typed(
        [
          row('/t/a.png', 1n, 10, { hashes: { head: 'h', full: 'same' } }),
          row('/t/b.jpg', 2n, 10, { hashes: { head: 'h', full: 'same' } }),
          row('/t/c', 3n, 20),
        ],
        ['image/png', 'image/png', null],
        1000,
      );
      const known = catalog.knownRows(['/t']);
      expect(known.type).toEqual(['image/png', 'image/png', null]);
      expect(catalog.fileAtPath('/t/a.png')?.type).toBe('image/png');
      expect(catalog.fileAtPath('/t/c')?.type).toBeUndefined();
      expect(catalog.hashedFiles('xxh3').map((f) => [String(f.path), f.type])).toEqual([
        ['/t/a.png', 'image/png'],
        ['/t/b.jpg', 'image/png'],
      ]);
      expect([...catalog.sharedHashFiles('xxh3', false)].map((f) => f.type)).toEqual([
        'image/png',
        'image/png',
      ]);
      // A row written again takes the type the scan gives it; rows written with no types at all have none.
      await typed([row('/t/a.png', 1n, 10, { hashes: { head: 'h2', full: 'other' } })], ['image/gif'], 2000);
      expect(catalog.fileAtPath('/t/a.png')?.type).toBe('image/gif');
      await scan(['/t'], [row('/t/b.jpg', 2n, 10, { hashes: { full: 'same' } })], 3000);
      expect(catalog.fileAtPath('/t/b.jpg')?.type).toBeUndefined();
    });

    it('tells where the copies of a content are, local ones by their path here', async () => {
      await scan(
        ['/t'],
        [
          row('/t/a', 1n, 10, { hashes: { full: 'same' } }),
          row('/t/b', 2n, 10, { hashes: { full: 'same' } }),
          row('/t/c', 3n, 10, { hashes: { full: 'alone' } }),
        ],
        1000,
      );
      const copies = catalog.copiesOf({ size: 10, algorithm: 'xxh3', hash: 'same' });
      expect(copies.map((c) => [String(c.path), c.local, c.lastSeen])).toEqual([
        ['/t/a', true, 1000],
        ['/t/b', true, 1000],
      ]);
      const groups = [...catalog.copyGroups('xxh3')];
      expect(groups.map((g) => g.map((c) => String(c.path)))).toEqual([['/t/a', '/t/b']]);
    });
  });
}
