import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HASH_SIDE,
  hammingDistance,
  hashesToBytes,
  hashToHex,
  lowFrequencies,
  perceptualHash,
  perceptualHashes,
  popcount32,
  VARIANTS,
  type Variant,
} from './phash.js';

const N = HASH_SIDE;

/** The image's pixels turned or flipped as the variant names it (clockwise rotations). */
function transform(pixels: Uint8Array, variant: Variant): Uint8Array {
  const out = new Uint8Array(N * N);
  const at = (x: number, y: number) => pixels[y * N + x] as number;
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const source: Record<Variant, () => number> = {
        upright: () => at(x, y),
        mirror: () => at(N - 1 - x, y),
        flip: () => at(x, N - 1 - y),
        rotate180: () => at(N - 1 - x, N - 1 - y),
        transpose: () => at(y, x),
        rotate90: () => at(y, N - 1 - x),
        rotate270: () => at(N - 1 - y, x),
        transverse: () => at(N - 1 - y, N - 1 - x),
      };
      out[y * N + x] = source[variant]();
    }
  }
  return out;
}

function gradientWithBlob(): Uint8Array {
  const pixels = new Uint8Array(N * N);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const blob = (x - 8) ** 2 + (y - 20) ** 2 < 30 ? 120 : 0;
      pixels[y * N + x] = Math.min(255, x * 3 + y * 2 + blob);
    }
  }
  return pixels;
}

const randomImage = fc.uint8Array({ minLength: N * N, maxLength: N * N });

describe('perceptualHashes', () => {
  it('gives each dihedral variant the hash of the actually turned or flipped pixels', () => {
    fc.assert(
      fc.property(randomImage, (pixels) => {
        const variants = perceptualHashes(pixels);
        VARIANTS.forEach((variant, k) => {
          expect(hashToHex(variants[k]!), variant).toBe(
            hashToHex(perceptualHash(transform(pixels, variant))),
          );
        });
      }),
      { numRuns: 40 },
    );
  });

  it('tells the variants of an asymmetric picture apart (a rotation is not the same picture)', () => {
    const hashes = perceptualHashes(gradientWithBlob());
    const upright = hashes[0]!;
    for (const other of hashes.slice(1)) {
      expect(hammingDistance(upright.hi, upright.lo, other.hi, other.lo)).toBeGreaterThan(10);
    }
  });

  it('keeps the hash of a slightly noisy copy within a few bits', () => {
    const pixels = gradientWithBlob();
    const noisy = pixels.map((p, i) => Math.max(0, Math.min(255, p + ((i * 7919) % 9) - 4)));
    const a = perceptualHash(pixels);
    const b = perceptualHash(noisy);
    expect(hammingDistance(a.hi, a.lo, b.hi, b.lo)).toBeLessThanOrEqual(2);
  });

  it('hashes every flat image alike (only the mean-brightness bit set) and refuses a wrong pixel count', () => {
    expect(hashToHex(perceptualHash(new Uint8Array(N * N).fill(77)))).toBe('8000000000000000');
    expect(hashToHex(perceptualHash(new Uint8Array(N * N).fill(250)))).toBe('8000000000000000');
    expect(() => lowFrequencies(new Uint8Array(100))).toThrow(/expected 1024 pixels/);
  });

  it('accepts grey levels as a Float64Array', () => {
    const pixels = gradientWithBlob();
    expect(perceptualHash(Float64Array.from(pixels))).toEqual(perceptualHash(pixels));
  });
});

describe('hamming helpers', () => {
  it('counts bits like a plain loop', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        let slow = 0;
        for (let i = 0; i < 32; i++) slow += (x >>> i) & 1;
        expect(popcount32(x)).toBe(slow);
      }),
    );
    expect(hammingDistance(0xffffffff, 0, 0, 0xffffffff)).toBe(64);
    expect(hammingDistance(5, 5, 5, 5)).toBe(0);
  });

  it('writes hashes big-endian, 8 bytes each', () => {
    const bytes = hashesToBytes([{ hi: 0x01020304, lo: 0xa0b0c0d0 }]);
    expect([...bytes]).toEqual([1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0]);
  });
});
