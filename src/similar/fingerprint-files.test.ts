import { symlinkSync, unlinkSync, utimesSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../catalog/sqlite/sqlite-store.js';
import { scan } from '../scan/scan.js';
import { scratch } from '../../test/helpers/tree.js';
import { fingerprintFiles, type FingerprintMaker } from './fingerprint-files.js';

const maker: FingerprintMaker = {
  key: 'test.first-bytes/1',
  module: pathToFileURL(new URL('../../test/fixtures/first-bytes-detector.mjs', import.meta.url).pathname)
    .href,
  maxBytes: 1000,
  makes: 'fingerprint',
};

let dir: ReturnType<typeof scratch>;
let catalog: SqliteCatalog;
beforeEach(() => {
  dir = scratch();
  catalog = SqliteCatalog.open(dir.path('c.db'));
});
afterEach(() => {
  catalog.close();
  dir.remove();
});

const options = { algorithm: 'xxh3', threads: 1, now: () => 5000 };
const under = (name: string) => catalog.liveFiles().filter((f) => String(f.path).includes(`/${name}/`));
const byName = (prints: { file: { path: unknown } }[]) =>
  prints.map((p) => String(p.file.path).split('/').pop());

describe('fingerprinting files', () => {
  it('reads each file once, keeps its fingerprint by content, and reads nothing the next time', async () => {
    dir.write('t/a.jpg', 'AAxxxxxxxx');
    dir.write('t/b.jpg', 'BBxxxxxxxx-unique-size');
    dir.write('t/copy-of-a.jpg', 'AAxxxxxxxx');
    dir.write('t/odd.bad', 'CCxx');
    dir.write('t/big.jpg', Buffer.alloc(2000, 1));
    await scan({ roots: [dir.path('t')], catalog, threads: 1 });
    const files = under('t');
    const first = await fingerprintFiles(catalog, files, maker, options);
    expect(byName(first.prints).sort()).toEqual(['a.jpg', 'b.jpg', 'copy-of-a.jpg']);
    expect(first.prints.map((p) => Buffer.from(p.fingerprint).toString()).sort()).toEqual(['AA', 'AA', 'BB']);
    expect(first.problems.map((p) => [String(p.path).split('/').pop(), p.reason]).sort()).toEqual([
      ['big.jpg', 'larger than 1000 bytes; not read'],
      ['odd.bad', 'cannot make sense of odd.bad'],
    ]);
    // a.jpg and its copy share a content the scan hashed: read once. b.jpg and odd.bad had no hash: read.
    expect(first).toMatchObject({ read: 3, reused: 0 });
    // The rows read without a full hash have one now, so the next run finds them by content.
    const again = await fingerprintFiles(catalog, under('t'), maker, options);
    expect(again).toMatchObject({ read: 0, reused: 4 });
    expect(byName(again.prints).sort()).toEqual(['a.jpg', 'b.jpg', 'copy-of-a.jpg']);
    expect(again.problems).toHaveLength(2);
  });

  it('reads no file that changed since the scan, or that a link now stands for, and says so', async () => {
    dir.write('t/changed.jpg', 'AAxx');
    dir.write('t/linked.jpg', 'BBxxx');
    dir.write('t/secret', 'SSsecret');
    dir.write('t/crash.throws', 'DDxxxx');
    await scan({ roots: [dir.path('t')], catalog, threads: 1 });
    const files = under('t').filter((f) => !String(f.path).endsWith('secret'));
    utimesSync(dir.path('t/changed.jpg'), 1, 1);
    unlinkSync(dir.path('t/linked.jpg'));
    symlinkSync(dir.path('t/secret'), dir.path('t/linked.jpg'));
    const run = await fingerprintFiles(catalog, files, maker, options);
    expect(run.prints).toEqual([]);
    expect(run.problems.map((p) => [String(p.path).split('/').pop(), p.reason]).sort()).toEqual([
      ['changed.jpg', 'changed since it was scanned: scan it again'],
      ['crash.throws', 'the detector failed: detector bug'],
      ['linked.jpg', 'no longer a regular file'],
    ]);
    // Nothing was kept for the file that changed.
    expect(catalog.liveFiles().find((f) => String(f.path).endsWith('changed.jpg'))!.hashes).toBeUndefined();
  });
});
