import { describe, expect, it } from 'vitest';
import { outermostFolders } from './paths.js';

const outer = (...folders: string[]) => outermostFolders(folders.map((f) => Buffer.from(f))).map(String);

describe('outermostFolders', () => {
  it('drops folders under another, keeps siblings whose names only begin alike', () => {
    expect(outer('/a/b', '/a', '/a b', '/a/b/c', '/ab', '/a')).toEqual(['/a', '/a b', '/ab']);
  });
  it('keeps only the root when it is given', () => {
    expect(outer('/x', '', '/y/z')).toEqual(['']);
  });
  it('takes thousands of folders in one pass', () => {
    const folders = Array.from({ length: 20_000 }, (_, i) => `/t/${i % 100}/${i}`);
    expect(outer(...folders, '/t/7')).toHaveLength(20_000 - 200 + 1);
  });
});
