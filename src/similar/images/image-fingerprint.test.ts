import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { deflateSync, crc32 } from 'node:zlib';
import { findSimilarPairs } from './hamming-index.js';
import { fingerprint, IMAGE_EXTENSIONS } from './image-fingerprint.js';
import { hammingDistance } from './phash.js';

const W = 240;
const H = 160;

/** A picture no turn or flip leaves alike: a gradient, shapes placed off-centre, a little noise. */
function picture(seed: number): { data: Buffer; raw: { width: number; height: number; channels: 3 } } {
  const data = Buffer.alloc(W * H * 3);
  let noise = seed * 7919;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      noise = (noise * 1103515245 + 12345) & 0x7fffffff;
      const disc = (x - 60 - seed * 40) ** 2 + (y - 50) ** 2 < 900;
      const bar = x > 150 && x < 210 && y > 90 + seed * 10 && y < 140;
      const base = seed % 2 === 0 ? x + y / 2 : 255 - y - x / 3;
      const value = disc ? 240 : bar ? 20 : base;
      const i = (y * W + x) * 3;
      data[i] = clamp(value + (noise % 11) - 5);
      data[i + 1] = clamp(value * 0.8 + 30);
      data[i + 2] = clamp(255 - value);
    }
  }
  return { data, raw: { width: W, height: H, channels: 3 } };
}

function clamp(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

function image(seed = 0) {
  const { data, raw } = picture(seed);
  return sharp(data, { raw });
}

async function hashesOf(bytes: Uint8Array, name = 'picture.jpg'): Promise<Uint8Array> {
  const made = await fingerprint(bytes, name);
  if ('problem' in made) throw new Error(made.problem);
  // The 8 hashes; the thumbnail after them is checked apart.
  return made.fingerprint.subarray(0, 64);
}

/** Bits apart between the upright hashes only (no turn or flip allowed). */
function uprightDistance(a: Uint8Array, b: Uint8Array): number {
  const x = new DataView(a.buffer, a.byteOffset);
  const y = new DataView(b.buffer, b.byteOffset);
  return hammingDistance(x.getUint32(0), x.getUint32(4), y.getUint32(0), y.getUint32(4));
}

/** Bits apart as the index measures them (turns and flips allowed). */
function distance(a: Uint8Array, b: Uint8Array): number {
  return findSimilarPairs([a, b], 64)[0]!.distance;
}

describe('fingerprint', () => {
  it('makes 8 hashes of 8 bytes from a picture in every format it lists, alike across formats', async () => {
    const png = await hashesOf(await image().png().toBuffer(), 'a.png');
    expect(png).toHaveLength(64);
    const encoded: Record<string, Buffer> = {
      jpg: await image().jpeg({ quality: 90 }).toBuffer(),
      webp: await image().webp({ quality: 90 }).toBuffer(),
      gif: await image().gif().toBuffer(),
      tiff: await image().tiff().toBuffer(),
      avif: await image().avif({ quality: 70, effort: 0 }).toBuffer(),
    };
    for (const [format, bytes] of Object.entries(encoded)) {
      expect(uprightDistance(png, await hashesOf(bytes, `a.${format}`)), format).toBeLessThanOrEqual(6);
    }
  });

  it('finds a resized and recompressed copy near, a different picture far', async () => {
    const original = await hashesOf(await image().jpeg({ quality: 95 }).toBuffer());
    const smaller = await hashesOf(await image().resize(120).jpeg({ quality: 40 }).toBuffer());
    const other = await hashesOf(await image(1).jpeg({ quality: 95 }).toBuffer());
    expect(uprightDistance(original, smaller)).toBeLessThanOrEqual(4);
    expect(distance(original, other)).toBeGreaterThan(16);
  });

  it('matches a mirrored and a turned copy through the variants, not through the upright hash', async () => {
    const original = await hashesOf(await image().png().toBuffer());
    const turnedPixels = await image().rotate(90).png().toBuffer();
    for (const copy of [await image().flop().png().toBuffer(), turnedPixels]) {
      const hashes = await hashesOf(copy);
      expect(uprightDistance(original, hashes)).toBeGreaterThan(16);
      expect(distance(original, hashes)).toBeLessThanOrEqual(2);
    }
  });

  it('applies the EXIF orientation: turned pixels tagged to be shown upright hash as the upright picture', async () => {
    const upright = await hashesOf(await image().jpeg({ quality: 92 }).toBuffer());
    // Orientation 6: the viewer turns the pixels 90° clockwise; so store them turned 90° the other way.
    const stored = await sharp(await image().rotate(270).png().toBuffer())
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 92 })
      .toBuffer();
    expect((await sharp(stored).metadata()).orientation).toBe(6);
    expect(uprightDistance(upright, await hashesOf(stored))).toBeLessThanOrEqual(2);
  });

  it('takes the first frame of an animated GIF', async () => {
    const first = picture(0);
    const second = picture(1);
    const frames = Buffer.concat([first.data, second.data]);
    const gif = await sharp(frames, { raw: { width: W, height: 2 * H, channels: 3, pageHeight: H } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const still = await hashesOf(await image(0).gif().toBuffer(), 'a.gif');
    expect(uprightDistance(await hashesOf(gif, 'anim.gif'), still)).toBeLessThanOrEqual(2);
  });

  it('sees a white drawing on a transparent ground (it does not vanish into white)', async () => {
    const rgba = Buffer.alloc(W * H * 4);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 4;
        rgba.fill(255, i, i + 3);
        rgba[i + 3] = x < 80 && y < 100 ? 255 : 0;
      }
    }
    const png = await sharp(rgba, { raw: { width: W, height: H, channels: 4 } })
      .png()
      .toBuffer();
    const flat = await hashesOf(
      await sharp({ create: { width: W, height: H, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
    );
    expect(uprightDistance(await hashesOf(png, 'drawing.png'), flat)).toBeGreaterThan(10);
  });

  it('says why a file cannot be fingerprinted, and never throws', async () => {
    const jpeg = await image().jpeg().toBuffer();
    expect(await fingerprint(new Uint8Array(0), 'empty.jpg')).toEqual({ problem: 'the file is empty' });
    const notImage = await fingerprint(new TextEncoder().encode('hello, not a picture'), 'note.jpg');
    expect(notImage).toEqual({
      problem: expect.stringMatching(/^not an image format sharp can decode \(\.jpg\): /) as unknown,
    });
    const broken = Buffer.from(jpeg);
    broken.fill(0, 2, 400);
    expect(await fingerprint(broken, 'broken.jpg')).toEqual({
      problem: expect.stringMatching(/^the image cannot be decoded: |^not an image format/) as unknown,
    });
    expect(await fingerprint(hugePngHeader(20_000, 20_000), 'huge.png')).toEqual({
      problem: expect.stringMatching(/^the image has too many pixels \(more than 268,402,689\)/) as unknown,
    });
  });

  it('reports a truncated file as cut short rather than compare its grey-filled rest', async () => {
    const jpeg = await image().jpeg({ quality: 90 }).toBuffer();
    expect(await fingerprint(jpeg.subarray(0, Math.floor(jpeg.length * 0.9)), 'cut.jpg')).toEqual({
      problem: expect.stringMatching(
        /^the image is cut short \(a truncated file\): .*premature end/,
      ) as unknown,
    });
  });

  it('lists only extensions that sharp here reads from memory', () => {
    expect(IMAGE_EXTENSIONS).toEqual(
      expect.arrayContaining(['jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif']),
    );
    const readable = new Set(
      Object.values(
        sharp.format as unknown as Record<string, { input: { buffer: boolean; fileSuffix?: string[] } }>,
      )
        .filter((f) => f.input.buffer)
        .flatMap((f) => (f.input.fileSuffix ?? []).map((s: string) => s.slice(1))),
    );
    expect(IMAGE_EXTENSIONS.filter((e) => !readable.has(e))).toEqual([]);
  });
});

/** A PNG that claims width × height pixels and holds one row: its header alone exceeds the pixel limit. */
function hugePngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
