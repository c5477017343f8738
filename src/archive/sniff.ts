import type { ArchiveFormat } from './listing.js';

/** Bytes enough to recognise every format read (the tar signature sits at 257). */
export const SNIFF_BYTES = 265;

const SIGNATURES: readonly [ArchiveFormat, number, readonly number[]][] = [
  ['zip', 0, [0x50, 0x4b, 0x03, 0x04]],
  // An empty zip is its end record alone.
  ['zip', 0, [0x50, 0x4b, 0x05, 0x06]],
  ['7z', 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['tar.gz', 0, [0x1f, 0x8b]],
  ['tar.bz2', 0, [0x42, 0x5a, 0x68]],
  ['tar.xz', 0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['tar.zst', 0, [0x28, 0xb5, 0x2f, 0xfd]],
  ['tar', 257, [0x75, 0x73, 0x74, 0x61, 0x72]],
];

/**
 * The archive format of content starting with `head`, by its signature (a name is never trusted), or undefined.
 * A compressed stream is taken for a compressed tar; a tar inside is then checked by its own headers.
 */
export function sniffFormat(head: Uint8Array): ArchiveFormat | undefined {
  for (const [format, offset, magic] of SIGNATURES) {
    if (magic.every((byte, i) => head[offset + i] === byte)) return format;
  }
  return undefined;
}
