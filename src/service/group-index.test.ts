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
    paths: () => (
      reads.paths++,
      [...runs.flat(), file('/p/unique.txt', 9, 'ee', 9n)].map((f) => [f.id, String(f.path)] as const)
    ),
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
  it("lists each group's summary without reading the catalog again", () => {
    const { runs, reads, source } = catalogOf();
    const index = new GroupIndex(runs, source, [], 'e', 1);
    const page = index.page(query());
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

  it('reads the paths once per path filter, and matches a group by any of its paths', () => {
    const { runs, reads, source } = catalogOf();
    const index = new GroupIndex(runs, source, [], 'e', 1);
    const linked = index.page(query({ path: '**/a-link.jpg', limit: 1 }));
    expect(linked.groups.map((g) => g.key)).toEqual(['100:aa']);
    const underR = index.page(query({ path: '/r/**', limit: 1 }));
    expect(underR.groups.map((g) => g.key)).toEqual(['300:cc']);
    expect(reads.paths).toBe(2);
    const q = query({ path: '/p/**', limit: 1 });
    const first = index.page(q);
    const second = index.page({ ...q, cursor: first.next! });
    expect([...first.groups, ...second.groups].map((g) => g.key)).toEqual(['5000:bb', '300:cc']);
    expect(reads.paths).toBe(3);
  });

  it('leaves ignored groups out, and sorts by size, count and path', () => {
    const { runs, source } = catalogOf();
    const index = new GroupIndex(runs, source, ['300:cc'], 'e', 1);
    expect(index.page(query()).groups.map((g) => g.key)).toEqual(['5000:bb', '100:aa']);
    expect(index.counts()).toEqual({ groups: 2, reclaimable: 5100, ignored: 1 });
    const all = (sort: GroupQuery['sort'], order: GroupQuery['order']) =>
      index.page(query({ sort, order, includeIgnored: true })).groups.map((g) => g.key);
    expect(all('size', 'desc')).toEqual(['5000:bb', '300:cc', '100:aa']);
    expect(all('count', 'desc')).toEqual(['300:cc', '5000:bb', '100:aa']);
    expect(all('path', 'asc')).toEqual(['100:aa', '5000:bb', '300:cc']);
    expect(all('path', 'desc')).toEqual(['300:cc', '5000:bb', '100:aa']);
  });
});
