import { describe, expect, it } from 'vitest';
import type { CatalogFile } from '../catalog/store.js';
import { GroupIndex, type GroupQuery, type GroupSource } from './group-index.js';

let nextId = 1;
const file = (path: string, size: number, hash: string, ino: bigint): CatalogFile => ({
  id: nextId++,
  path,
  dev: 1n,
  ino,
  size,
  mtimeNs: 5n,
  ctimeNs: 5n,
  hashes: { algorithm: 'xxh3', head: 'h', tail: 't', full: hash },
});

/** Three groups (one with a hard link) as the catalog gives them: a group's rows together. */
function catalogOf() {
  const runs = [
    [file('/p/a.jpg', 100, 'aa', 1n), file('/q/a.jpg', 100, 'aa', 2n), file('/q/a-link.jpg', 100, 'aa', 2n)],
    [file('/p/b.txt', 5000, 'bb', 3n), file('/q/b.txt', 5000, 'bb', 4n)],
    [file('/p/c.mp3', 300, 'cc', 5n), file('/r/c.mp3', 300, 'cc', 6n), file('/s/c.mp3', 300, 'cc', 7n)],
    // One file under two names: no group.
    [file('/p/solo', 70, 'dd', 8n), file('/p/solo-link', 70, 'dd', 8n)],
  ];
  const byId = new Map(runs.flat().map((f) => [f.id, f]));
  const reads = { rows: 0, paths: 0 };
  const source: GroupSource = {
    rows: (ids) => (reads.rows++, ids.flatMap((id) => byId.get(id) ?? [])),
    // The catalog's other rows too: files in no group.
    paths: (after, limit) => {
      if (after === 0) reads.paths++;
      const all = [...runs.flat(), file('/p/unique.txt', 9, 'ee', 9n)].map(
        (f) => [f.id, String(f.path)] as const,
      );
      return all
        .sort(([a], [b]) => a - b)
        .filter(([id]) => id > after)
        .slice(0, limit);
    },
  };
  return { runs, byId, reads, source };
}

const query = (over: Partial<GroupQuery> = {}): GroupQuery => ({
  cursor: undefined,
  limit: 100,
  sort: 'reclaimable',
  order: 'desc',
  path: undefined,
  minSize: undefined,
  maxSize: undefined,
  kind: undefined,
  includeIgnored: false,
  ...over,
});

describe('the group index', () => {
  it("lists each group's summary without reading the catalog again", async () => {
    const { runs, reads, source } = catalogOf();
    const index = new GroupIndex(runs, source, [], 'e', 1);
    const page = await index.page(query());
    expect(page.groups.map((g) => g.key)).toEqual(['5000:bb', '300:cc', '100:aa']);
    expect(page.groups[2]).toEqual({
      key: '100:aa',
      size: 100,
      hash: 'aa',
      files: 2,
      paths: 3,
      reclaimable: 100,
      first: { text: '/p/a.jpg' },
      kind: 'image',
      ignored: false,
    });
    expect(page).toMatchObject({ total: 3, reclaimable: 5000 + 600 + 100, next: null });
    expect(reads).toEqual({ rows: 0, paths: 0 });
  });

  it("reads a group's files from the catalog when they are asked for, as the catalog holds them now", () => {
    const { runs, byId, reads, source } = catalogOf();
    const index = new GroupIndex(runs, source, [], 'e', 1);
    const entry = index.get('100:aa')!;
    expect(index.group(entry).files.map((f) => f.paths)).toEqual([
      ['/p/a.jpg'],
      ['/q/a-link.jpg', '/q/a.jpg'],
    ]);
    expect(reads.rows).toBe(1);
    // A file changed since the index was made (another hash now) is no longer a member.
    const changed = runs[0]![0]!;
    byId.set(changed.id, { ...changed, hashes: { ...changed.hashes!, full: 'other' } });
    expect(index.group(entry).files.map((f) => f.paths[0])).toEqual(['/q/a-link.jpg']);
  });

  it('finds a member by its id, and a group by its key; nothing for others', () => {
    const { runs, source } = catalogOf();
    const index = new GroupIndex(runs, source, [], 'e', 1);
    const member = runs[2]![1]!;
    expect(index.file(member.id)).toMatchObject({
      entry: { key: '300:cc', size: 300, hash: 'cc' },
      file: { id: member.id, paths: ['/r/c.mp3'] },
    });
    // /q/a.jpg is a hard link of the file named by /q/a-link.jpg: its row is not a member's id.
    expect(index.file(runs[0]![1]!.id)).toBeUndefined();
    expect(index.file(runs[3]![0]!.id)).toBeUndefined();
    expect(index.file(9999)).toBeUndefined();
    for (const key of ['70:dd', '100:zz', '100', 'x:aa', '']) expect(index.get(key)).toBeUndefined();
  });

  it('reads the paths once per path filter, and matches a group by any of its paths', async () => {
    const { runs, reads, source } = catalogOf();
    const index = new GroupIndex(runs, source, [], 'e', 1);
    const linked = await index.page(query({ path: '**/a-link.jpg', limit: 1 }));
    expect(linked.groups.map((g) => g.key)).toEqual(['100:aa']);
    const underR = await index.page(query({ path: '/r/**', limit: 1 }));
    expect(underR.groups.map((g) => g.key)).toEqual(['300:cc']);
    expect(reads.paths).toBe(2);
    const q = query({ path: '/p/**', limit: 1 });
    const first = await index.page(q);
    const second = await index.page({ ...q, cursor: first.next! });
    expect([...first.groups, ...second.groups].map((g) => g.key)).toEqual(['5000:bb', '300:cc']);
    expect(reads.paths).toBe(3);
  });

  it('leaves ignored groups out, and sorts by size, count and path', async () => {
    const { runs, source } = catalogOf();
    const index = new GroupIndex(runs, source, ['300:cc'], 'e', 1);
    expect((await index.page(query())).groups.map((g) => g.key)).toEqual(['5000:bb', '100:aa']);
    expect(index.counts()).toEqual({ groups: 2, reclaimable: 5100, ignored: 1 });
    const all = async (sort: GroupQuery['sort'], order: GroupQuery['order']) =>
      (await index.page(query({ sort, order, includeIgnored: true }))).groups.map((g) => g.key);
    expect(await all('size', 'desc')).toEqual(['5000:bb', '300:cc', '100:aa']);
    expect(await all('count', 'desc')).toEqual(['300:cc', '5000:bb', '100:aa']);
    expect(await all('path', 'asc')).toEqual(['100:aa', '5000:bb', '300:cc']);
    expect(await all('path', 'desc')).toEqual(['300:cc', '5000:bb', '100:aa']);
  });

  it('matches a path filter a few milliseconds per turn: other work runs in between, and the latest ignore counts', async () => {
    // 1,300 groups of two files each: 2,600 paths of 2 KB (three pages), each as costly to match as its length.
    const deep = `/big/${'deep/'.repeat(400)}`;
    const runs = Array.from({ length: 1300 }, (_, g) => [
      file(`${deep}g${g}/a.bin`, 10 + g, `h${g}`, BigInt(100_000 + 2 * g)),
      file(`${deep}g${g}/${g % 2 === 0 ? 'even' : 'odd'}.bin`, 10 + g, `h${g}`, BigInt(100_001 + 2 * g)),
    ]);
    const paths = runs.flat().map((f) => [f.id, String(f.path)] as const);
    const pagesRead: number[] = [];
    const source: GroupSource = {
      rows: () => [],
      paths: (after, limit) => {
        pagesRead.push(after);
        return paths.filter(([id]) => id > after).slice(0, limit);
      },
    };
    const index = new GroupIndex(runs, source, [], 'e', 1);
    const q = query({ path: '**/even.bin', limit: 1 });
    const pending = [index.page(q), index.page(q)];
    let turns = 0;
    const settled = { done: false };
    void Promise.all(pending).then(() => (settled.done = true));
    while (!settled.done) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
      // An ignore while the paths are matched: the answer is of the generation it ends in.
      if (turns === 2) index.setIgnored(`${10 + 1298}:h1298`, true, 2);
    }
    const [first, second] = await Promise.all(pending);
    expect(turns).toBeGreaterThanOrEqual(3);
    // Both requests shared one read of the paths: three pages.
    expect(pagesRead).toHaveLength(3);
    expect(first).toEqual(second);
    expect(first!.total).toBe(649);
    expect(first!.groups.map((g) => g.key)).toEqual([`${10 + 1296}:h1296`]);
  });
});
