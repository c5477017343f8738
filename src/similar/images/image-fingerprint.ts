// The image detector's worker side: one decode with sharp, then the perceptual hashes of the picture as it is
// shown (EXIF orientation applied) and of its 7 turns and flips.
import sharp from 'sharp';
import type { FingerprintResult } from '../types.js';
export { IMAGE_EXTENSIONS } from './image-formats.js';
import { THUMB_BYTES, thumbnailOf } from './likeness.js';
import { hashesToBytes, perceptualHash, perceptualHashes } from './phash.js';
import { centreView, DECODE_SIDE, wholeView } from './scales.js';

/** Most pixels an image may have (sharp's own default, 16383²): a small file that decodes to gigabytes is refused. */
export const MAX_INPUT_PIXELS = 0x3fff * 0x3fff;
/** A decode that takes longer is given up (a pathological file within the pixel limit). */
const DECODE_TIMEOUT_SECONDS = 20;

// Process-wide, as sharp's settings are: each worker thread decodes one image at a time, so libvips gets one
// thread per image (the pool gives the parallelism), and no operation cache (each image is decoded once).
sharp.concurrency(1);
sharp.cache(false);

/**
 * The fingerprint of an encoded image: 8 perceptual hashes of 8 bytes each, the upright picture first, then the
 * variants in the order of `VARIANTS`. Never throws for a bad file: says why in `problem`.
 */
export async function fingerprint(bytes: Uint8Array, name: string): Promise<FingerprintResult> {
  if (bytes.length === 0) return { problem: 'the file is empty' };
  let pixels: Buffer;
  try {
    // failOn 'error': decode past warnings (a PNG whose colour profile libpng dislikes, which some tools then
    // drop silently) but report a damaged file, a truncated one included, rather than compare its grey-filled
    // rest. The first frame of an animation is taken.
    const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS })
      .autoOrient()
      // Transparency dropped, the colours kept as stored (what a tool that exports a PNG to JPEG does): a
      // transparent picture and its JPEG copies hash alike. Flattened over grey instead, 8 transparent wallpapers
      // of the benchmark lost their JPEG copies (recall 0.948 for those transforms, 0.97 now).
      .removeAlpha()
      .greyscale()
      .resize(DECODE_SIDE, DECODE_SIDE, { fit: 'fill' })
      .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 || data.length !== DECODE_SIDE * DECODE_SIDE) {
      return {
        problem: `sharp made ${info.channels} channels of ${data.length} bytes, not one ${DECODE_SIDE}² grey image`,
      };
    }
    pixels = data;
  } catch (error) {
    return { problem: reasonFor(error, name) };
  }
  return { fingerprint: fingerprintOf(pixels) };
}

/**
 * The fingerprint of a decoded picture (DECODE_SIDE² grey): the 8 hashes of the whole picture (upright first, then
 * its turns and flips in the order of `VARIANTS`), the hash of its centre (a slightly cropped copy's upright hash
 * is close to it), then the thumbnails of the whole picture and of its centre, which confirm a pair the hashes
 * propose. See FINGERPRINT.
 */
export function fingerprintOf(decoded: Uint8Array): Uint8Array {
  const whole = wholeView(decoded);
  const centre = centreView(decoded);
  const print = new Uint8Array(FINGERPRINT.bytes);
  print.set(hashesToBytes([...perceptualHashes(whole), perceptualHash(centre)]));
  print.set(thumbnailOf(whole), FINGERPRINT.thumb);
  print.set(thumbnailOf(centre), FINGERPRINT.centreThumb);
  return print;
}

/** Where each part of an image fingerprint starts, and its length. */
export const FINGERPRINT = {
  /** 8 hashes of the whole picture, 8 bytes each. */
  hashes: 0,
  /** The hash of its centre. */
  centreHash: 64,
  thumb: 72,
  centreThumb: 72 + THUMB_BYTES,
  bytes: 72 + 2 * THUMB_BYTES,
} as const;

function reasonFor(error: unknown, name: string): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
  if (/pixel limit/i.test(message)) {
    return `the image has too many pixels (more than ${MAX_INPUT_PIXELS.toLocaleString('en')}): ${message}`;
  }
  if (/premature end|truncated/i.test(message))
    return `the image is cut short (a truncated file): ${message}`;
  if (/timeout/i.test(message)) return `decoding took more than ${DECODE_TIMEOUT_SECONDS} s: ${message}`;
  if (/unsupported image format/i.test(message)) {
    return `not an image format sharp can decode (${extensionOf(name) || 'no extension'}): ${message}`;
  }
  return `the image cannot be decoded: ${message}`;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}
