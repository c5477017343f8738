import { describe, expect, it } from 'vitest';
import { checkTree } from './check-tree.js';
import type { ManifestEntry } from './manifest.js';
import type { TreeFile } from './tree-files.js';

const listed = (path: string, size = 1, hash = 'aa', mtimeNs = 5n): ManifestEntry => ({
  path,
  size,
  mtimeNs,
  hash,
});
const found = (path: string, size = 1, hash: string | undefined = 'aa', mtimeNs = 5n): TreeFile => ({
  path,
  size,
  mtimeNs,
  hash,
  dev: 1n,
  ino: 1n,
  ctimeNs: 0n,
});

describe('checkTree', () => {
  it('tells missing, extra, changed (size or mtime), corrupted and unreadable apart, in path order', () => {
    const result = checkTree(
      [listed('a'), listed('b'), listed('c'), listed('d'), listed('e'), listed('g')],
      [
        found('a'),
        found('c', 2),
        found('d', 1, 'bb'),
        { ...found('e'), hash: undefined },
        found('f'),
        found('g', 1, 'aa', 6n),
      ],
    );
    expect(result.matched).toBe(1);
    expect(result.differences.map((d) => `${d.kind} ${String(d.path)}`)).toEqual([
      'missing b',
      'changed c',
      'corrupted d',
      'unreadable e',
      'extra f',
      'changed g',
    ]);
  });

  it('orders by bytes, not by UTF-16 code units', () => {
    const result = checkTree(
      [listed('\u{e000}'), listed('\u{10000}')],
      [found('\u{e000}'), found('\u{10000}')],
    );
    expect(result.differences).toEqual([]);
  });
});
