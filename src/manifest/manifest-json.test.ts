import { describe, expect, it } from 'vitest';
import { manifestText, readManifest } from './manifest-json.js';
import type { Manifest } from './manifest.js';

const raw = Buffer.from('caf\xe9/\xff.bin', 'latin1');
const manifest: Manifest = {
  header: { algorithm: 'sha256', createdAt: '2026-12-01T09:00:00.000Z', root: 'photos' },
  entries: [
    { path: 'a b.txt', size: 3, mtimeNs: 1_700_000_000_123_456_789n, hash: 'ab12', link: 1 },
    { path: 'a c.txt', size: 3, mtimeNs: 1_700_000_000_123_456_789n, hash: 'ab12', link: 1 },
    { path: raw, size: 0, mtimeNs: -5n, hash: 'e3b0' },
    { path: 'zz/\u{1f600}', size: 2 ** 40, mtimeNs: 0n, hash: 'ff' },
  ],
};

describe('nodupe.manifest/1 lines', () => {
  it('round-trips every field, raw-byte paths and nanosecond mtimes included', () => {
    const text = manifestText(manifest);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(JSON.parse(lines[0]!)).toEqual({ schema: 'nodupe.manifest/1', ...manifest.header });
    expect(JSON.parse(lines[5]!)).toEqual({ end: true, files: 4, bytes: 6 + 2 ** 40 });
    expect(JSON.parse(lines[3]!)).toMatchObject({
      path: 'caf\ufffd/\ufffd.bin',
      pathBytes: raw.toString('base64'),
    });
    expect(readManifest(text, 'm')).toEqual(manifest);
  });

  it('refuses raw bytes that are not the path shown, and hard links that differ', () => {
    const text = manifestText(manifest);
    expect(() => readManifest(text.replace('"path":"caf\ufffd/\ufffd.bin"', '"path":"other"'), 'm')).toThrow(
      /line 4: its raw bytes \(pathBytes\) are not its path$/,
    );
    const edited = text.replace(
      '"path":"a c.txt","size":3,"mtimeNs":"1700000000123456789","hash":"ab12"',
      '"path":"a c.txt","size":3,"mtimeNs":"1700000000123456789","hash":"ab13"',
    );
    expect(() => readManifest(edited, 'm')).toThrow(
      /line 3: the file shares link 1 with a file it differs from/,
    );
  });
});
