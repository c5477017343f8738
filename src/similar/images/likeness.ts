// How alike two pictures look, pixel by pixel, once their hashes say they may be: the Pearson correlation of two
// 16 × 16 grey thumbnails (the hash's own 32 × 32 input, averaged 2 × 2). It does not care about brightness or
// contrast (a brightened or greyscale copy correlates near 1) and little about a caption or a slight crop, but two
// different shots of one scene (another angle of a calibration board, the next frame) fall well below.
import { HASH_SIDE } from './phash.js';

/** Pixels per side of the thumbnail a fingerprint keeps. */
export const THUMB_SIDE = 16;
export const THUMB_BYTES = THUMB_SIDE * THUMB_SIDE;

/** The 32 × 32 grey picture the hash is made from, averaged 2 × 2 down to 16 × 16. */
export function thumbnailOf(pixels: ArrayLike<number>): Uint8Array {
  const thumb = new Uint8Array(THUMB_BYTES);
  for (let y = 0; y < THUMB_SIDE; y++) {
    for (let x = 0; x < THUMB_SIDE; x++) {
      const at = 2 * y * HASH_SIDE + 2 * x;
      const sum = pixels[at]! + pixels[at + 1]! + pixels[at + HASH_SIDE]! + pixels[at + HASH_SIDE + 1]!;
      thumb[y * THUMB_SIDE + x] = Math.round(sum / 4);
    }
  }
  return thumb;
}

/** For each of the 8 turns and flips, where each pixel of the turned thumbnail comes from. */
const TURNS: readonly Uint16Array[] = (() => {
  const n = THUMB_SIDE - 1;
  const maps: ((x: number, y: number) => [number, number])[] = [
    (x, y) => [x, y],
    (x, y) => [n - x, y],
    (x, y) => [x, n - y],
    (x, y) => [n - x, n - y],
    (x, y) => [y, x],
    (x, y) => [y, n - x],
    (x, y) => [n - y, x],
    (x, y) => [n - y, n - x],
  ];
  return maps.map((map) => {
    const from = new Uint16Array(THUMB_BYTES);
    for (let y = 0; y < THUMB_SIDE; y++) {
      for (let x = 0; x < THUMB_SIDE; x++) {
        const [sx, sy] = map(x, y);
        from[y * THUMB_SIDE + x] = sy * THUMB_SIDE + sx;
      }
    }
    return from;
  });
})();

/**
 * The correlation (-1..1) of thumbnail `a` with `b` as it is, or with the best of `b`'s 8 turns and flips when
 * `turns`. Two flat thumbnails are alike (1); a flat one and another are not (0).
 */
export function likeness(a: Uint8Array, b: Uint8Array, turns: boolean): number {
  const sa = stats(a);
  const sb = stats(b);
  if (sa.spread === 0 || sb.spread === 0) return sa.spread === sb.spread ? 1 : 0;
  let best = -1;
  for (const from of turns ? TURNS : TURNS.slice(0, 1)) {
    let sum = 0;
    for (let i = 0; i < THUMB_BYTES; i++) sum += (a[i]! - sa.mean) * (b[from[i]!]! - sb.mean);
    best = Math.max(best, sum / (sa.spread * sb.spread));
  }
  return best;
}

function stats(t: Uint8Array): { mean: number; spread: number } {
  let sum = 0;
  for (let i = 0; i < THUMB_BYTES; i++) sum += t[i]!;
  const mean = sum / THUMB_BYTES;
  let squares = 0;
  for (let i = 0; i < THUMB_BYTES; i++) squares += (t[i]! - mean) ** 2;
  return { mean, spread: Math.sqrt(squares) };
}
