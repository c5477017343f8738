// A watched tree that holds a quarantine: files an apply sets aside there (`.nodupe-quarantine` at the top of a
// file system, or a run's --quarantine folder) are gone from the user's files, never renamed into the catalog,
// where a later plan could keep the quarantined copy and remove the real one.
import { mkdirSync, renameSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { livePaths, watchedTree } from './helpers/watch.js';

type Tree = Awaited<ReturnType<typeof watchedTree>>;
const trees: Tree[] = [];
afterEach(async () => {
  for (const tree of trees.splice(0)) await tree.close();
});

describe('nodupe watch and the quarantine', () => {
  it('takes a file moved into .nodupe-quarantine as gone, and never catalogs what is in there', async () => {
    const tree = await watchedTree({ 'a.txt': 'same bytes', 'b.txt': 'same bytes' }, {}, (root) => {
      mkdirSync(`${root}/.nodupe-quarantine/user-0`, { recursive: true });
    });
    trees.push(tree);
    renameSync(tree.path('b.txt'), tree.path('.nodupe-quarantine/user-0/b.txt'));
    tree.write('.nodupe-quarantine/user-0/other.txt', 'same bytes');
    await tree.settleAll();
    expect(tree.reports.slice(1)).toEqual([
      expect.objectContaining({
        type: 'duplicate-gone',
        path: tree.path('b.txt'),
        copies: [tree.path('a.txt')],
      }),
    ]);
    expect(livePaths(tree.catalog, tree.root)).toEqual([tree.path('a.txt')]);
  });

  it('takes a run’s --quarantine folder in the tree as nodupe’s, from the next batch of events on', async () => {
    const tree = await watchedTree({ 'a.txt': 'same bytes', 'b.txt': 'same bytes' }, {}, (root) => {
      mkdirSync(`${root}/set-aside`);
    });
    trees.push(tree);
    // An apply starts with --quarantine inside the watched tree, and moves b.txt there.
    tree.catalog.journal().startRun('plan-1', '{}', 1000, { quarantineDir: tree.path('set-aside') });
    renameSync(tree.path('b.txt'), tree.path('set-aside/b.txt'));
    await tree.settleAll();
    expect(tree.reports.slice(1)).toEqual([
      expect.objectContaining({ type: 'duplicate-gone', path: tree.path('b.txt') }),
    ]);
    expect(livePaths(tree.catalog, tree.root)).toEqual([tree.path('a.txt')]);
  });
});
