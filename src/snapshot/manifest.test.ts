import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCatalogPath } from '../cli/options.js';
import { NodupeError } from '../core/errors.js';
import { describeFsError } from './io.js';
import { defaultSnapshotDir } from './layout.js';
import {
  decodeManifest,
  encodeManifest,
  isSnapshotId,
  newSnapshotId,
  type SnapshotManifest,
} from './manifest.js';

const ID = '20260101-000000-abcdef';
const SHA = 'a'.repeat(64);
const odd = Buffer.concat([Buffer.from('/data/'), Buffer.from([0x66, 0xff, 0x6f])]);

const manifest: SnapshotManifest = {
  id: ID,
  createdAt: '2026-01-01T00:00:00.000Z',
  note: 'before cleanup',
  files: [
    { path: '/data/a.txt', size: 3, mtimeNs: 1_700_000_000_250_000_000n, mode: 0o640, sha256: SHA },
    { path: odd, size: 0, mtimeNs: -5n, mode: 0o4755, sha256: 'b'.repeat(64) },
  ],
  totalBytes: 3,
};

/** The manifest's JSON with one change made to it. */
function edited(
  change: (doc: { files: Record<string, unknown>[] } & Record<string, unknown>) => void,
): string {
  const doc = JSON.parse(encodeManifest(manifest)) as { files: Record<string, unknown>[] } & Record<
    string,
    unknown
  >;
  change(doc);
  return JSON.stringify(doc);
}

describe('snapshot manifests', () => {
  it('round-trips, keeping the bytes of a path that is not UTF-8', () => {
    const text = encodeManifest(manifest);
    const doc = JSON.parse(text) as { schema: string; files: { path: string; pathBytes?: string }[] };
    expect(doc.schema).toBe('nodupe.snapshot/1');
    expect(doc.files[0]).not.toHaveProperty('pathBytes');
    expect(doc.files[1]!.pathBytes).toBe(odd.toString('base64'));
    expect(decodeManifest(ID, text)).toEqual(manifest);
  });

  it.each([
    ['not JSON', () => '{', /not JSON/],
    ['another schema', () => edited((d) => (d.schema = 'nodupe.snapshot/2')), /schema: expected/],
    ['another id', () => edited((d) => (d.id = '20260101-000000-000000')), /id: expected/],
    ['a bad date', () => edited((d) => (d.createdAt = 'yesterday')), /createdAt/],
    ['files not a list', () => edited((d) => (d.files = {} as never)), /files: expected an array/],
    [
      'a relative path',
      () => edited((d) => (d.files[0]!.path = 'a.txt')),
      /files\[0\]\.path: expected an absolute/,
    ],
    ['a size in a string', () => edited((d) => (d.files[0]!.size = '3')), /files\[0\]\.size/],
    ['a numeric mtime', () => edited((d) => (d.files[0]!.mtimeNs = 5)), /files\[0\]\.mtimeNs/],
    ['a mode too large', () => edited((d) => (d.files[0]!.mode = 0o10000)), /files\[0\]\.mode/],
    ['a hash that is a path', () => edited((d) => (d.files[0]!.sha256 = '../../x')), /files\[0\]\.sha256/],
    ['bad base64', () => edited((d) => (d.files[1]!.pathBytes = '%%')), /files\[1\]\.pathBytes/],
    ['no total', () => edited((d) => delete d.totalBytes), /totalBytes: expected .* received nothing/],
  ])('rejects %s as BAD_INPUT', (_name, text, message) => {
    let error: unknown;
    try {
      decodeManifest(ID, text());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NodupeError);
    expect(error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(message) as unknown });
  });

  it('makes time-sortable ids from the wall clock', () => {
    const id = newSnapshotId(Date.UTC(2026, 2, 4, 5, 6, 7));
    expect(id).toMatch(/^20260304-050607-[0-9a-f]{6}$/);
    expect(isSnapshotId(id)).toBe(true);
    expect(isSnapshotId('../20260304-050607-abcdef')).toBe(false);
  });
});

describe('snapshot helpers', () => {
  it('puts the store beside the catalog', () => {
    for (const env of [{ XDG_DATA_HOME: '/xdg' }, {}, { XDG_DATA_HOME: 'relative' }]) {
      expect(defaultSnapshotDir(env)).toBe(join(dirname(defaultCatalogPath(env)), 'snapshots'));
    }
  });

  it('shortens errno messages to the reason and the call', () => {
    expect(describeFsError("ENOENT: no such file or directory, open '/x/y'")).toBe(
      'no such file or directory (open)',
    );
    expect(describeFsError('something else')).toBe('something else');
  });
});
