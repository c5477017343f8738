import { describe, expect, it } from 'vitest';
import type { CatalogFile } from '../catalog/store.js';
import { groupSimilar, type SimilarityIndex } from './group-similar.js';

/** Fingerprints of one byte; two are as far apart as their values. */
const byValue: SimilarityIndex = {
  pairs(prints, threshold) {
    const out = [];
    for (let a = 0; a < prints.length; a++) {
      for (let b = a + 1; b < prints.length; b++) {
        const { distance, score } = this.compare(prints[a]!, prints[b]!);
        if (distance <= threshold) out.push({ a, b, distance, score });
      }
    }
    return out;
  },
  compare: (a, b) => {
    const distance = Math.abs(a[0]! - b[0]!);
    return { distance, score: 1 - distance / 255 };
  },
};

let id = 1;
const file = (path: string, size: number, ino: bigint, mtimeNs = 5n): CatalogFile => ({
  id: id++,
  path,
  dev: 1n,
  ino,
  size,
  mtimeNs,
  ctimeNs: mtimeNs,
  hashes: undefined,
});
const print = (f: CatalogFile, value: number) => ({ file: f, fingerprint: new Uint8Array([value]) });

describe('grouping near-duplicates', () => {
  it('joins files within the threshold, and theirs, keeping the largest first, with each distance to it', () => {
    const groups = groupSimilar(
      [
        print(file('/p/small.jpg', 100, 1n), 10),
        print(file('/p/large.jpg', 900, 2n), 12),
        // Within 2 of small.jpg, 4 from large.jpg: in the group through small.jpg.
        print(file('/p/chain.jpg', 50, 3n), 8),
        print(file('/p/far.jpg', 700, 4n), 40),
        print(file('/q/a.png', 300, 5n), 100),
        print(file('/q/b.png', 300, 6n, 4n), 100),
      ],
      byValue,
      2,
    );
    // The most to reclaim first.
    expect(groups.map((g) => g.reclaimable)).toEqual([300, 150]);
    expect(groups.map((g) => g.members.map((m) => [m.file.paths[0], m.distance]))).toEqual([
      // Equal sizes: the older first.
      [
        ['/q/b.png', 0],
        ['/q/a.png', 0],
      ],
      [
        ['/p/large.jpg', 0],
        ['/p/small.jpg', 2],
        ['/p/chain.jpg', 4],
      ],
    ]);
  });

  it('counts hard links of one file as one member, never a near-duplicate of itself', () => {
    const groups = groupSimilar(
      [print(file('/p/a.jpg', 10, 1n), 1), print(file('/p/a-link.jpg', 10, 1n), 1)],
      byValue,
      5,
    );
    expect(groups).toEqual([]);
    const withOther = groupSimilar(
      [
        print(file('/p/a.jpg', 10, 1n), 1),
        print(file('/p/a-link.jpg', 10, 1n), 1),
        print(file('/p/b.jpg', 5, 2n), 3),
      ],
      byValue,
      5,
    );
    expect(withOther[0]!.members.map((m) => m.file.paths)).toEqual([
      ['/p/a-link.jpg', '/p/a.jpg'],
      ['/p/b.jpg'],
    ]);
    expect(withOther[0]!.reclaimable).toBe(5);
  });
});
