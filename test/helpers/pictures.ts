import sharp from 'sharp';

/**
 * A 320 × 240 PNG with something to see, placed by `seed`: a gradient, a bright disc off centre, a dark bar. Two
 * seeds make pictures far apart for every detector; edited copies (sharp: resize, recompress, rotate) stay close.
 */
export function picture(seed: number): Promise<Buffer> {
  const [w, h] = [320, 240];
  const pixels = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const inDisc = (x - 80 - seed * 37) ** 2 + (y - 90 - seed * 11) ** 2 < 45 ** 2;
      const inBar = x > 200 - seed * 23 && x < 240 - seed * 23;
      const base = ((x * (seed + 1) + y * 2) / 3) % 256;
      pixels[i] = inDisc ? 250 : inBar ? 10 : base;
      pixels[i + 1] = inDisc ? 240 : inBar ? 20 : (base + seed * 40) % 256;
      pixels[i + 2] = inDisc ? 30 : inBar ? 200 : 255 - base;
    }
  }
  return sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}
