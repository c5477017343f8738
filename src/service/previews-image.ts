import type sharpModule from 'sharp';

/** The formats thumbnails are made of, told by their first bytes (not by the name, which may lie). */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'heif';

/** How many first bytes {@link sniffImage} needs. */
export const SNIFF_BYTES = 16;

const ISO_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'heim', 'heis', 'mif1', 'msf1']);

/**
 * The raster format the bytes begin with, or undefined: anything else (SVG, PDF, RAW, libvips' own formats) is
 * never handed to the decoder, which keeps what an untrusted file can reach small.
 */
export function sniffImage(head: Uint8Array): ImageFormat | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, SNIFF_BYTES));
  const ascii = (from: number, to: number) => b.toString('latin1', from, to);
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'tiff';
  if (ascii(4, 8) === 'ftyp' && ISO_BRANDS.has(ascii(8, 12))) return 'heif';
  return undefined;
}

/** Largest edge of a thumbnail, in pixels. */
export const THUMB_EDGE = 256;
/** A decode that takes longer than this is given up (a pathological file within the pixel limit). */
const DECODE_TIMEOUT_SECONDS = 20;

export type Decoded = { ok: true; webp: Buffer } | { ok: false; reason: string };

/** Makes WebP thumbnails of encoded images: the seam tests count decodes through. */
export type ThumbDecoder = (image: Buffer) => Promise<Decoded>;

/**
 * One decode: shrink-on-load where the format has it (JPEG, WebP), the EXIF orientation applied, fit inside
 * {@link THUMB_EDGE} square without enlarging, WebP out without metadata. sharp's limit on input pixels stays
 * (a small file that would decode to gigabytes is refused); the first frame of an animation is taken. A file
 * that cannot be decoded is a reason, not a throw.
 */
export const decodeThumb: ThumbDecoder = async (image) => {
  try {
    const sharp = await loadSharp();
    const webp = await sharp(image, { failOn: 'error' })
      .autoOrient()
      .resize(THUMB_EDGE, THUMB_EDGE, { fit: 'inside', withoutEnlargement: true })
      .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
      .webp()
      .toBuffer();
    return { ok: true, webp };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `the image cannot be decoded: ${message.split('\n')[0]!.trim()}` };
  }
};

let loaded: Promise<typeof sharpModule> | undefined;

/**
 * sharp, loaded at the first thumbnail (libvips costs ~24 MB of memory from the moment it loads; a server whose
 * page shows no image needs none of it). Keeps libvips to one thread per image and without its operation cache:
 * thumbnails share two cores with the server and any scan, and each image is decoded once (its thumbnail is
 * cached on disk), so a cache in memory only holds memory. Process-wide, as sharp's settings are.
 */
function loadSharp(): Promise<typeof sharpModule> {
  loaded ??= import('sharp').then(({ default: sharp }) => {
    sharp.concurrency(1);
    sharp.cache(false);
    return sharp;
  });
  return loaded;
}
