import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArchiveListing } from '../archive/listing.js';
import { SqliteCatalog } from '../catalog/sqlite/sqlite-store.js';
import { FakeClock } from '../core/fake-clock.js';
import { scratch } from '../../test/helpers/tree.js';
import { isArchiveName, type WalkedArchive } from './archives.js';
import { scan } from './scan.js';

describe('isArchiveName', () => {
  it('picks the archive names, case aside, and no bare suffix', () => {
    for (const name of ['a.zip', 'b.TAR.GZ', 'c.tgz', 'd.tar.zst', 'e.7z', 'f.txz', 'g.tbz2', 'h.tar']) {
      expect(isArchiveName(`/x/${name}`), name).toBe(true);
    }
    for (const name of ['zip', 'a.gz', 'a.zip.txt', '.zip', 'a.tar.gzip']) {
      expect(isArchiveName(`/x/${name}`), name).toBe(false);
    }
    expect(isArchiveName(Buffer.from('/x/\xff.zip', 'latin1'))).toBe(true);
  });
});

describe('the archive step of a scan, with a stand-in reader', () => {
  let dir: ReturnType<typeof scratch>;
  let catalog: SqliteCatalog;
  const asked: string[] = [];
  const listing = (over: Partial<ArchiveListing> = {}): ArchiveListing => ({
    format: 'zip',
    members: [
      {
        name: 'inside/copy.txt',
        size: 11,
        mtimeMs: 1_700_000_000_000,
        hashes: { head: 'h', tail: 't', full: 'will-not-match' },
      },
      { name: 'locked', size: 5, mtimeMs: undefined, hashes: undefined, crc32: 7, encrypted: true },
    ],
    skipped: [{ name: 'link', reason: 'symlink' }],
    bytesRead: 18,
    ...over,
  });
  const read = (answer: () => ArchiveListing) => (file: WalkedArchive) => {
    asked.push(String(file.path));
    return Promise.resolve(answer());
  };

  beforeEach(() => {
    dir = scratch();
    catalog = SqliteCatalog.open(dir.path('c.db'));
    asked.length = 0;
    dir.write('t/a.zip', 'stand-in for a zip');
    dir.write('t/loose.txt', 'hello world');
  });
  afterEach(() => {
    catalog.close();
    dir.remove();
  });

  const run = (answer = () => listing()) =>
    scan({ roots: [dir.path('t')], catalog, clock: new FakeClock(), archives: { read: read(answer) } });

  it('reads new archives, keeps their members, and reads an unchanged one no more', async () => {
    const first = await run();
    expect(asked).toEqual([dir.path('t/a.zip')]);
    expect(first.archives).toMatchObject({
      found: 1,
      read: 1,
      unchanged: 0,
      members: 2,
      skipped: 1,
      problems: 0,
    });
    const [stored] = catalog.entries().containers('archive');
    expect(stored).toMatchObject({ format: 'zip', entries: 2, skipped: { symlink: 1 } });
    // The loose file, alone of its size in the walk, was read through to its full hash: a member has its size.
    expect(catalog.fileAtPath(dir.path('t/loose.txt'))!.hashes?.full).toBeDefined();

    const again = await run();
    expect(asked).toHaveLength(1);
    expect(again.archives).toMatchObject({ found: 1, read: 0, unchanged: 1, bytesRead: 0 });
    expect(again.bytesRead).toBe(0);
  });

  it('keeps no listing the next scan could do better: an archive that changed while read is read again', async () => {
    const report = await run(() => listing({ problem: { code: 'changed', message: 'changed while read' } }));
    expect(report.problems.map((p) => p.code)).toEqual(['changed']);
    expect(catalog.entries().containers('archive')).toEqual([]);
    await run();
    expect(asked).toEqual([dir.path('t/a.zip'), dir.path('t/a.zip')]);
    expect(catalog.entries().containers('archive')).toHaveLength(1);
  });

  it('makes a listing’s problem a problem of the scan, and keeps the members read before it', async () => {
    const report = await run(() => listing({ problem: { code: 'corrupt', message: 'cut short' } }));
    expect(report.problems).toEqual([
      { path: dir.path('t/a.zip'), op: 'archive', code: 'corrupt', message: 'cut short' },
    ]);
    expect(report.archives?.problems).toBe(1);
    expect(catalog.entries().containers('archive')[0]).toMatchObject({
      entries: 2,
      problem: { code: 'corrupt', message: 'cut short' },
    });
  });
});
