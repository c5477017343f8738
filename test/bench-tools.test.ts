import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCorpus, generateFlatCorpus } from '../bench/corpus.mjs';
import { parseProfile } from '../bench/lib.mjs';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodupe-bench-tools-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every file under `root` (but the marker) as "relative path size sha256", sorted. */
function listing(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const name = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) visit(path, name);
      else if (name !== '.corpus.json') {
        const bytes = readFileSync(path);
        out.push(`${name} ${bytes.length} ${createHash('sha256').update(bytes).digest('hex')}`);
      }
    }
  };
  visit(root, '');
  return out.sort();
}

describe('the scale tree (corpus --flat)', () => {
  it('is the same tree byte for byte from the same seed: 100 files a folder, 1 B to 2 KiB, about 30 % copies', () => {
    const a = generateFlatCorpus(join(work, 'a'), { files: 1000, seed: 3 });
    const b = generateFlatCorpus(join(work, 'b'), { files: 1000, seed: 3 });
    const files = listing(a.root);
    expect(files).toEqual(listing(b.root));
    expect(files).toHaveLength(1000);
    expect(a.unique + a.copies).toBe(1000);
    expect(a.copies).toBeGreaterThan(200);
    expect(a.copies).toBeLessThan(400);
    const sizes = files.map((line) => Number(line.split(' ')[1]));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2048);
    expect(readdirSync(join(a.root, 'g0', 'd0'))).toHaveLength(100);
    expect(readdirSync(join(a.root, 'g0'))).toHaveLength(10);
    // Every copy duplicates an earlier file: at least that many files share their content with another.
    const contents = new Map<string, number>();
    for (const line of files) {
      const hash = line.split(' ')[2]!;
      contents.set(hash, (contents.get(hash) ?? 0) + 1);
    }
    const redundant = [...contents.values()].reduce((sum, n) => sum + n - 1, 0);
    expect(redundant).toBeGreaterThanOrEqual(a.copies);
  });

  it('refuses, before writing anything, a tree the disk has no room for, saying what it needs', () => {
    const root = join(work, 'too-big');
    expect(() => generateFlatCorpus(root, { files: 1e11 })).toThrow(
      /not enough room for the corpus .* needs about/,
    );
    expect(existsSync(root)).toBe(false);
  });

  it('is found again where it was moved to, not made again', () => {
    const made = ensureCorpus(join(work, 'first'), { files: 300, flat: true, seed: 5 });
    expect(made.generated).toBe(true);
    renameSync(made.root, join(work, 'moved'));
    const before = statSync(join(work, 'moved', 'g0', 'd0', 'f0')).mtimeMs;
    const found = ensureCorpus(join(work, 'moved'), { files: 300, flat: true, seed: 5 });
    expect(found).toMatchObject({ root: join(work, 'moved'), generated: false, files: 300 });
    expect(statSync(join(found.root, 'g0', 'd0', 'f0')).mtimeMs).toBe(before);
  });
});

describe('the --profile table, read generically', () => {
  it('reads each phase with its numbers and units, works out µs per file, and keeps the raw lines', () => {
    const stderr = [
      'a warning before the table',
      'phase                   time  share',
      'catalog-read          0.3 ms    0.3 %',
      'walk               2861.5 ms   49.2 %',
      'catalog-write      1936.8 ms   33.3 %  (12×)',
    ].join('\n');
    const table = parseProfile(stderr, 100_000);
    expect(table.header).toEqual(['phase', 'time', 'share']);
    expect(table.phases.map((p) => p.phase)).toEqual(['catalog-read', 'walk', 'catalog-write']);
    expect(table.phases[1]).toEqual({
      phase: 'walk',
      numbers: [2861.5, 49.2],
      units: ['ms', '%'],
      usPerFile: 28.62,
    });
    expect(table.phases[2]!.numbers).toEqual([1936.8, 33.3, 12]);
    expect(table.raw).toHaveLength(5);
  });

  it('takes added columns as they come (µs per file, the main thread’s share)', () => {
    const stderr = [
      'phase            time      share   µs/file   main',
      'walk        1,204.0 ms    40.0 %      12.0   35 %',
    ].join('\n');
    const [walk] = parseProfile(stderr, 100_000).phases;
    expect(walk).toEqual({
      phase: 'walk',
      numbers: [1204, 40, 12, 35],
      units: ['ms', '%', '', '%'],
      usPerFile: 12.04,
    });
  });

  it('finds no phases when there is no table', () => {
    expect(parseProfile('nodupe: something went wrong', 10)).toEqual({
      header: undefined,
      phases: [],
      raw: ['nodupe: something went wrong'],
    });
  });
});
