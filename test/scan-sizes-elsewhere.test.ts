// A scan into a catalog that several machines share reads a file alone of its size in the walk when files of its
// size are known elsewhere (other machines' files), and keeps its hashes, so that its copies there are found. The
// shared catalog is played here by a SQLite catalog whose `sizesElsewhere` answers as PostgreSQL would.
import { describe, expect, it } from 'vitest';
import type { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import type { CatalogStore } from '../src/catalog/store.js';
import { scan } from '../src/scan/scan.js';
import { catalogForEachTest } from './helpers/scratch-catalog.js';
import { bytes, type scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let catalog: SqliteCatalog;

catalogForEachTest((c, d) => {
  catalog = c;
  dir = d;
});

/** The catalog, as a shared one whose other machines have files of `sizes`; `asked` gets the sizes it is asked about. */
function sharedWith(sizes: number[], asked: number[][]): CatalogStore {
  return new Proxy(catalog, {
    get(target, key) {
      if (key === 'sizesElsewhere') {
        return (_roots: readonly string[], walked: Iterable<number>) => {
          asked.push([...walked].sort((a, b) => a - b));
          return new Set(sizes);
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const hashesAt = (path: string) => catalog.fileAtPath(dir.path(path))?.hashes;

describe('a scan into a shared catalog', () => {
  it('reads files alone of their size when their size is found elsewhere, and writes their full hashes', async () => {
    dir.write('t/report.pdf', bytes(100_000, 1));
    dir.write('t/note.txt', bytes(20, 2));
    dir.write('t/other.bin', bytes(30, 3));
    const asked: number[][] = [];
    const shared = sharedWith([100_000, 20], asked);
    const report = await scan({ roots: [dir.path('t')], catalog: shared, threads: 1 });
    expect(asked).toEqual([[20, 30, 100_000]]);
    expect(report.groups).toEqual([]);
    expect(report.bytesRead).toBe(100_000 + 20 + 2 * 4096);
    const stored = hashesAt('t/report.pdf');
    expect([stored?.head, stored?.tail, stored?.full].every((h) => typeof h === 'string')).toBe(true);
    expect(hashesAt('t/note.txt')?.full).toEqual(expect.any(String));
    // A size nobody else has: not read, as always.
    expect(hashesAt('t/other.bin')).toBeUndefined();

    // A rescan keeps the hashes, and reads nothing again.
    const again = await scan({ roots: [dir.path('t')], catalog: shared, threads: 1 });
    expect(again.bytesRead).toBe(0);
    expect(hashesAt('t/report.pdf')?.full).toEqual(expect.any(String));
  });

  it('reads a file to its full hash when it falls out of a local group early', async () => {
    const content = bytes(100_000, 4);
    dir.write('t/a', content);
    dir.write('t/b', Buffer.concat([Buffer.from('!'), content.subarray(1)]));
    const report = await scan({ roots: [dir.path('t')], catalog: sharedWith([100_000], []), threads: 1 });
    expect(report.groups).toEqual([]);
    expect(hashesAt('t/a')?.full).toEqual(expect.any(String));
    expect(hashesAt('t/b')?.full).toEqual(expect.any(String));
  });

  it('reads no more than before when nothing of its sizes is elsewhere (one machine’s catalog)', async () => {
    dir.write('t/report.pdf', bytes(100_000, 1));
    const report = await scan({ roots: [dir.path('t')], catalog, threads: 1 });
    expect(report.bytesRead).toBe(0);
    expect(hashesAt('t/report.pdf')).toBeUndefined();
  });
});
