import { describe, expect, it } from 'vitest';
import type { SqliteCatalog } from '../../catalog/sqlite/sqlite-store.js';
import { catalogForEachTest } from '../../../test/helpers/scratch-catalog.js';
import { writeRows, type TestRow } from '../../../test/helpers/catalog-rows.js';
import type { FsPath } from '../../model/paths.js';
import type { SimilarFolderOptions } from './folder-options.js';
import type { SimilarFolders } from './folder-result.js';
import { similarFoldersInCatalog } from './similar-folders.js';

let catalog: SqliteCatalog;
catalogForEachTest((opened) => (catalog = opened));

/** A file as a test describes it: its content (text) and, where it matters, its inode or no full hash. */
interface File {
  path: FsPath;
  content: string;
  ino?: bigint;
  /** False: the scan left it without a full hash (its size was its own in that scan). */
  hashed?: boolean;
}

/** Writes the files to the catalog (hashes made from their contents) and asks for the similar folders. */
async function similar(
  files: File[],
  roots: string[] = [],
  options: SimilarFolderOptions = {},
): Promise<SimilarFolders> {
  let ino = 1000n;
  const rows: TestRow[] = files.map((f) => ({
    path: typeof f.path === 'string' ? f.path : f.path,
    ino: f.ino ?? ino++,
    size: Buffer.byteLength(f.content),
    mtimeNs: 1n,
    ...(f.hashed === false || f.content === '' ? {} : { hashes: { full: `h:${f.content}` } }),
  }));
  await writeRows(catalog, catalog.startScan(['/'], 0), rows, 0);
  return similarFoldersInCatalog(catalog, roots, options);
}

/** The same files under another folder. */
function copy(files: File[], from: string, to: string): File[] {
  return files.map((f) => ({ ...f, path: (f.path as string).replace(from, to) }));
}

const project: File[] = [
  { path: '/r/a/readme.md', content: 'read me' },
  { path: '/r/a/src/main.ts', content: 'main code' },
  { path: '/r/a/src/util.ts', content: 'utilities' },
  { path: '/r/a/docs/guide.md', content: 'the guide' },
];

describe('duplicate folders', () => {
  it('reports the top folders of two identical trees, not their subfolders again', async () => {
    const found = await similar([...project, ...copy(project, '/r/a/', '/r/b/')]);
    expect(found.duplicates).toEqual([{ folders: ['/r/a', '/r/b'], files: 4, bytes: 34, reclaimable: 34 }]);
    expect(found.overlaps).toEqual([]);
  });

  it('does not take files whose contents are swapped under the same names for duplicates', async () => {
    const found = await similar([
      { path: '/r/a/one', content: 'first' },
      { path: '/r/a/two', content: 'second' },
      { path: '/r/b/one', content: 'second' },
      { path: '/r/b/two', content: 'first' },
    ]);
    expect(found.duplicates).toEqual([]);
    // Each holds every content of the other: an overlap, under other names.
    expect(found.overlaps).toHaveLength(1);
    expect(found.overlaps[0]).toMatchObject({ relation: 'same-content', similarity: { files: 1, bytes: 1 } });
  });

  it('finds a copy whatever its name sorts next to, and whatever order its entries sort in', async () => {
    // "a", "a.txt" and "a0" sort one way as names and another as paths ("a/..." between "a.txt" and "a0").
    const tricky: File[] = [
      { path: '/r/photos/a/x', content: 'x' },
      { path: '/r/photos/a.txt', content: 'a text' },
      { path: '/r/photos/a0', content: 'a zero' },
      { path: '/r/photos/b/y', content: 'y' },
    ];
    const found = await similar([
      ...tricky,
      { path: '/r/middle/other', content: 'unrelated' },
      ...copy(tricky, '/r/photos/', '/r/0 photos (renamed copy)/'),
      ...copy(tricky, '/r/photos/', '/r/zz/deeper/photos/'),
    ]);
    expect(found.duplicates.map((g) => g.folders)).toEqual([
      ['/r/0 photos (renamed copy)', '/r/photos', '/r/zz/deeper/photos'],
    ]);
  });

  it('does not take a renamed file for the same tree (names count), but shows the folders as the same content', async () => {
    const found = await similar([
      ...project,
      ...copy(project, '/r/a/', '/r/b/').map((f) =>
        f.path === '/r/b/readme.md' ? { ...f, path: '/r/b/README.md' } : f,
      ),
    ]);
    expect(found.duplicates.map((g) => g.folders)).toEqual([
      ['/r/a/src', '/r/b/src'],
      ['/r/a/docs', '/r/b/docs'],
    ]);
    expect(found.overlaps).toHaveLength(1);
    expect(found.overlaps[0]).toMatchObject({
      relation: 'same-content',
      a: { folder: '/r/a' },
      b: { folder: '/r/b' },
    });
  });

  it('leaves empty files out as dupes does, and counts them when asked to', async () => {
    const files: File[] = [
      { path: '/r/a/x', content: 'x content' },
      { path: '/r/a/.keep', content: '' },
      { path: '/r/b/x', content: 'x content' },
      { path: '/r/only-empty-1/e', content: '' },
      { path: '/r/only-empty-2/e', content: '' },
    ];
    // Without empty files, /r/a and /r/b are the same; folders of empty files only have nothing to compare.
    expect((await similar(files)).duplicates.map((g) => g.folders)).toEqual([['/r/a', '/r/b']]);
  });

  it('with empty files counted, a missing empty file makes folders differ, and folders of empty files match', async () => {
    const found = await similar(
      [
        { path: '/r/a/x', content: 'x content' },
        { path: '/r/a/.keep', content: '' },
        { path: '/r/b/x', content: 'x content' },
        { path: '/r/only-empty-1/e', content: '' },
        { path: '/r/only-empty-2/e', content: '' },
      ],
      [],
      { includeEmpty: true },
    );
    expect(found.duplicates).toEqual([
      { folders: ['/r/only-empty-1', '/r/only-empty-2'], files: 1, bytes: 0, reclaimable: 0 },
    ]);
  });

  it('never says a folder duplicates its own subfolder: a copy inside is the rest of its parent', async () => {
    const found = await similar([
      { path: '/r/a/notes.txt', content: 'notes' },
      { path: '/r/a/photo.jpg', content: 'a photo' },
      { path: '/r/a/backup/notes.txt', content: 'notes' },
      { path: '/r/a/backup/photo.jpg', content: 'a photo' },
    ]);
    expect(found.duplicates).toEqual([]);
    expect(found.overlaps).toEqual([
      {
        a: {
          folder: '/r/a/backup',
          files: 2,
          bytes: 12,
          sharedFiles: 2,
          sharedBytes: 12,
          only: { files: 0, bytes: 0, paths: [] },
        },
        b: {
          folder: '/r/a',
          files: 2,
          bytes: 12,
          sharedFiles: 2,
          sharedBytes: 12,
          only: { files: 0, bytes: 0, paths: [] },
        },
        relation: 'same-content',
        nested: true,
        similarity: { files: 1, bytes: 1 },
        reclaimable: 12,
      },
    ]);
  });

  it('skips a folder whose files are hard links of the other folder: one tree seen twice frees nothing', async () => {
    const found = await similar([
      { path: '/r/a/x', content: 'x content', ino: 1n },
      { path: '/r/a/y', content: 'y content', ino: 2n },
      { path: '/r/b/x', content: 'x content', ino: 1n },
      { path: '/r/b/y', content: 'y content', ino: 2n },
    ]);
    expect(found.duplicates).toEqual([]);
  });

  it('counts only the copied files of a duplicate folder as reclaimable when some are hard links', async () => {
    const found = await similar([
      { path: '/r/a/x', content: 'x content', ino: 1n },
      { path: '/r/a/y', content: 'y', ino: 2n },
      { path: '/r/b/x', content: 'x content', ino: 1n },
      { path: '/r/b/y', content: 'y', ino: 3n },
    ]);
    expect(found.duplicates).toEqual([{ folders: ['/r/a', '/r/b'], files: 2, bytes: 10, reclaimable: 1 }]);
  });

  it('handles names that are not UTF-8, in folders and files', async () => {
    const latin = (text: string) => Buffer.from(text, 'latin1');
    const found = await similar([
      { path: Buffer.concat([latin('/r/caf\xe9/'), latin('\xff.txt')]), content: 'one' },
      { path: Buffer.concat([latin('/r/caf\xe9/'), latin('two')]), content: 'two' },
      { path: Buffer.concat([latin('/r/copy/'), latin('\xff.txt')]), content: 'one' },
      { path: '/r/copy/two', content: 'two' },
      // The same name in UTF-8 is another name.
      { path: '/r/other/ÿ.txt', content: 'one' },
      { path: '/r/other/two', content: 'two' },
    ]);
    expect(found.duplicates.map((g) => g.folders)).toEqual([[latin('/r/caf\xe9'), '/r/copy']]);
  });

  it('keeps files with no full hash apart, and says how many could not be compared', async () => {
    const found = await similar([
      // Scanned apart: each had a size of its own in its scan, so neither got a full hash.
      { path: '/r/a/big', content: 'same bytes', hashed: false },
      { path: '/r/a/shared', content: 'shared' },
      { path: '/r/b/big', content: 'same bytes', hashed: false },
      { path: '/r/b/shared', content: 'shared' },
    ]);
    expect(found.duplicates).toEqual([]);
    expect(found.unconfirmed).toBe(2);
  });

  it('reports only folders at or under the roots asked about', async () => {
    const found = await similar(
      [...project, ...copy(project, '/r/a/', '/r/b/'), ...copy(project, '/r/a/', '/s/c/')],
      ['/r/b', '/s'],
    );
    expect(found.duplicates.map((g) => g.folders)).toEqual([['/r/b', '/s/c']]);
  });
});

describe('overlapping folders', () => {
  const edited: File[] = [
    ...copy(project, '/r/a/', '/backup/a/').filter((f) => f.path !== '/backup/a/docs/guide.md'),
    { path: '/backup/a/docs/guide.md', content: 'the guide, edited' },
    { path: '/backup/a/new.txt', content: 'written later' },
  ];

  it('measures a folder partly edited on a backup disk, by files and bytes, with what is only on each side', async () => {
    // 3 of 4 files: below the default share (0.8), listed from one half.
    expect((await similar([...project, ...edited])).overlaps).toEqual([]);
    const found = similarFoldersInCatalog(catalog, [], { minOverlap: 0.5 });
    expect(found.overlaps).toEqual([
      {
        a: {
          folder: '/r/a',
          files: 4,
          bytes: 34,
          sharedFiles: 3,
          sharedBytes: 25,
          only: { files: 1, bytes: 9, paths: ['docs/guide.md'] },
        },
        b: {
          folder: '/backup/a',
          files: 5,
          bytes: 55,
          sharedFiles: 3,
          sharedBytes: 25,
          only: { files: 2, bytes: 30, paths: ['docs/guide.md', 'new.txt'] },
        },
        relation: 'partial',
        nested: false,
        similarity: { files: 6 / 9, bytes: 50 / 89 },
        reclaimable: 25,
      },
    ]);
    // The unchanged subfolder is a duplicate of its own; the changed one is inside the pair above.
    expect(found.duplicates.map((g) => g.folders)).toEqual([['/backup/a/src', '/r/a/src']]);
  });

  it('says "a ⊆ b" when every file of a is in b, under any name', async () => {
    const found = await similar([
      { path: '/r/small/one', content: 'one' },
      { path: '/r/small/two', content: 'two' },
      { path: '/r/big/1', content: 'one' },
      { path: '/r/big/deep/2', content: 'two' },
      { path: '/r/big/3', content: 'three' },
    ]);
    expect(found.overlaps).toHaveLength(1);
    expect(found.overlaps[0]).toMatchObject({
      relation: 'a-in-b',
      a: { folder: '/r/small', only: { files: 0 } },
      b: { folder: '/r/big', only: { files: 1, paths: ['3'] } },
    });
  });

  it('lists only a bounded number of paths per side, with the whole counts', async () => {
    const files: File[] = [
      { path: '/r/a/s1', content: 'shared 1' },
      { path: '/r/a/s2', content: 'shared 2' },
      { path: '/r/b/s1', content: 'shared 1' },
      { path: '/r/b/s2', content: 'shared 2' },
    ];
    for (let i = 0; i < 5; i++) files.push({ path: `/r/b/extra${i}`, content: `extra ${i}` });
    const found = await similar(files, [], { listLimit: 2 });
    expect(found.overlaps[0]!.b.only).toEqual({ files: 5, bytes: 35, paths: ['extra0', 'extra1'] });
  });

  /** A project folder: four files every project has, and its own program. */
  const boilerplate = (i: number): File[] => [
    ...['LICENSE', 'CONTRIBUTING', 'CODE_OF_CONDUCT', 'SECURITY'].map((name) => ({
      path: `/r/p${i}/${name}`,
      content: `the ${name} text`,
    })),
    { path: `/r/p${i}/main`, content: `program ${i}` },
  ];

  it('does not let contents found in very many folders pair them all up', async () => {
    const files: File[] = [];
    for (let i = 0; i < 70; i++) files.push(...boilerplate(i));
    expect((await similar(files)).overlaps).toEqual([]);
  });

  it('pairs folders that share common files when few folders hold them', async () => {
    const files: File[] = [];
    for (let i = 0; i < 3; i++) files.push(...boilerplate(i));
    // Every two of them share four fifths of their files.
    const found = await similar(files);
    expect(found.overlaps.map((o) => [o.a.folder, o.b.folder, o.relation])).toEqual([
      ['/r/p0', '/r/p1', 'partial'],
      ['/r/p0', '/r/p2', 'partial'],
      ['/r/p1', '/r/p2', 'partial'],
    ]);
  });

  it('refuses options out of range with what was expected', async () => {
    await expect(similar([], [], { minOverlap: 0 })).rejects.toThrow(
      'minOverlap: expected a share in (0, 1], received 0',
    );
  });
});
