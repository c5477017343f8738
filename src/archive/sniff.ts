import type { ArchiveFormat } from './listing.js';

/** Bytes enough to recognise every format read (the tar signature sits at 257), and a tar header's whole block. */
export const SNIFF_BYTES = 512;

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

/** Whether a block is a tar header: its checksum (bytes 148–155, octal) is the sum of its bytes, those as spaces. */
export function isTarHeader(block: Buffer): boolean {
  const text = block
    .toString('latin1', 148, 156)
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]+$/.test(text)) return false;
  let sum = 8 * 0x20;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += block[i]!;
  return sum === Number.parseInt(text, 8);
}

/**
 * What else a zip is read as by another tool, or undefined: a tar, when its first block is a valid tar header (GNU
 * tar reads it so whatever the name says), whose extraction would put other bytes at a member's name.
 */
export function zipAlsoReadAs(head: Buffer): string | undefined {
  return head.length >= 512 && isTarHeader(head.subarray(0, 512)) ? 'a tar' : undefined;
}
