// The 64-bit DCT perceptual hash of a 32×32 greyscale image, and of its 8 turns and flips from one DCT.
//
// The 2-D DCT-II keeps only the 8×8 lowest frequencies; each bit says whether a coefficient is above their median.
// Mirroring the image left-right multiplies coefficient (u, v) by (-1)^u, top-bottom by (-1)^v, and transposing
// it swaps u and v, so the hashes of all 8 dihedral variants follow from one set of coefficients.
//
// The cosine table holds integers (cosines scaled by 2^14) and the input pixels are integers, so every product
// and sum is an integer below 2^53: exact in doubles, whatever the order of the sums. That makes the variants'
// hashes bit-for-bit the hashes of the transformed pixels (the tests check it), not just close to them.

/** Pixels per side of the image the hash is made from. */
export const HASH_SIDE = 32;
/** Frequencies per side that make the hash (8 × 8 = 64 bits). */
const KEEP = 8;
const SCALE = 1 << 14;

/** A 64-bit hash as two unsigned 32-bit halves (no BigInt on the hot path). */
export interface Hash64 {
  hi: number;
  lo: number;
}

/**
 * The dihedral variants, in the order the fingerprint stores them (the upright image first). Each names what was
 * done to the image: `mirror` left-right, `flip` top-bottom, rotations clockwise.
 */
export const VARIANTS = [
  'upright',
  'mirror',
  'flip',
  'rotate180',
  'transpose',
  'rotate90',
  'rotate270',
  'transverse',
] as const;
export type Variant = (typeof VARIANTS)[number];

// COS[u * 32 + x] = round(2^14 · cos(π (2x + 1) u / 64)), built so that COS[u][31 - x] = (-1)^u COS[u][x] exactly.
const COS = (() => {
  const table = new Float64Array(KEEP * HASH_SIDE);
  for (let u = 0; u < KEEP; u++) {
    for (let x = 0; x < HASH_SIDE / 2; x++) {
      const c = Math.round(SCALE * Math.cos((Math.PI * (2 * x + 1) * u) / (2 * HASH_SIDE)));
      table[u * HASH_SIDE + x] = c;
      table[u * HASH_SIDE + HASH_SIDE - 1 - x] = u % 2 === 0 ? c : -c;
    }
  }
  return table;
})();

/**
 * The 8×8 low-frequency DCT coefficients of a 32×32 image given row by row (integer grey levels, 0..255),
 * as `coefficients[v * 8 + u]` with u the horizontal frequency and v the vertical one (unnormalised).
 */
export function lowFrequencies(pixels: ArrayLike<number>): Float64Array {
  if (pixels.length !== HASH_SIDE * HASH_SIDE) {
    throw new RangeError(`expected ${HASH_SIDE * HASH_SIDE} pixels (32 × 32), received ${pixels.length}`);
  }
  // Rows first: rows[y * 8 + u] = Σx p(x, y) · C(u, x).
  const rows = new Float64Array(HASH_SIDE * KEEP);
  for (let y = 0; y < HASH_SIDE; y++) {
    const base = y * HASH_SIDE;
    for (let u = 0; u < KEEP; u++) {
      const c = u * HASH_SIDE;
      let sum = 0;
      for (let x = 0; x < HASH_SIDE; x++) sum += (pixels[base + x] as number) * (COS[c + x] as number);
      rows[y * KEEP + u] = sum;
    }
  }
  const out = new Float64Array(KEEP * KEEP);
  for (let v = 0; v < KEEP; v++) {
    const c = v * HASH_SIDE;
    for (let u = 0; u < KEEP; u++) {
      let sum = 0;
      for (let y = 0; y < HASH_SIDE; y++) sum += (rows[y * KEEP + u] as number) * (COS[c + y] as number);
      out[v * KEEP + u] = sum;
    }
  }
  return out;
}

/** The pHash of a 32×32 greyscale image (integer grey levels, row by row). */
export function perceptualHash(pixels: ArrayLike<number>): Hash64 {
  return hashOf(lowFrequencies(pixels), 0);
}

/** The pHashes of the image's 8 dihedral variants, in the order of VARIANTS (the upright hash first). */
export function perceptualHashes(pixels: ArrayLike<number>): Hash64[] {
  const coefficients = lowFrequencies(pixels);
  return VARIANTS.map((_, k) => hashOf(coefficients, k));
}

// Variant k of the coefficients: F'[v][u] = sign · F[v][u], or sign · F[u][v] for those that transpose.
// Derivation (N = 32, clockwise rotation): rotate90 is I'(x, y) = I(y, N-1-x): transpose, then mirror.
const TRANSPOSES = [false, false, false, false, true, true, true, true];
const SIGN_U = [false, true, false, true, false, true, false, true]; // times (-1)^u
const SIGN_V = [false, false, true, true, false, false, true, true]; // times (-1)^v

function hashOf(coefficients: Float64Array, k: number): Hash64 {
  const values = new Float64Array(KEEP * KEEP);
  for (let v = 0; v < KEEP; v++) {
    for (let u = 0; u < KEEP; u++) {
      let c = coefficients[TRANSPOSES[k] ? u * KEEP + v : v * KEEP + u] as number;
      if ((SIGN_U[k] && u % 2 === 1) !== (SIGN_V[k] && v % 2 === 1)) c = -c;
      values[v * KEEP + u] = c;
    }
  }
  const sorted = values.slice().sort();
  const median = ((sorted[31] as number) + (sorted[32] as number)) / 2;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) {
    if ((values[i] as number) > median) hi |= 1 << (31 - i);
    if ((values[i + 32] as number) > median) lo |= 1 << (31 - i);
  }
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

/** Set bits in a 32-bit integer. */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Bits that differ between two 64-bit hashes given as halves. */
export function hammingDistance(aHi: number, aLo: number, bHi: number, bLo: number): number {
  return popcount32((aHi ^ bHi) >>> 0) + popcount32((aLo ^ bLo) >>> 0);
}

/** Hashes as 8 bytes each, big-endian (the fingerprint's layout). */
export function hashesToBytes(hashes: readonly Hash64[]): Uint8Array {
  const bytes = new Uint8Array(hashes.length * 8);
  const view = new DataView(bytes.buffer);
  hashes.forEach((h, i) => {
    view.setUint32(i * 8, h.hi);
    view.setUint32(i * 8 + 4, h.lo);
  });
  return bytes;
}

/** Lowercase hex of a hash, 16 digits (for messages and tests). */
export function hashToHex(h: Hash64): string {
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}
