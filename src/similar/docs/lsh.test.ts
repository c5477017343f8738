import { describe, expect, it } from 'vitest';
import { candidateChance, candidatePairs, chooseBanding } from './lsh.js';
import { minhashSignature, SIGNATURE_SIZE } from './minhash.js';
import { jaccard } from './shingles.js';

/** Sets of `size` numbers, the second sharing the first's `shared` first members. */
function overlapping(size: number, shared: number, offset = 0): [Uint32Array, Uint32Array] {
  const a = Uint32Array.from({ length: size }, (_, i) => offset + i * 7919);
  const b = Uint32Array.from({ length: size }, (_, i) => (i < shared ? offset + i * 7919 : 1e9 + offset + i));
  return [a.sort(), b.sort()];
}

describe('minhashSignature', () => {
  it('agrees at about the share of positions that the Jaccard similarity says', () => {
    const [a, b] = overlapping(2000, 1400);
    const j = jaccard(a, b);
    const sa = minhashSignature(a);
    const sb = minhashSignature(b);
    const agree = sa.filter((value, i) => value === sb[i]).length / SIGNATURE_SIZE;
    expect(Math.abs(agree - j)).toBeLessThan(0.15);
  });

  it('is the same for the same set, whatever order it was built in, and all ones for an empty set', () => {
    const [a] = overlapping(50, 50);
    expect(minhashSignature(a)).toEqual(minhashSignature(a.slice().reverse()));
    expect([...minhashSignature(new Uint32Array(), 4)]).toEqual([
      0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
    ]);
    expect(() => minhashSignature(a, 0)).toThrow(RangeError);
  });
});

describe('chooseBanding', () => {
  it('gives a pair at the threshold at least a 0.95 chance to be a candidate, within the signature', () => {
    for (const threshold of [0.2, 0.3, 0.5, 0.7, 0.9, 1]) {
      const banding = chooseBanding(threshold, SIGNATURE_SIZE);
      expect(banding.bands * banding.rows).toBeLessThanOrEqual(SIGNATURE_SIZE);
      expect(candidateChance(threshold, banding)).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('makes dissimilar pairs unlikely candidates at the default threshold', () => {
    const banding = chooseBanding(0.5, SIGNATURE_SIZE);
    expect(banding).toEqual({ bands: 35, rows: 3 });
    expect(candidateChance(0.1, banding)).toBeLessThan(0.05);
  });

  it('falls back to one row per band when no banding reaches the recall', () => {
    expect(chooseBanding(0.001, 16)).toEqual({ bands: 16, rows: 1 });
  });
});

describe('candidatePairs', () => {
  it('proposes the similar pairs once each, and not the unrelated ones', () => {
    const [a, b] = overlapping(500, 450);
    const [c] = overlapping(500, 0, 5_000_000);
    const signatures = [a, c, b, a].map((set) => minhashSignature(set));
    const pairs = candidatePairs(signatures, chooseBanding(0.5, SIGNATURE_SIZE));
    expect(pairs.map((p) => p.join('-')).sort()).toEqual(['0-2', '0-3', '2-3']);
  });
});
