import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectType } from './detect.js';
import { expectedTypes, extensionMismatch } from './extensions.js';
import { parseTypeFilter, typeMatches, typeMatchesAny } from './filter.js';

// Real files, cut to their first KiB (detection reads at most 4 KiB): images made by ImageMagick, archives by
// gzip, bzip2, xz, zstd, 7z, tar, zip and sqlite3, a WAV by Python's wave module, an ELF header from /bin/true.
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/types/', import.meta.url));
const fixture = (name: string) => readFileSync(`${FIXTURES}${name}`);

const EXPECTED: Record<string, string> = {
  'sample.jpg': 'image/jpeg',
  'sample.png': 'image/png',
  'sample.gif': 'image/gif',
  'sample.webp': 'image/webp',
  'sample.heic': 'image/heic',
  'sample.avif': 'image/avif',
  'sample.tiff': 'image/tiff',
  'sample.bmp': 'image/bmp',
  'sample.ico': 'image/x-icon',
  'sample.psd': 'image/vnd.adobe.photoshop',
  'sample.gz': 'application/gzip',
  'sample.bz2': 'application/x-bzip2',
  'sample.xz': 'application/x-xz',
  'sample.zst': 'application/zstd',
  'sample.7z': 'application/x-7z-compressed',
  'sample.tar': 'application/x-tar',
  'sample.zip': 'application/zip',
  'sample.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'sample.epub': 'application/epub+zip',
  'sample.odt': 'application/vnd.oasis.opendocument.text',
  'sample.sqlite': 'application/vnd.sqlite3',
  'sample.wav': 'audio/wav',
  'sample.elf': 'application/x-elf',
};

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** An ISO base media `ftyp` box: size, 'ftyp', the major brand, a version, the compatible brands. */
const ftyp = (major: string, ...compatible: string[]) => {
  const size = 16 + 4 * compatible.length;
  return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 0, 0], compatible.join(''), [0, 0, 0, 8], 'free');
};

describe('detectType', () => {
  it('knows every sample file by its first bytes', () => {
    const names = readdirSync(FIXTURES).sort();
    expect(names).toEqual(Object.keys(EXPECTED).sort());
    for (const name of names) expect([name, detectType(fixture(name))]).toEqual([name, EXPECTED[name]]);
  });

  it('reads headers of the formats no tool here writes', () => {
    const cases: [Buffer, string][] = [
      [bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n'), 'application/pdf'],
      [bytes('ID3', [4, 0, 0, 0, 0, 0, 0]), 'audio/mpeg'],
      [bytes([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0]), 'audio/mpeg'],
      [bytes([0xff, 0xf1, 0x50, 0x80, 0, 0x1f, 0xfc]), 'audio/aac'],
      [bytes('fLaC', [0, 0, 0, 0x22]), 'audio/flac'],
      [bytes('OggS', new Array<number>(24).fill(0), 'OpusHead'), 'audio/ogg'],
      [bytes('OggS', new Array<number>(24).fill(0), '\x01vorbis'), 'audio/ogg'],
      [bytes('OggS', new Array<number>(24).fill(0), '\x80theora'), 'video/ogg'],
      [bytes('RIFF', [0, 0, 0, 0], 'AVI LIST'), 'video/x-msvideo'],
      [ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'), 'video/mp4'],
      [ftyp('qt  ', 'qt  '), 'video/quicktime'],
      [ftyp('M4A ', 'M4A ', 'mp42', 'isom'), 'audio/mp4'],
      [ftyp('mif1', 'mif1', 'heic'), 'image/heic'],
      [ftyp('3gp4', '3gp4'), 'video/3gpp'],
      [bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 1, 0x42, 0x82, 0x84], 'webm'), 'video/webm'],
      [bytes([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x82, 0x88], 'matroska'), 'video/x-matroska'],
      [bytes('Rar!\x1a\x07\x01\x00'), 'application/vnd.rar'],
      [bytes('wOF2', [0, 1, 0, 0]), 'font/woff2'],
      [bytes([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), 'application/wasm'],
      [bytes('MZ', new Array<number>(62).fill(0)), 'application/vnd.microsoft.portable-executable'],
    ];
    for (const [head, type] of cases) expect(detectType(head)).toBe(type);
  });

  it('says nothing of text, short or unknown bytes', () => {
    expect(detectType(bytes('hello world\n'))).toBeUndefined();
    expect(detectType(bytes('{"a": 1}'))).toBeUndefined();
    expect(detectType(new Uint8Array(0))).toBeUndefined();
    expect(detectType(bytes([0xff]))).toBeUndefined();
    expect(detectType(new Uint8Array(4096))).toBeUndefined();
    // A head cut before its signature ends is no match (a PNG's eight bytes, five of them here).
    expect(detectType(fixture('sample.png').subarray(0, 5))).toBeUndefined();
  });

  it('reads a view into a larger buffer from its own start', () => {
    const buffer = Buffer.concat([bytes('junk'), fixture('sample.gif')]);
    expect(detectType(buffer.subarray(4))).toBe('image/gif');
  });
});

describe('type filters', () => {
  it('take a kind, a kind with /*, or a full type, in any case', () => {
    expect(parseTypeFilter('image')).toEqual({ kind: 'image' });
    expect(parseTypeFilter('Video/*')).toEqual({ kind: 'video' });
    expect(parseTypeFilter('application/PDF')).toEqual({ kind: 'application', subtype: 'pdf' });
  });

  it('refuse what is no type, saying what was expected', () => {
    expect(parseTypeFilter('imgae')).toMatch(/expected a type such as image.*received 'imgae'/);
    expect(parseTypeFilter('image/')).toMatch(/expected a subtype/);
    expect(parseTypeFilter('')).toMatch(/expected a type/);
  });

  it('match detected types; an unknown type matches nothing', () => {
    expect(typeMatches('image/png', 'image')).toBe(true);
    expect(typeMatches('image/png', 'image/*')).toBe(true);
    expect(typeMatches('image/png', 'image/png')).toBe(true);
    expect(typeMatches('image/png', 'image/jpeg')).toBe(false);
    expect(typeMatches('video/mp4', 'image')).toBe(false);
    expect(typeMatches(undefined, 'image')).toBe(false);
    expect(typeMatches(null, 'application')).toBe(false);
    const filters = ['image', 'video/mp4'].map((f) => parseTypeFilter(f) as { kind: string });
    expect(typeMatchesAny('video/mp4', filters)).toBe(true);
    expect(typeMatchesAny('video/webm', filters)).toBe(false);
    expect(typeMatchesAny(undefined, [])).toBe(true);
  });
});

describe('extensions', () => {
  it('promise types by a case-blind extension', () => {
    expect(expectedTypes('/p/photo.JPG')).toEqual(['image/jpeg']);
    expect(expectedTypes(Buffer.from('/p/\xff.png', 'latin1'))).toEqual(['image/png']);
    expect(expectedTypes('/p/notes.txt')).toBeUndefined();
    expect(expectedTypes('/p/.png')).toBeUndefined();
    expect(expectedTypes('/p.jpg/README')).toBeUndefined();
  });

  it('mismatch only when both the extension and the content say something', () => {
    expect(extensionMismatch('/p/photo.jpg', 'image/png')).toBe(true);
    expect(extensionMismatch('/p/photo.png', 'image/png')).toBe(false);
    expect(extensionMismatch('/p/photo.jpg', undefined)).toBe(false);
    expect(extensionMismatch('/p/photo.dat', 'image/png')).toBe(false);
    // A .docx whose Word members lie past the first bytes reads as plain zip: no mismatch.
    expect(extensionMismatch('/p/report.docx', 'application/zip')).toBe(false);
  });
});
