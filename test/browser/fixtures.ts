// The tree the end-to-end test scans: real images (a JPEG in two copies, a resized copy of it that is not the same
// bytes, a PNG in three copies) and a text file in two copies. Pixels come from a formula: the same bytes each run.
import sharp from 'sharp';

/** Pixels with a little pseudo-random grain, so a JPEG of them is not tiny. */
function pixels(width: number, height: number, seed: number): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  let state = seed >>> 0 || 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const grain = (state >>> 0) % 48;
      const at = (y * width + x) * 3;
      raw[at] = Math.min(255, Math.round((x / width) * 200) + grain);
      raw[at + 1] = Math.min(255, Math.round((y / height) * 160) + 40 + grain);
      raw[at + 2] = Math.min(255, 120 + ((x + y) % 64) + grain);
    }
  }
  return raw;
}

export interface Images {
  /** A 640×480 photo. */
  jpeg: Buffer;
  /** The same photo at half the size: looks the same, other bytes. */
  jpegSmall: Buffer;
  /** A 96×96 picture. */
  png: Buffer;
}

export async function makeImages(): Promise<Images> {
  const raw = { raw: { width: 640, height: 480, channels: 3 as const } };
  const jpeg = await sharp(pixels(640, 480, 7), raw)
    .jpeg({ quality: 85 })
    .toBuffer();
  const jpegSmall = await sharp(jpeg).resize(320, 240).jpeg({ quality: 85 }).toBuffer();
  const png = await sharp(pixels(96, 96, 11), { raw: { width: 96, height: 96, channels: 3 } })
    .png()
    .toBuffer();
  return { jpeg, jpegSmall, png };
}

/** The tree, relative path → content. */
export function photoTree(images: Images): Record<string, Buffer> {
  const notes = Buffer.from('Shopping list\n- bread\n- coffee\n- a new hard disk, for the backups\n');
  return {
    'photos/beach.jpg': images.jpeg,
    'backup/beach.jpg': images.jpeg,
    'photos/beach-small.jpg': images.jpegSmall,
    'photos/logo.png': images.png,
    'backup/logo.png': images.png,
    'old/logo.png': images.png,
    'docs/notes.txt': notes,
    'backup/notes.txt': notes,
  };
}
