import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../src/catalog/sqlite/driver.js';
import { runCli } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let catalogPath: string;
const FILES = 400;

beforeEach(() => {
  dir = scratch();
  catalogPath = dir.path('state', 'catalog.db');
  mkdirSync(dir.path('state'));
  // Small files, some of them copies: rows enough to fill many pages of the catalog.
  for (let i = 0; i < FILES; i++) dir.write(`t/d${i % 10}/file-${i}`, bytes(100 + (i % 50), i % 50));
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli([...args, '--catalog', catalogPath], { cwd: dir.root });

describe('a rescan of an unchanged tree', () => {
  it('writes no file rows: they stay as the first scan wrote them, and the scan counts what it saw', async () => {
    expect((await cli('scan', 't')).code).toBe(0);
    // Held open, this connection keeps the write-ahead log from being folded in and removed when the scan's own
    // connection closes: its size is then what the rescan wrote.
    const db = new Database(catalogPath);
    try {
      const rowsBefore = db.prepare('SELECT * FROM files ORDER BY id').all();
      db.pragma('wal_checkpoint(TRUNCATE)');
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      const walBytes = () => statSync(`${catalogPath}-wal`, { throwIfNoEntry: false })?.size ?? 0;
      expect(walBytes()).toBe(0);

      expect((await cli('scan', 't')).code).toBe(0);
      expect(db.prepare('SELECT max(last_scan) FROM files').pluck().get()).toBe(1);
      expect(db.prepare('SELECT * FROM files ORDER BY id').all()).toEqual(rowsBefore);
      expect(db.prepare('SELECT id, files_seen FROM scans ORDER BY id').all()).toEqual([
        { id: 1, files_seen: FILES },
        { id: 2, files_seen: FILES },
      ]);
      // The scan record, its count and its end: a few pages, where the rows and their path index fill many more.
      const frames = Math.max(0, walBytes() - 32) / (pageSize + 24);
      const rowPages = db
        .prepare(
          `SELECT count(*) FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = 'files')`,
        )
        .pluck()
        .get() as number;
      expect(frames).toBeLessThanOrEqual(4);
      expect(rowPages).toBeGreaterThan(3 * frames);
    } finally {
      db.close();
    }
  });

  it('writes the row of the one file that changed, and only it', async () => {
    expect((await cli('scan', 't')).code).toBe(0);
    writeFileSync(dir.path('t/d3/file-3'), 'changed');
    expect((await cli('scan', 't')).code).toBe(0);
    const db = new Database(catalogPath, { readonly: true });
    try {
      const written = db.prepare('SELECT path FROM files WHERE last_scan = 2').pluck().all() as Buffer[];
      expect(written.map(String)).toEqual([dir.path('t/d3/file-3')]);
    } finally {
      db.close();
    }
  });
});
