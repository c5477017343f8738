import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bruteForcePairs, findSimilarPairs, indexedPairs } from './hamming-index.js';
import { hashesToBytes, type Hash64 } from './phash.js';
import { DEFAULT_SIMILARITY, SIMILARITY_PRESETS } from './presets.js';

/** A small deterministic generator (mulberry32), so the large cases are the same on every run. */
function random32(seed: number): () => number {
  let x = seed | 0;
  return () => {
    x = (x + 0x6d2b79f5) | 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The hash with `bits` distinct bits flipped. */
function flip(h: Hash64, bits: number, next: () => number): Hash64 {
  let { hi, lo } = h;
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(next() % 64);
  for (const bit of chosen) {
    if (bit < 32) hi ^= 1 << bit;
    else lo ^= 1 << (bit - 32);
  }
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

const hash = fc.record({ hi: fc.nat({ max: 0xffffffff }), lo: fc.nat({ max: 0xffffffff }) });

/** Fingerprints of 1 or 8 hashes, many of them a few bits from an earlier one's hashes (clusters). */
const clustered = fc
  .record({
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    bases: fc.array(fc.array(hash, { minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 12 }),
    copies: fc.nat({ max: 60 }),
    single: fc.boolean(),
  })
  .map(({ seed, bases, copies, single }) => {
    const next = random32(seed);
    const items: Hash64[][] = bases.map((b) => (single ? b.slice(0, 1) : b));
    for (let c = 0; c < copies; c++) {
      const from = items[next() % items.length]!;
      // A copy's upright hash is near one of the original's variants (it was turned or flipped), or near its upright.
      const turned = from[next() % from.length]!;
      const upright = flip(turned, next() % 14, next);
      items.push(single ? [upright] : [upright, ...from.slice(1).map((h) => flip(h, next() % 14, next))]);
    }
    return items.map(hashesToBytes);
  });

describe('findSimilarPairs', () => {
  it('finds the same pairs with the index as by comparing all of them (random and clustered)', () => {
    fc.assert(
      fc.property(clustered, fc.integer({ min: 0, max: 16 }), (fingerprints, t) => {
        expect(indexedPairs(fingerprints, t).pairs).toEqual(bruteForcePairs(fingerprints, t));
        expect(findSimilarPairs(fingerprints, t)).toEqual(bruteForcePairs(fingerprints, t));
      }),
      { numRuns: 150 },
    );
  });

  it('measures a pair by the nearer direction, either way round', () => {
    const a: Hash64 = { hi: 0xffff0000, lo: 0x0000ffff };
    const b: Hash64 = { hi: 0x0000ffff, lo: 0xffff0000 };
    // b's upright is a's mirror variant (exactly), but a's variants are far from b's upright... only one way holds.
    const first = hashesToBytes([a, b]);
    const second = hashesToBytes([b]);
    expect(bruteForcePairs([first, second], 0)).toEqual([{ a: 0, b: 1, distance: 0, score: 1 }]);
    expect(bruteForcePairs([second, first], 0)).toEqual([{ a: 0, b: 1, distance: 0, score: 1 }]);
    expect(indexedPairs([second, first], 0).pairs).toEqual([{ a: 0, b: 1, distance: 0, score: 1 }]);
  });

  it('scores a pair 1 - distance / 64 and leaves out pairs beyond the distance', () => {
    const a: Hash64 = { hi: 0, lo: 0 };
    const b: Hash64 = { hi: 0xff, lo: 0 };
    const c: Hash64 = { hi: 0xffffffff, lo: 0xffffffff };
    expect(
      findSimilarPairs(
        [a, b, c].map((h) => hashesToBytes([h])),
        8,
      ),
    ).toEqual([{ a: 0, b: 1, distance: 8, score: 0.875 }]);
  });

  it('refuses a distance out of range and a fingerprint of the wrong size', () => {
    expect(() => findSimilarPairs([], 65)).toThrow(/0 to 64 bits, received 65/);
    expect(() => findSimilarPairs([new Uint8Array(12)], 4)).toThrow(/received 12 bytes/);
    expect(findSimilarPairs([], 8)).toEqual([]);
  });

  it('finds planted near-duplicates among 100 000 hashes without comparing all pairs', () => {
    const next = random32(13);
    const n = 100_000;
    const hashes: Hash64[] = [];
    for (let i = 0; i < n - 1000; i++) hashes.push({ hi: next(), lo: next() });
    // 1000 copies, each 0..8 bits from one of the first 1000 hashes.
    for (let i = 0; i < 1000; i++) hashes.push(flip(hashes[i]!, i % 9, next));
    const { pairs, comparisons } = indexedPairs(
      hashes.map((h) => hashesToBytes([h])),
      8,
    );
    const found = new Set(pairs.map((p) => `${p.a}-${p.b}`));
    const missed = Array.from({ length: 1000 }, (_, i) => `${i}-${n - 1000 + i}`).filter(
      (key) => !found.has(key),
    );
    expect(missed).toEqual([]);
    expect(pairs.filter((p) => p.distance > 8)).toEqual([]);
    // All pairs would be 5·10⁹ comparisons; the index measures about as many as it finds.
    expect(comparisons).toBeLessThan(2 * pairs.length + 100);
  });

  it('compares about as many pairs as it finds, at 2 000 and at 20 000 images (not n²)', () => {
    const run = (n: number) => {
      const next = random32(n);
      const fingerprints: Uint8Array[] = [];
      for (let i = 0; i < n; i++) {
        const hashes = Array.from({ length: 8 }, () => ({ hi: next(), lo: next() }));
        // Every tenth image is a turned copy of the one before it: its upright hash near that one's variant 5.
        if (i % 10 === 9) hashes[0] = flip(hashesOf(fingerprints[i - 1]!)[5]!, 3, next);
        fingerprints.push(hashesToBytes(hashes));
      }
      return indexedPairs(fingerprints, 8);
    };
    for (const n of [2000, 20_000]) {
      const { pairs, comparisons } = run(n);
      expect(pairs.length).toBeGreaterThanOrEqual(n / 10);
      expect(comparisons).toBeLessThan(3 * pairs.length);
    }
  });
});

function hashesOf(bytes: Uint8Array): Hash64[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 8 }, (_, k) => ({
    hi: view.getUint32(k * 8),
    lo: view.getUint32(k * 8 + 4),
  }));
}

describe('SIMILARITY_PRESETS', () => {
  it('widens from exact to low, each a distance the index takes, medium by default', () => {
    const distances = Object.values(SIMILARITY_PRESETS);
    expect(distances).toEqual([...distances].sort((x, y) => x - y));
    expect(SIMILARITY_PRESETS.exact).toBe(0);
    expect(SIMILARITY_PRESETS[DEFAULT_SIMILARITY]).toBe(8);
    const a = hashesToBytes([{ hi: 0, lo: 0 }]);
    const b = hashesToBytes([{ hi: 0x3f, lo: 0 }]); // 6 bits apart
    expect(findSimilarPairs([a, b], SIMILARITY_PRESETS.high)).toEqual([]);
    expect(findSimilarPairs([a, b], SIMILARITY_PRESETS.medium)).toHaveLength(1);
  });
});
