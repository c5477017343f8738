// `nodupe manifest write|verify|compare` end to end: the manifest's lines, its place in the tree, what verify
// reads (through the catalog: only changed files; with --full, every file), bad manifests refused with exit 2,
// and the duplicate groups of two manifests equal to `nodupe dupes` of their two trees.
import { existsSync, linkSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readManifest } from '../src/manifest/manifest-json.js';
import { runCli, scratchEnv } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

const nodupe = (args: string[]) =>
  runCli([...args, '--catalog', dir.path('c.db'), '--no-progress'], { env: scratchEnv(dir) });
/** compare takes no catalog. */
const compare = (args: string[]) => runCli(['manifest', 'compare', ...args], { env: scratchEnv(dir) });

const MANIFEST = '.nodupe-manifest.jsonl';
const manifestOf = (path: string) => readManifest(readFileSync(path, 'utf8'), path);

interface VerifyJson {
  listed: number;
  matched: number;
  bytesRead: number;
  counts: Record<string, number>;
  differences: { kind: string; path: string; pathBytes?: string }[];
}
const verifyJson = async (args: string[]) => {
  const run = await nodupe(['manifest', 'verify', ...args, '--format', 'json']);
  return { run, report: JSON.parse(run.stdout) as VerifyJson };
};

/** A tree of `n` small files (under 64 KiB: read whole at once), all of different content. */
function smallTree(root: string, n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const content = bytes(100 + i * 37, i + 1);
    dir.write(join(root, `d${i % 7}`, `f${i}.bin`), content);
    total += content.length;
  }
  return total;
}

describe('nodupe manifest write', () => {
  it('lists every regular file below the folder, in path byte order, never itself; a rewrite reads nothing', async () => {
    dir.write('t/b.txt', 'bee');
    dir.write('t/a/z.txt', 'zed');
    dir.write('t/a/y.txt', 'bee');
    dir.write('t/empty', '');
    dir.write('t/.hidden', 'hidden');
    dir.write('t/big.bin', bytes(200_000, 7));
    linkSync(dir.path('t/b.txt'), dir.path('t/b-link.txt'));
    const run = await nodupe(['manifest', 'write', dir.path('t')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`manifest of 7 files`);
    expect(run.stdout).toContain(`written to ${dir.path('t', MANIFEST)}`);

    const manifest = manifestOf(dir.path('t', MANIFEST));
    expect(manifest.header.algorithm).toBe('xxh3');
    expect(manifest.header.root).toBe('t');
    expect(manifest.entries.map((e) => e.path)).toEqual([
      '.hidden',
      'a/y.txt',
      'a/z.txt',
      'b-link.txt',
      'b.txt',
      'big.bin',
      'empty',
    ]);
    const at = (p: string) => manifest.entries.find((e) => e.path === p)!;
    expect(at('a/y.txt').hash).toBe(at('b.txt').hash);
    expect(at('a/y.txt').link).toBeUndefined();
    expect(at('b.txt').link).toBe(1);
    expect(at('b-link.txt').link).toBe(1);
    expect(at('big.bin').size).toBe(200_000);
    expect(at('empty').hash).toBe('2d06800538d394c2'); // XXH3-64 of nothing
    expect(at('a/z.txt').mtimeNs).toBe(statSync(dir.path('t/a/z.txt'), { bigint: true }).mtimeNs);

    // Written again: the manifest is not listed, and no file is read.
    const again = await nodupe(['manifest', 'write', dir.path('t'), '--format', 'json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      manifest: dir.path('t', MANIFEST),
      files: 7,
      bytes: 200_018,
      bytesRead: 0,
      unreadable: [],
    });
    expect(manifestOf(dir.path('t', MANIFEST)).entries).toEqual(manifest.entries);
  });

  it('keeps names that are not UTF-8, byte for byte, and writes to stdout with `-o -`', async () => {
    const raw = Buffer.concat([Buffer.from(dir.path('t')), Buffer.from('/caf\xe9.txt', 'latin1')]);
    dir.write('t/plain.txt', 'plain');
    writeFileSync(raw, 'latin-1 name');
    const run = await nodupe(['manifest', 'write', dir.path('t'), '-o', '-']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('manifest of 2 files');
    const manifest = readManifest(run.stdout, 'stdout');
    const entry = manifest.entries[0]!;
    expect(Buffer.isBuffer(entry.path)).toBe(true);
    expect((entry.path as Buffer).equals(Buffer.from('caf\xe9.txt', 'latin1'))).toBe(true);
    expect(run.stdout).toContain(`"pathBytes":"${Buffer.from('caf\xe9.txt', 'latin1').toString('base64')}"`);
    expect(existsSync(dir.path('t', MANIFEST))).toBe(false);

    writeFileSync(dir.path('m.jsonl'), run.stdout);
    const verified = await verifyJson([dir.path('t'), '--manifest', dir.path('m.jsonl')]);
    expect(verified.run.code).toBe(0);
    expect(verified.report.matched).toBe(2);
  });

  it('never lists a manifest written anywhere in the tree, nor verify reports it as extra', async () => {
    dir.write('t/a.txt', 'a');
    dir.write('t/sub/b.txt', 'b');
    const m = dir.path('t/sub/list.jsonl');
    expect((await nodupe(['manifest', 'write', dir.path('t'), '-o', m])).code).toBe(0);
    expect(manifestOf(m).entries.map((e) => e.path)).toEqual(['a.txt', 'sub/b.txt']);
    const verified = await verifyJson([dir.path('t'), '--manifest', m]);
    expect(verified.run.code).toBe(0);
    expect(verified.report.differences).toEqual([]);
    expect((await nodupe(['manifest', 'write', dir.path('t'), '-o', m])).code).toBe(0);
    expect(manifestOf(m).entries.map((e) => e.path)).toEqual(['a.txt', 'sub/b.txt']);
    // The folder's own default manifest is nodupe's too, whichever manifest is written or verified (another
    // manifest in the tree is a file like any other to it).
    expect((await nodupe(['manifest', 'write', dir.path('t')])).code).toBe(0);
    expect(manifestOf(dir.path('t', MANIFEST)).entries.map((e) => e.path)).toEqual([
      'a.txt',
      'sub/b.txt',
      'sub/list.jsonl',
    ]);
    expect((await verifyJson([dir.path('t'), '--manifest', m])).report.differences).toEqual([]);
  });

  it('refuses an output it cannot write before any work: exit 2, nothing written', async () => {
    dir.write('t/a.txt', 'a');
    const run = await nodupe(['manifest', 'write', dir.path('t'), '-o', dir.path('no/such/folder/m.jsonl')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^nodupe: cannot write the manifest .*m\.jsonl: /);
    expect(existsSync(dir.path('c.db'))).toBe(false);
    const file = await nodupe(['manifest', 'write', dir.path('t/a.txt')]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('not a folder');
  });
});

describe('nodupe manifest verify', () => {
  it('says nothing differs for an unchanged tree, and reads nothing', async () => {
    smallTree('t', 20);
    expect((await nodupe(['manifest', 'write', dir.path('t')])).code).toBe(0);
    const text = await nodupe(['manifest', 'verify', dir.path('t')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe('20 files listed, 20 unchanged; read 0 B\n');
  });

  it('reports missing, changed, extra and corrupted files, and exits 1', async () => {
    smallTree('t', 10);
    const gone = dir.path('t/d1/f1.bin');
    const grown = dir.path('t/d2/f2.bin');
    const rotten = dir.path('t/d3/f3.bin');
    // A whole second, which utimes can set back exactly.
    utimesSync(rotten, new Date(2020, 1, 1), new Date(2020, 1, 1));
    expect((await nodupe(['manifest', 'write', dir.path('t')])).code).toBe(0);
    const { rmSync } = await import('node:fs');
    rmSync(gone);
    writeFileSync(grown, 'other, shorter content');
    // Same size and mtime, other bytes: the ctime moved, so the catalog reads it again, and it shows.
    const before = statSync(rotten);
    const flipped = readFileSync(rotten);
    flipped[5] = flipped[5]! ^ 0xff;
    writeFileSync(rotten, flipped);
    utimesSync(rotten, before.atime, before.mtime);
    dir.write('t/new.txt', 'new');

    const text = await nodupe(['manifest', 'verify', dir.path('t')]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('missing: d1/f1.bin\n');
    expect(text.stdout).toMatch(/\nchanged: d2\/f2\.bin \(size 174 → 22 bytes(, mtime moved)?\)\n/);
    expect(text.stdout).toContain('corrupted: d3/f3.bin (same size and mtime, other content)\n');
    expect(text.stdout).toContain('extra: new.txt\n');
    expect(text.stdout).toMatch(
      /10 files listed, 7 unchanged; 1 missing, 1 changed, 1 corrupted, 1 extra; read /,
    );
    expect(text.stderr).toBe('nodupe: 4 differences from the manifest\n');

    const full = await verifyJson([dir.path('t'), '--full']);
    expect(full.run.code).toBe(1);
    expect(full.report.counts).toEqual({ missing: 1, changed: 1, corrupted: 1, unreadable: 0, extra: 1 });
    expect(full.report.differences.map((d) => `${d.kind} ${d.path}`)).toEqual([
      'missing d1/f1.bin',
      'changed d2/f2.bin',
      'corrupted d3/f3.bin',
      'extra new.txt',
    ]);
  });

  it('after 1 % of the files changed, reads only those; with --full, every file', async () => {
    const total = smallTree('t', 300);
    expect((await nodupe(['manifest', 'write', dir.path('t')])).code).toBe(0);
    const changed = [0, 100, 200].map((i) => dir.path(`t/d${i % 7}/f${i}.bin`));
    let changedBytes = 0;
    for (const [k, path] of changed.entries()) {
      const content = bytes(1000 + k, 9000 + k);
      writeFileSync(path, content);
      changedBytes += content.length;
    }
    const quick = await verifyJson([dir.path('t')]);
    expect(quick.run.code).toBe(1);
    expect(quick.report.counts.changed).toBe(3);
    expect(quick.report.matched).toBe(297);
    expect(quick.report.bytesRead).toBe(changedBytes);

    const full = await verifyJson([dir.path('t'), '--full']);
    expect(full.report.counts.changed).toBe(3);
    const now = total - [0, 100, 200].reduce((s, i) => s + 100 + i * 37, 0) + changedBytes;
    expect(full.report.bytesRead).toBe(now);
  });

  it('refuses a missing, cut short, tampered or unsafe manifest: exit 2, no stack, nothing written', async () => {
    dir.write('t/a.txt', 'a');
    dir.write('t/b.txt', 'b');
    const made = await nodupe(['manifest', 'write', dir.path('t'), '-o', dir.path('good.jsonl')]);
    expect(made.code).toBe(0);
    const good = readFileSync(dir.path('good.jsonl'), 'utf8');
    const lines = good.trimEnd().split('\n');
    const { rmSync } = await import('node:fs');
    rmSync(dir.path('c.db'));
    const cases: [string, string, RegExp][] = [
      ['empty', '', /is empty: not a manifest/],
      ['not JSON', 'hello\n', /line 1 is not valid JSON/],
      [
        'other schema',
        good.replace('nodupe.manifest/1', 'nodupe.manifest/9'),
        /names the schema "nodupe.manifest\/9"/,
      ],
      ['cut short', `${lines.slice(0, 2).join('\n')}\n`, /has no trailer line/],
      ['no newline', good.trimEnd(), /does not end with a newline/],
      ['a line removed', `${[lines[0], lines[2], lines[3]].join('\n')}\n`, /lines were added or removed/],
      [
        'out of order',
        `${[lines[0], lines[2], lines[1], lines[3]].join('\n')}\n`,
        /listed twice or out of order/,
      ],
      ['escapes the folder', good.replace('"path":"a.txt"', '"path":"../a.txt"'), /has a "\.\." component/],
      ['absolute', good.replace('"path":"a.txt"', '"path":"/etc/passwd"'), /is absolute/],
      [
        'unknown field',
        good.replace('"path":"a.txt"', '"path":"a.txt","x":1'),
        /line 2: the file has a field the schema does not know/,
      ],
      [
        'bad hash',
        good.replace(/"hash":"[0-9a-f]+"/, '"hash":"XYZ"'),
        /line 2: the file's hash must match pattern/,
      ],
    ];
    for (const [name, text, message] of cases) {
      writeFileSync(dir.path('bad.jsonl'), text);
      const run = await nodupe(['manifest', 'verify', dir.path('t'), '--manifest', dir.path('bad.jsonl')]);
      expect(run.code, name).toBe(2);
      expect(run.stderr, name).toMatch(message);
      expect(run.stderr, name).not.toMatch(/\n\s+at /);
      expect(existsSync(dir.path('c.db')), name).toBe(false);
    }
    const none = await nodupe(['manifest', 'verify', dir.path('t')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`there is no manifest at ${dir.path('t', MANIFEST)}`);
    expect(none.stderr).toContain('hint: `nodupe manifest write');
    expect(existsSync(dir.path('c.db'))).toBe(false);
  });
});

describe('nodupe manifest compare', () => {
  interface DupesJson {
    groups: { files: { path: string; links: { path: string }[] }[] }[];
  }
  interface CompareJson {
    same: number;
    onlyA: { path: string }[];
    onlyB: { path: string }[];
    differ: { path: string }[];
    retimed: { path: string }[];
    groups: { files: { manifest: string; path: string; links: { path: string }[] }[] }[];
  }

  /** Each group as its sorted members, each member as its sorted paths: order-free. */
  const normalized = (groups: string[][][]) =>
    groups
      .map((g) => g.map((m) => m.sort().join(' = ')).sort())
      .sort((a, b) => a.join('|').localeCompare(b.join('|')));

  it('compares two manifests without their trees, and finds the duplicate groups `nodupe dupes` finds', async () => {
    // Two copies of a tree that drifted apart, with duplicates within each and across them.
    for (const side of ['a', 'b']) {
      dir.write(`${side}/same.txt`, 'in both, the same');
      dir.write(`${side}/photos/one.jpg`, bytes(70_000, 1));
      dir.write(`${side}/photos/one-copy.jpg`, bytes(70_000, 1));
      dir.write(`${side}/empty`, '');
    }
    dir.write('a/only-a.txt', 'only in a');
    dir.write('b/only-b.txt', 'only in a'); // same content as a's, another name
    dir.write('a/drift.txt', 'version 1');
    dir.write('b/drift.txt', 'version 2!');
    dir.write('b/photos/third.jpg', bytes(70_000, 1));
    linkSync(dir.path('b/photos/one.jpg'), dir.path('b/photos/one-link.jpg'));
    dir.write('a/unique.bin', bytes(5000, 3));
    utimesSync(dir.path('b/same.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect((await nodupe(['manifest', 'write', dir.path('a'), '-o', dir.path('a.jsonl')])).code).toBe(0);
    expect((await nodupe(['manifest', 'write', dir.path('b'), '-o', dir.path('b.jsonl')])).code).toBe(0);

    // Neither tree is needed.
    const { renameSync } = await import('node:fs');
    renameSync(dir.path('a'), dir.path('a-away'));
    renameSync(dir.path('b'), dir.path('b-away'));
    const run = await compare([dir.path('a.jsonl'), dir.path('b.jsonl'), '--groups', '--format', 'json']);
    expect(run.stderr).toBe('nodupe: the manifests differ in 6 paths\n');
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as CompareJson;
    expect(result.onlyA.map((p) => p.path)).toEqual(['only-a.txt', 'unique.bin']);
    expect(result.onlyB.map((p) => p.path)).toEqual([
      'only-b.txt',
      'photos/one-link.jpg',
      'photos/third.jpg',
    ]);
    expect(result.differ.map((p) => p.path)).toEqual(['drift.txt']);
    expect(result.same).toBe(4);
    expect(result.retimed.map((p) => p.path)).toContain('same.txt');
    renameSync(dir.path('a-away'), dir.path('a'));
    renameSync(dir.path('b-away'), dir.path('b'));

    const dupes = await nodupe(['dupes', dir.path('a'), dir.path('b'), '--format', 'json']);
    expect(dupes.code).toBe(0);
    const theirs = (JSON.parse(dupes.stdout) as DupesJson).groups.map((g) =>
      g.files.map((f) => [f.path, ...f.links.map((l) => l.path)].map((p) => relative(dir.root, p))),
    );
    const ours = result.groups.map((g) =>
      g.files.map((f) =>
        [f.path, ...f.links.map((l) => l.path)].map((p) => `${f.manifest.toLowerCase()}/${p}`),
      ),
    );
    expect(ours.length).toBe(3);
    expect(normalized(ours)).toEqual(normalized(theirs));

    const text = await compare([dir.path('a.jsonl'), dir.path('b.jsonl')]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('only in A: only-a.txt\n');
    expect(text.stdout).toContain('only in B: photos/third.jpg\n');
    expect(text.stdout).toContain('differs: drift.txt (size 9 → 10)\n');
    expect(text.stdout).toMatch(
      /: 4 the same \(\d with another mtime\), 2 only in A, 3 only in B, 1 differing\n$/,
    );
  });

  it('says two manifests of one tree are the same (exit 0), and refuses manifests of different hashes', async () => {
    smallTree('t', 5);
    expect((await nodupe(['manifest', 'write', dir.path('t'), '-o', dir.path('1.jsonl')])).code).toBe(0);
    expect((await nodupe(['manifest', 'write', dir.path('t'), '-o', dir.path('2.jsonl')])).code).toBe(0);
    const same = await compare([dir.path('1.jsonl'), dir.path('2.jsonl')]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/: 5 the same, 0 only in A, 0 only in B, 0 differing\n$/);

    const sha = await nodupe([
      'manifest',
      'write',
      dir.path('t'),
      '--hash',
      'sha256',
      '-o',
      dir.path('3.jsonl'),
    ]);
    expect(sha.code).toBe(0);
    const mixed = await compare([dir.path('1.jsonl'), dir.path('3.jsonl')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('hashes by xxh3');
    expect(mixed.stderr).toContain('by sha256: their contents cannot be compared');
  });
});
