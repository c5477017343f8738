import { describe, expect, it } from 'vitest';
import { compareManifests, manifestGroups } from './compare-manifests.js';
import type { Manifest, ManifestEntry } from './manifest.js';

const entry = (
  path: string,
  size: number,
  hash: string,
  extra: Partial<ManifestEntry> = {},
): ManifestEntry => ({
  path,
  size,
  mtimeNs: 1n,
  hash,
  ...extra,
});
const manifest = (...entries: ManifestEntry[]): Manifest => ({
  header: { algorithm: 'xxh3', createdAt: '2026-01-01T00:00:00.000Z', root: 'r' },
  entries,
});

describe('compareManifests', () => {
  it('walks both in path byte order: only in one, differing, the same with another mtime', () => {
    const a = manifest(
      entry('a', 1, '01'),
      entry('b', 2, '02'),
      entry('c', 3, '03'),
      entry('\u{e000}', 1, '01'),
    );
    const b = manifest(
      entry('b', 2, '02', { mtimeNs: 2n }),
      entry('c', 3, '04'),
      entry('d', 4, '04'),
      entry('\u{10000}', 1, '01'),
    );
    const c = compareManifests(a, b);
    expect(c.onlyA.map((e) => e.path)).toEqual(['a', '\u{e000}']);
    expect(c.onlyB.map((e) => e.path)).toEqual(['d', '\u{10000}']);
    expect(c.differ.map((p) => p.path)).toEqual(['c']);
    expect(c.same).toBe(1);
    expect(c.retimed.map((p) => p.path)).toEqual(['b']);
  });
});

describe('manifestGroups', () => {
  it('groups by size and hash across manifests, hard links as one member, empty files only when asked', () => {
    const a = manifest(
      entry('x', 5, 'aa', { link: 1 }),
      entry('x-link', 5, 'aa', { link: 1 }),
      entry('e', 0, 'ee'),
      entry('lone', 5, 'bb'),
    );
    const b = manifest(
      entry('y', 5, 'aa'),
      entry('e', 0, 'ee'),
      entry('links-only', 7, 'cc', { link: 1 }),
      entry('links-only2', 7, 'cc', { link: 1 }),
    );
    expect(manifestGroups([a, b])).toEqual([
      {
        size: 5,
        hash: 'aa',
        members: [
          { manifest: 0, paths: ['x', 'x-link'] },
          { manifest: 1, paths: ['y'] },
        ],
      },
    ]);
    expect(manifestGroups([a, b], true).map((g) => g.size)).toEqual([5, 0]);
  });
});
