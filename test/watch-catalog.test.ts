import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  renameSync,
  unlinkSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshScan, groupsOf, livePaths, SETTLE, watchedTree } from './helpers/watch.js';
import { scratch } from './helpers/tree.js';

type Tree = Awaited<ReturnType<typeof watchedTree>>;
let trees: Tree[] = [];
const setUp = async (...args: Parameters<typeof watchedTree>) => {
  const tree = await watchedTree(...args);
  trees.push(tree);
  return tree;
};
afterEach(async () => {
  for (const tree of trees) await tree.close();
  trees = [];
});

/** The catalog holds what a full scan of the tree would: the same files, the same groups. */
async function expectCatalogAsScan(tree: Tree) {
  const fresh = await freshScan(tree.root);
  expect(livePaths(tree.catalog, tree.root)).toEqual(fresh.paths);
  expect(groupsOf(tree.catalog)).toEqual(fresh.groups);
}

describe('watchCatalog', () => {
  it('reconciles the catalog with the tree at startup, then holds no timer while idle', async () => {
    const tree = await setUp({ 'a.txt': 'same', 'b.txt': 'same', 'c.txt': 'other' });
    expect(tree.reports).toMatchObject([{ type: 'ready', files: 3, groups: 1, backend: 'fs.watch' }]);
    expect(tree.clock.pendingTimers()).toBe(0);
    await expectCatalogAsScan(tree);
  });

  it('reports a new file that duplicates one the catalog has, with its size and hash, once settled', async () => {
    const tree = await setUp({ 'a.txt': 'hello world' });
    const b = tree.write('b.txt', 'hello world');
    await tree.until(() => tree.treeEvents.some((e) => e.type === 'settling' && e.path === b), 'settling');
    tree.clock.advance(SETTLE - 1);
    await tree.watch.idle();
    expect(tree.of('duplicate')).toEqual([]);
    tree.clock.advance(1);
    await tree.until(() => tree.of('duplicate').length === 1, 'duplicate');
    expect(tree.of('duplicate')[0]).toMatchObject({
      path: b,
      change: 'new',
      size: 11,
      algorithm: 'xxh3',
      duplicates: [tree.path('a.txt')],
    });
    expect(tree.of('duplicate')[0]!.hash).toMatch(/^[0-9a-f]+$/);
    expect(tree.catalog.fileAtPath(b)?.hashes?.full).toBe(tree.of('duplicate')[0]!.hash);
    expect(tree.clock.pendingTimers()).toBe(0);
  });

  it('does not read a new file whose size no other file has', async () => {
    const tree = await setUp({ 'a.txt': 'hello' });
    const b = tree.write('b.txt', 'a longer text');
    await tree.settleAll();
    expect(tree.reports.slice(1)).toEqual([{ type: 'file', path: b, change: 'new', size: 13 }]);
    expect(tree.catalog.fileAtPath(b)?.hashes).toBeUndefined();
  });

  it('burst: 2,000 files written at once are each reported once, and the catalog is what a scan finds', async () => {
    const tree = await setUp({ 'seed.txt': 'content 0000' });
    mkdirSync(tree.path('burst'));
    for (let i = 0; i < 2_000; i++)
      writeFileSync(tree.path(`burst/f${i}.txt`), `content ${String(i % 1000).padStart(4, '0')}`);
    await tree.until(
      () => tree.treeEvents.filter((e) => e.type === 'settling').length >= 2_000,
      '2,000 files settling',
    );
    await tree.settleAll();
    const reported = [...tree.of('duplicate'), ...tree.of('file')].map((r) => r.path);
    expect(reported.length).toBe(2_000);
    expect(new Set(reported).size).toBe(2_000);
    // Every file has a copy: its twin in the burst (and content 0000 the seed too).
    expect(tree.of('duplicate').length).toBe(2_000);
    await expectCatalogAsScan(tree);
    expect(tree.clock.pendingTimers()).toBe(0);
  });

  it('mkdir -p a/b/c and a write: the file is found, though it came before its folder was watched', async () => {
    const tree = await setUp({ 'photo.jpg': 'jpeg bytes' });
    mkdirSync(tree.path('a/b/c'), { recursive: true });
    writeFileSync(tree.path('a/b/c/copy.jpg'), 'jpeg bytes');
    await tree.settleAll();
    expect(tree.of('duplicate')).toMatchObject([
      { path: tree.path('a/b/c/copy.jpg'), duplicates: [tree.path('photo.jpg')] },
    ]);
    await expectCatalogAsScan(tree);
  });

  it('mv of a prepared tree into the root: every file in it is reported', async () => {
    const tree = await setUp({ 'one.txt': 'first file', 'two.txt': 'second file' });
    const outside = scratch();
    try {
      outside.write('import/x/one-copy.txt', 'first file');
      outside.write('import/x/y/two-copy.txt', 'second file');
      outside.write('import/new.txt', 'nothing like it');
      renameSync(outside.path('import'), tree.path('import'));
    } finally {
      outside.remove();
    }
    await tree.settleAll();
    expect(
      tree
        .of('duplicate')
        .map((r) => [r.path, r.duplicates])
        .sort(),
    ).toEqual([
      [tree.path('import/x/one-copy.txt'), [tree.path('one.txt')]],
      [tree.path('import/x/y/two-copy.txt'), [tree.path('two.txt')]],
    ]);
    expect(tree.of('file')).toMatchObject([{ path: tree.path('import/new.txt') }]);
    await expectCatalogAsScan(tree);
  });

  it('delete and recreate the same path: the catalog has the new content, reported against its new copy', async () => {
    const tree = await setUp({ 'x.txt': 'old content', 'y.txt': 'old content', 'z.txt': 'the new content' });
    unlinkSync(tree.path('y.txt'));
    writeFileSync(tree.path('y.txt'), 'the new content');
    await tree.settleAll();
    const y = tree.reports.filter((r) => 'path' in r && r.path === tree.path('y.txt'));
    expect(y.at(-1)).toMatchObject({ type: 'duplicate', duplicates: [tree.path('z.txt')], size: 15 });
    await expectCatalogAsScan(tree);
    expect(groupsOf(tree.catalog)).toEqual([[tree.path('y.txt'), tree.path('z.txt')]]);
  });

  it('a file growing for a while is reported once, when it stopped, with its final size', async () => {
    const tree = await setUp({ 'movie.mp4': 'x'.repeat(500) });
    const path = tree.write('download.mp4', 'x'.repeat(100));
    await tree.until(() => tree.treeEvents.some((e) => e.type === 'settling' && e.path === path), 'settling');
    for (let i = 0; i < 4; i++) {
      tree.clock.advance(SETTLE - 1);
      appendFileSync(path, 'x'.repeat(100));
      tree.clock.advance(1);
    }
    await tree.watch.idle();
    expect(tree.reports.slice(1)).toEqual([]);
    await tree.settleAll();
    expect(tree.reports.slice(1)).toMatchObject([
      { type: 'duplicate', path, size: 500, duplicates: [tree.path('movie.mp4')] },
    ]);
  });

  it('a rename keeps the row and its hashes under the new name, without reading the file', async () => {
    const tree = await setUp({ 'a.txt': 'same bytes', 'b.txt': 'same bytes' });
    const before = tree.catalog.fileAtPath(tree.path('b.txt'))!;
    renameSync(tree.path('b.txt'), tree.path('renamed.txt'));
    await tree.settleAll();
    expect(tree.reports.slice(1)).toEqual([
      { type: 'renamed', from: tree.path('b.txt'), to: tree.path('renamed.txt') },
    ]);
    const after = tree.catalog.fileAtPath(tree.path('renamed.txt'));
    expect(after?.hashes).toEqual(before.hashes);
    expect(after?.ino).toBe(before.ino);
    expect(tree.catalog.fileAtPath(tree.path('b.txt'))).toBeUndefined();
    await expectCatalogAsScan(tree);
  });

  it('a removed file that had a copy is reported as a duplicate gone, with the copies left', async () => {
    const tree = await setUp({ 'a.txt': 'same bytes', 'b.txt': 'same bytes', 'c.txt': 'alone' });
    unlinkSync(tree.path('b.txt'));
    unlinkSync(tree.path('c.txt'));
    await tree.settleAll();
    expect(tree.reports.slice(1)).toEqual([
      expect.objectContaining({
        type: 'duplicate-gone',
        path: tree.path('b.txt'),
        copies: [tree.path('a.txt')],
      }),
      { type: 'removed', path: tree.path('c.txt') },
    ]);
    await expectCatalogAsScan(tree);
  });

  it('git checkout of another branch: the catalog is what a scan of the new work tree finds', async () => {
    const git = (root: string, ...args: string[]) => {
      execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
        cwd: root,
        stdio: 'ignore',
      });
    };
    const tree = await setUp({}, {}, (root) => {
      git(root, 'init', '-q', '-b', 'main');
      for (let i = 0; i < 20; i++) writeFileSync(join(root, `f${i}.txt`), `file ${i}`);
      git(root, 'add', '.');
      git(root, 'commit', '-q', '-m', 'main');
      git(root, 'checkout', '-q', '-b', 'other');
      for (let i = 0; i < 5; i++) unlinkSync(join(root, `f${i}.txt`));
      for (let i = 5; i < 10; i++) writeFileSync(join(root, `f${i}.txt`), `changed ${i}`);
      mkdirSync(join(root, 'sub'));
      for (let i = 10; i < 15; i++) writeFileSync(join(root, `sub/copy${i}.txt`), `file ${i}`);
      git(root, 'add', '-A');
      git(root, 'commit', '-q', '-m', 'other');
      git(root, 'checkout', '-q', 'main');
    });
    git(tree.root, 'checkout', '-q', 'other');
    await tree.settleAll();
    // git's own files under .git settle too; a second window lets what they touched last settle.
    await tree.settleAll();
    await expectCatalogAsScan(tree);
    const copies = tree.of('duplicate').filter((r) => r.path.includes('/sub/'));
    expect(copies.map((r) => r.path).sort()).toEqual(
      [10, 11, 12, 13, 14].map((i) => tree.path(`sub/copy${i}.txt`)),
    );
  });

  it('the watch limit reached (ENOSPC): says it falls back to polling, and still reports new duplicates', async () => {
    const failing = ((path: string, ...rest: unknown[]): FSWatcher => {
      if (path.includes('deep')) {
        throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
          code: 'ENOSPC',
        });
      }
      return (watch as (...a: unknown[]) => FSWatcher)(path, ...rest);
    }) as typeof watch;
    const tree = await setUp(
      { 'a.txt': 'same bytes', 'deep/b.txt': 'other' },
      { watch: failing, pollIntervalMs: 500 },
    );
    expect(tree.reports).toMatchObject([
      { type: 'fallback', root: tree.root, pollIntervalMs: 500 },
      { type: 'ready', backend: 'polling' },
    ]);
    expect(tree.of('fallback')[0]?.reason).toContain('max_user_watches');
    writeFileSync(tree.path('deep/copy.txt'), 'same bytes');
    tree.clock.advance(500); // the poll finds it
    tree.clock.advance(SETTLE); // it settled
    await tree.until(() => tree.of('duplicate').length === 1, 'duplicate');
    expect(tree.of('duplicate')).toMatchObject([
      { path: tree.path('deep/copy.txt'), duplicates: [tree.path('a.txt')] },
    ]);
    await tree.watch.idle();
    await expectCatalogAsScan(tree);
  });
});
