// The two views of a picture a fingerprint hashes: the whole picture, and its centre with 5 % cut from each side
// (what a slightly cropped copy shows), both 32 × 32 grey, made from one 128 × 128 decode.
import { HASH_SIDE } from './phash.js';

/** Pixels per side of the grey picture sharp makes, from which both views are taken. */
export const DECODE_SIDE = 128;
/** The share of each side the centre view keeps. */
export const CENTRE = 0.9;

/** The whole picture: 4 × 4 averages of the decode, as integers. */
export function wholeView(decoded: Uint8Array): Uint8Array {
  const step = DECODE_SIDE / HASH_SIDE;
  const out = new Uint8Array(HASH_SIDE * HASH_SIDE);
  for (let y = 0; y < HASH_SIDE; y++) {
    for (let x = 0; x < HASH_SIDE; x++) {
      let sum = 0;
      for (let dy = 0; dy < step; dy++) {
        for (let dx = 0; dx < step; dx++) sum += decoded[(y * step + dy) * DECODE_SIDE + x * step + dx]!;
      }
      out[y * HASH_SIDE + x] = Math.round(sum / (step * step));
    }
  }
  return out;
}

/** The centre (CENTRE of each side), each of its 32 × 32 pixels the average of the decode's pixels it covers. */
export function centreView(decoded: Uint8Array): Uint8Array {
  const start = (DECODE_SIDE * (1 - CENTRE)) / 2;
  const span = (DECODE_SIDE * CENTRE) / HASH_SIDE;
  const out = new Uint8Array(HASH_SIDE * HASH_SIDE);
  for (let y = 0; y < HASH_SIDE; y++) {
    const [y0, y1] = [start + y * span, start + (y + 1) * span];
    for (let x = 0; x < HASH_SIDE; x++) {
      const [x0, x1] = [start + x * span, start + (x + 1) * span];
      let sum = 0;
      let weight = 0;
      for (let sy = Math.floor(y0); sy < Math.ceil(y1); sy++) {
        const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        for (let sx = Math.floor(x0); sx < Math.ceil(x1); sx++) {
          const w = wy * (Math.min(x1, sx + 1) - Math.max(x0, sx));
          sum += w * decoded[sy * DECODE_SIDE + sx]!;
          weight += w;
        }
      }
      out[y * HASH_SIDE + x] = Math.round(sum / weight);
    }
  }
  return out;
}
