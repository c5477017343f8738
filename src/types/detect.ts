/**
 * A file's type from its first bytes (magic numbers), as a MIME type, or `undefined` when no signature matches
 * (plain text, unknown formats, an empty file). Synchronous, allocation-free and without I/O: it runs on the head
 * buffer the hash worker has read anyway, so it adds no read.
 *
 * A table of our own rather than `file-type`: that package's current major needs Node 22, and its last major for
 * Node 20 detects only asynchronously through a tokenizer (a promise chain per file in the hot head stage). The
 * common formats below are what duplicate finders meet in photo libraries, downloads and backups.
 *
 * @example
 * detectType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])); // 'image/png'
 */
export function detectType(head: Uint8Array): string | undefined {
  if (head.length < 2) return undefined;
  for (const [offset, magic, type] of FIXED) if (startsWith(head, offset, magic)) return type;
  return detectRiff(head) ?? detectFtyp(head) ?? detectMore(head);
}

/** How many leading bytes detection looks at: a head shorter than this is the whole file. */
export const TYPE_HEAD_BYTES = 4096;

type Signature = readonly [offset: number, magic: readonly number[], type: string];

const ascii = (text: string): number[] => Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));

/** Fixed signatures at fixed offsets, checked in order (longer, more specific ones first where they overlap). */
const FIXED: readonly Signature[] = [
  [0, [0xff, 0xd8, 0xff], 'image/jpeg'],
  [0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png'],
  [0, ascii('GIF87a'), 'image/gif'],
  [0, ascii('GIF89a'), 'image/gif'],
  [0, [0x49, 0x49, 0x2a, 0x00], 'image/tiff'],
  [0, [0x4d, 0x4d, 0x00, 0x2a], 'image/tiff'],
  [0, [0xff, 0x0a], 'image/jxl'],
  [0, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a], 'image/jxl'],
  [0, ascii('8BPS'), 'image/vnd.adobe.photoshop'],
  [0, ascii('%PDF-'), 'application/pdf'],
  [0, ascii('%!PS'), 'application/postscript'],
  [0, ascii('{\\rtf'), 'application/rtf'],
  [0, [0x1f, 0x8b], 'application/gzip'],
  [0, ascii('BZh'), 'application/x-bzip2'],
  [0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'application/x-xz'],
  [0, [0x28, 0xb5, 0x2f, 0xfd], 'application/zstd'],
  [0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 'application/x-7z-compressed'],
  [0, ascii('Rar!\x1a\x07'), 'application/vnd.rar'],
  [257, ascii('ustar'), 'application/x-tar'],
  [0, ascii('ID3'), 'audio/mpeg'],
  [0, ascii('fLaC'), 'audio/flac'],
  [0, ascii('MThd'), 'audio/midi'],
  [0, ascii('SQLite format 3\x00'), 'application/vnd.sqlite3'],
  [0, [0x7f, 0x45, 0x4c, 0x46], 'application/x-elf'],
  [0, [0x00, 0x61, 0x73, 0x6d], 'application/wasm'],
  [0, [0xcf, 0xfa, 0xed, 0xfe], 'application/x-mach-binary'],
  [0, [0xce, 0xfa, 0xed, 0xfe], 'application/x-mach-binary'],
  [0, ascii('wOFF'), 'font/woff'],
  [0, ascii('wOF2'), 'font/woff2'],
  [0, ascii('OTTO'), 'font/otf'],
  [0, [0x00, 0x01, 0x00, 0x00, 0x00], 'font/ttf'],
  [0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 'application/x-ole-storage'],
];

function startsWith(head: Uint8Array, offset: number, magic: readonly number[]): boolean {
  if (head.length < offset + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[offset + i] !== magic[i]) return false;
  return true;
}

function textAt(head: Uint8Array, offset: number, text: string): boolean {
  if (head.length < offset + text.length) return false;
  for (let i = 0; i < text.length; i++) if (head[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** RIFF containers: the form type at offset 8 says which. */
function detectRiff(head: Uint8Array): string | undefined {
  if (!textAt(head, 0, 'RIFF')) return undefined;
  if (textAt(head, 8, 'WEBP')) return 'image/webp';
  if (textAt(head, 8, 'WAVE')) return 'audio/wav';
  if (textAt(head, 8, 'AVI ')) return 'video/x-msvideo';
  return undefined;
}

/** ISO base media files (`ftyp` box at offset 4): the major brand, then the compatible brands, say which. */
function detectFtyp(head: Uint8Array): string | undefined {
  if (!textAt(head, 4, 'ftyp') || head.length < 12) return undefined;
  const boxEnd = Math.min(head.length, readU32(head, 0));
  const brands: number[] = [8];
  for (let at = 16; at + 4 <= boxEnd; at += 4) brands.push(at);
  for (const at of brands) {
    const brand = String.fromCharCode(head[at]!, head[at + 1]!, head[at + 2]!, head[at + 3]!);
    const type = FTYP_BRANDS.get(brand) ?? (brand.startsWith('3gp') ? 'video/3gpp' : undefined);
    if (type !== undefined) return type;
  }
  return 'video/mp4';
}

const FTYP_BRANDS = new Map<string, string>([
  ['avif', 'image/avif'],
  ['avis', 'image/avif'],
  ['heic', 'image/heic'],
  ['heix', 'image/heic'],
  ['heim', 'image/heic'],
  ['heis', 'image/heic'],
  ['hevc', 'image/heic'],
  ['hevx', 'image/heic'],
  ['qt  ', 'video/quicktime'],
  ['M4A ', 'audio/mp4'],
  ['M4B ', 'audio/mp4'],
  ['M4V ', 'video/x-m4v'],
  ['crx ', 'image/x-canon-cr3'],
  ['isom', 'video/mp4'],
  ['iso2', 'video/mp4'],
  ['mp41', 'video/mp4'],
  ['mp42', 'video/mp4'],
  ['avc1', 'video/mp4'],
  ['dash', 'video/mp4'],
]);

function readU32(head: Uint8Array, at: number): number {
  return ((head[at]! << 24) | (head[at + 1]! << 16) | (head[at + 2]! << 8) | head[at + 3]!) >>> 0;
}

function detectMore(head: Uint8Array): string | undefined {
  if (textAt(head, 0, 'PK\x03\x04')) return detectZip(head);
  if (startsWith(head, 0, [0x1a, 0x45, 0xdf, 0xa3])) return detectEbml(head);
  if (textAt(head, 0, 'OggS')) return detectOgg(head);
  if (textAt(head, 0, 'FORM') && (textAt(head, 8, 'AIFF') || textAt(head, 8, 'AIFC'))) return 'audio/aiff';
  if (startsWith(head, 0, [0, 0, 1, 0]) && head[4]! > 0 && head[5] === 0 && head.length >= 22)
    return 'image/x-icon';
  if (textAt(head, 0, 'MZ') && head.length >= 64) return 'application/vnd.microsoft.portable-executable';
  if (textAt(head, 0, 'BM') && head.length >= 26 && head[14]! >= 12 && head[15] === 0) return 'image/bmp';
  if (startsWith(head, 0, [0xca, 0xfe, 0xba, 0xbe]))
    return head[7]! >= 45 ? 'application/java-vm' : undefined;
  return detectMpegAudio(head);
}

/**
 * Zip and the formats built on it, told apart by the first members' names: an uncompressed `mimetype` member
 * first (OpenDocument, EPUB) names the type itself; Office Open XML has `word/`, `xl/` or `ppt/` members.
 */
function detectZip(head: Uint8Array): string | undefined {
  if (textAt(head, 30, 'mimetype') && head[26] === 8 && head[27] === 0 && head[8] === 0 && head[9] === 0) {
    // A stored (method 0) `mimetype` member: its bytes are the type.
    const start = 38 + (head[28]! | (head[29]! << 8));
    const length = head[18]! | (head[19]! << 8);
    if (length <= 100 && start + length <= head.length) {
      const mime = String.fromCharCode(...head.subarray(start, start + length));
      if (/^application\/(epub\+zip|vnd\.oasis\.opendocument\.[a-z.-]+)$/.test(mime)) return mime;
    }
  }
  for (let at = 0; at + 30 <= head.length; at++) {
    if (head[at] !== 0x50 || !textAt(head, at, 'PK\x03\x04')) continue;
    const nameStart = at + 30;
    if (textAt(head, nameStart, 'word/')) return DOCX;
    if (textAt(head, nameStart, 'xl/')) return XLSX;
    if (textAt(head, nameStart, 'ppt/')) return PPTX;
    if (textAt(head, nameStart, 'META-INF/MANIFEST.MF')) return 'application/java-archive';
  }
  return 'application/zip';
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

/** Matroska and WebM share EBML; the DocType element (0x4282) near the start names which. */
function detectEbml(head: Uint8Array): string {
  const end = Math.min(head.length, 64);
  for (let at = 4; at + 3 < end; at++) {
    if (head[at] !== 0x42 || head[at + 1] !== 0x82) continue;
    if (textAt(head, at + 3, 'webm')) return 'video/webm';
    if (textAt(head, at + 3, 'matroska')) return 'video/x-matroska';
  }
  return 'video/x-matroska';
}

/** Ogg: the first packet (at offset 28) names the codec. */
function detectOgg(head: Uint8Array): string {
  if (textAt(head, 28, '\x80theora')) return 'video/ogg';
  if (textAt(head, 28, 'OpusHead')) return 'audio/ogg';
  if (textAt(head, 28, '\x01vorbis')) return 'audio/ogg';
  if (textAt(head, 28, '\x7fFLAC')) return 'audio/ogg';
  return 'application/ogg';
}

/** An MPEG audio frame without an ID3 tag: 11 sync bits, then layer bits (AAC's ADTS has layer 0). */
function detectMpegAudio(head: Uint8Array): string | undefined {
  if (head[0] !== 0xff || (head[1]! & 0xe0) !== 0xe0) return undefined;
  const layer = (head[1]! >> 1) & 0x03;
  const version = (head[1]! >> 3) & 0x03;
  if (layer === 0) return (head[1]! & 0xf6) === 0xf0 ? 'audio/aac' : undefined;
  if (version === 1) return undefined;
  const bitrate = head[2]! >> 4;
  const rate = (head[2]! >> 2) & 0x03;
  return bitrate !== 0x0f && rate !== 0x03 ? 'audio/mpeg' : undefined;
}
