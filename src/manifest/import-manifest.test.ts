import { describe, expect, it } from 'vitest';
import { labelProblem, manifestEntries, SKIPPED_HARD_LINK, SKIPPED_NOT_UTF8 } from './import-manifest.js';
import type { Manifest } from './manifest.js';

const header = { algorithm: 'xxh3', createdAt: '2026-12-01T09:00:00.000Z', root: 'Photos' };

describe('manifestEntries', () => {
  it('keeps the first path of a hard-linked file, leaves out names that are not UTF-8, and knows only the full hash', () => {
    const manifest: Manifest = {
      header,
      entries: [
        { path: 'a.jpg', size: 3, mtimeNs: 1_700_000_000_123_456_789n, hash: 'aa', link: 1 },
        { path: 'b.jpg', size: 3, mtimeNs: 1_700_000_000_123_456_789n, hash: 'aa', link: 1 },
        { path: Buffer.from([0x63, 0xe9]), size: 1, mtimeNs: 0n, hash: 'bb' },
        { path: 'c.txt', size: 0, mtimeNs: 0n, hash: 'cc' },
      ],
    };
    const { entries, skipped } = manifestEntries(manifest);
    expect(entries).toEqual([
      {
        name: 'a.jpg',
        size: 3,
        mtimeMs: 1_700_000_000_123,
        hashes: { head: undefined, tail: undefined, full: 'aa' },
      },
      { name: 'c.txt', size: 0, mtimeMs: 0, hashes: { head: undefined, tail: undefined, full: 'cc' } },
    ]);
    expect(skipped).toEqual({ [SKIPPED_HARD_LINK]: 1, [SKIPPED_NOT_UTF8]: 1 });
  });
});

describe('labelProblem', () => {
  it('takes a name to show as LABEL:/path, and refuses one that would make it ambiguous', () => {
    expect(labelProblem('backup disk 2')).toBeUndefined();
    expect(labelProblem('')).toBe('is empty');
    expect(labelProblem('a/b')).toBe('holds a "/"');
    expect(labelProblem('a\nb')).toBe('holds a control character');
    expect(labelProblem('x'.repeat(201))).toMatch(/longer than 200/);
  });
});
