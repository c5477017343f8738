import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch } from '../../../test/helpers/tree.js';
import { catalogFileProblem, createCatalogFile } from './catalog-file.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => (dir = scratch()));
afterEach(() => dir.remove());

/** An SQLite header for `pages` pages of `pageSize` bytes; `valid` says whether the page count is to be trusted. */
function header(pageSize: number, pages: number, valid = true): Buffer {
  const h = Buffer.alloc(100);
  h.write('SQLite format 3\0', 0, 'latin1');
  h.writeUInt16BE(pageSize === 65536 ? 1 : pageSize, 16);
  h.writeUInt32BE(7, 24);
  h.writeUInt32BE(pages, 28);
  h.writeUInt32BE(valid ? 7 : 6, 92);
  return h;
}

/**
 * A write-ahead log of frames `[page, commit?]` (a commit frame records the page count after it); `stale` gives
 * the frames salts other than the log's, as frames left over from before a restart have.
 */
function wal(pageSize: number, frames: [number, number?][], stale?: 'stale'): Buffer {
  const head = Buffer.alloc(32);
  head.writeUInt32BE(0x377f0682, 0);
  head.writeUInt32BE(3007000, 4);
  head.writeUInt32BE(pageSize, 8);
  head.writeUInt32BE(11, 16);
  head.writeUInt32BE(22, 20);
  const parts = [head];
  for (const [page, commit] of frames) {
    const frame = Buffer.alloc(24 + pageSize);
    frame.writeUInt32BE(page, 0);
    frame.writeUInt32BE(commit ?? 0, 4);
    frame.writeUInt32BE(stale ? 99 : 11, 8);
    frame.writeUInt32BE(22, 12);
    parts.push(frame);
  }
  return Buffer.concat(parts);
}

function file(content: Buffer, size = content.length): string {
  const path = dir.write(
    'catalog.db',
    Buffer.concat([content, Buffer.alloc(Math.max(0, size - content.length))]),
  );
  truncateSync(path, size);
  return path;
}

describe('catalogFileProblem', () => {
  it('finds nothing wrong with a file as long as its header says', () => {
    expect(catalogFileProblem(file(header(4096, 3), 3 * 4096))).toBeUndefined();
    expect(catalogFileProblem(file(header(65536, 2), 2 * 65536))).toBeUndefined();
  });

  it('finds an empty file, and one that is not SQLite', () => {
    expect(catalogFileProblem(file(Buffer.alloc(0)))).toBe('is empty (0 bytes)');
    expect(catalogFileProblem(file(Buffer.from('not a database at all')))).toMatch(/is not a database/);
  });

  it('finds a file shorter than the page count its header records', () => {
    expect(catalogFileProblem(file(header(4096, 4), 2 * 4096))).toBe(
      'is truncated (corrupt): its header records 4 pages of 4096 bytes (16384 bytes), the file has 8192',
    );
    expect(catalogFileProblem(file(header(4096, 4), 60))).toMatch(/shorter than an SQLite header/);
  });

  it('without a trusted page count, finds a file that is not a whole number of pages', () => {
    expect(catalogFileProblem(file(header(4096, 9, false), 2 * 4096))).toBeUndefined();
    expect(catalogFileProblem(file(header(4096, 9, false), 4096 + 100))).toMatch(
      /not a whole number of 4096-byte pages/,
    );
  });

  it('finds an impossible page size', () => {
    expect(catalogFileProblem(file(header(1000, 1), 1000))).toMatch(/impossible page size \(1000\)/);
  });

  it('counts the pages that the write-ahead log holds, up to its last commit', () => {
    const path = file(header(4096, 2), 2 * 4096);
    // A checkpoint cut short, or pages added since the last one: the log holds pages 3 and 4.
    writeFileSync(`${path}-wal`, wal(4096, [[3], [4, 4]]));
    expect(catalogFileProblem(path)).toBeUndefined();
    writeFileSync(`${path}-wal`, wal(4096, [[3], [5, 5]]));
    expect(catalogFileProblem(path)).toBe(
      'is truncated (corrupt): it holds 5 pages of 4096 bytes, and page 4 is neither in the file (8192 bytes) nor in its write-ahead log',
    );
  });

  it('ignores frames after the last commit, frames of an earlier log, and a log of another page size', () => {
    const path = file(header(4096, 3), 2 * 4096);
    writeFileSync(`${path}-wal`, wal(4096, [[3]]));
    expect(catalogFileProblem(path)).toMatch(/its header records 3 pages/);
    writeFileSync(`${path}-wal`, wal(4096, [[3, 3]], 'stale'));
    expect(catalogFileProblem(path)).toMatch(/its header records 3 pages/);
    writeFileSync(`${path}-wal`, wal(1024, [[3, 3]]));
    expect(catalogFileProblem(path)).toMatch(/its header records 3 pages/);
  });
});

describe('createCatalogFile', () => {
  it('links the filled file into place and leaves nothing else', () => {
    const path = dir.path('catalog.db');
    expect(createCatalogFile(path, (temporary) => writeFileSync(temporary, 'made'))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('made');
    expect(readdirSync(dir.root)).toEqual(['catalog.db']);
  });

  it('keeps a file that exists, and removes its own', () => {
    const path = dir.write('catalog.db', 'there first');
    expect(createCatalogFile(path, (temporary) => writeFileSync(temporary, 'made'))).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('there first');
    expect(readdirSync(dir.root)).toEqual(['catalog.db']);
  });

  it('leaves nothing when filling fails', () => {
    const path = dir.path('catalog.db');
    expect(() =>
      createCatalogFile(path, (temporary) => {
        writeFileSync(temporary, 'half');
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(readdirSync(dir.root)).toEqual([]);
  });
});
