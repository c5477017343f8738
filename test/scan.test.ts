import {
  chmodSync,
  linkSync,
  mkdirSync,
  symlinkSync,
  writeFileSync,
  readFileSync,
  unlinkSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import { AbortError } from '../src/core/errors.js';
import { FakeClock } from '../src/core/fake-clock.js';
import { ProgressTracker } from '../src/core/progress.js';
import { displayPath, toBytes } from '../src/model/paths.js';
import { nodeFileOps } from '../src/fs/file-ops.js';
import type { ScanReport } from '../src/model/groups.js';
import { scan, type ScanOptions } from '../src/scan/scan.js';
import { adversary, at } from './helpers/adversary.js';
import { knownPaths } from './helpers/catalog-rows.js';
import { injecting } from './helpers/ops.js';
import { catalogForEachTest } from './helpers/scratch-catalog.js';
import { bytes, scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let catalog: SqliteCatalog;

catalogForEachTest((c, d) => {
  catalog = c;
  dir = d;
});

function run(roots: string[], options: Partial<ScanOptions> = {}): Promise<ScanReport> {
  return scan({ roots, catalog, threads: 1, ...options });
}

/** Groups as sorted lists of paths relative to the scratch folder. */
function groupsOf(report: ScanReport): string[][] {
  return report.groups
    .map((g) => g.files.map((f) => displayPath(f.paths[0]!).slice(dir.root.length + 1)).sort())
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
}

describe('scan', () => {
  it('groups byte-identical files and leaves near misses out', async () => {
    const content = bytes(100_000, 1);
    dir.write('t/a', content);
    dir.write('t/b', content);
    dir.write('t/c', Buffer.concat([content.subarray(0, 99_999), Buffer.from('!')]));
    dir.write('t/d', bytes(10, 2));
    const report = await run([dir.path('t')]);
    expect(groupsOf(report)).toEqual([['t/a', 't/b']]);
    expect(report.groups[0]!.size).toBe(100_000);
    expect(report.files).toBe(4);
  });

  it('collapses hard links: one physical file, never a duplicate of itself', async () => {
    const a = dir.write('t/a', 'same content');
    linkSync(a, dir.path('t/a-link'));
    let report = await run([dir.path('t')]);
    expect(report.groups).toEqual([]);
    expect(report.files).toBe(1);
    expect(report.paths).toBe(2);

    dir.write('t/b', 'same content');
    report = await run([dir.path('t')]);
    expect(groupsOf(report)).toEqual([['t/a', 't/b']]);
    const linked = report.groups[0]!.files.find((f) => f.paths.length === 2)!;
    expect(linked.paths.map(displayPath)).toEqual([dir.path('t/a'), dir.path('t/a-link')]);
  });

  it('counts a path reached twice only once: repeated, overlapping and relative roots', async () => {
    dir.write('t/sub/x', 'x content');
    dir.write('t/sub/y', 'x content');
    dir.write('t/z', 'z');
    const report = await run([dir.path('t'), dir.path('t/sub'), dir.path('t'), `${dir.path('t/sub')}/`]);
    expect(report.paths).toBe(3);
    expect(report.files).toBe(3);
    expect(groupsOf(report)).toEqual([['t/sub/x', 't/sub/y']]);
  });

  it('does not follow symbolic links by default, and never groups them', async () => {
    dir.write('t/a', 'linked content');
    dir.write('t/b', 'linked content');
    symlinkSync(dir.path('t/a'), dir.path('t/link-to-a'));
    const report = await run([dir.path('t')]);
    expect(report.symlinks.map(displayPath)).toEqual([dir.path('t/link-to-a')]);
    expect(groupsOf(report)).toEqual([['t/a', 't/b']]);
  });

  it('follows symbolic links on request and stops at loops', async () => {
    dir.write('t/d/a', 'loop content');
    dir.write('t/e/b', 'loop content');
    symlinkSync('..', dir.path('t/d/up'));
    symlinkSync(dir.path('t'), dir.path('t/e/root'));
    const report = await run([dir.path('t')], { followSymlinks: true });
    expect(report.files).toBe(2);
    expect(groupsOf(report)).toEqual([['t/d/a', 't/e/b']]);
  });

  it('leaves empty files out unless asked, and never reads them', async () => {
    dir.write('t/e1', '');
    dir.write('t/e2', '');
    expect((await run([dir.path('t')])).groups).toEqual([]);
    const report = await run([dir.path('t')], { includeEmpty: true });
    expect(groupsOf(report)).toEqual([['t/e1', 't/e2']]);
    expect(report.bytesRead).toBe(0);
  });

  it('reports a file that changes during the scan and keeps it out of every group', async () => {
    const content = bytes(50_000, 3);
    dir.write('t/a', content);
    dir.write('t/b', content);
    dir.write('t/c', content);
    const progress = new ProgressTracker();
    // While the walk goes on (after c was stat'ed), someone rewrites a middle byte of c.
    progress.subscribe(() => {
      const current = progress.snapshot().current;
      if (current?.name === 'walk' && current.items > 0 && readFileSync(dir.path('t/c')).equals(content)) {
        const edited = Buffer.from(content);
        edited[25_000] = 255 - edited[25_000]!; // same size, same head and tail: only the whole-content read can tell
        writeFileSync(dir.path('t/c'), edited);
        utimesSync(dir.path('t/c'), new Date(), new Date(Date.now() + 5000));
      }
    });
    const report = await run([dir.path('t')], { progress });
    expect(report.changed.map(displayPath)).toEqual([dir.path('t/c')]);
    expect(groupsOf(report)).toEqual([['t/a', 't/b']]);
    // The next scan reads it afresh and sees it is no longer a duplicate.
    const again = await run([dir.path('t')]);
    expect(again.changed).toEqual([]);
    expect(groupsOf(again)).toEqual([['t/a', 't/b']]);
  });

  it('keeps names that are not valid UTF-8, through the catalog and back', async () => {
    const content = bytes(70_000, 5);
    const odd = Buffer.concat([toBytes(dir.path('t')), Buffer.from('/caf\xe9-'), Buffer.of(0xff, 0xfe)]);
    mkdirSync(dir.path('t'));
    writeFileSync(odd, content);
    dir.write('t/plain', content);
    const first = await run([dir.path('t')]);
    expect(first.groups).toHaveLength(1);
    const rawPaths = first.groups[0]!.files.map((f) => toBytes(f.paths[0]!));
    expect(rawPaths.some((p) => p.equals(odd))).toBe(true);

    const again = await run([dir.path('t')]);
    expect(again.bytesRead).toBe(0);
    expect(again.reused).toBe(2);
    expect(again.groups[0]!.files.map((f) => toBytes(f.paths[0]!)).some((p) => p.equals(odd))).toBe(true);
    const stored = knownPaths(catalog.knownRows([dir.path('t')]));
    expect(stored.some((p) => p.equals(odd))).toBe(true);
  });

  it('rescans from the catalog: unchanged files are not read, changed ones are, vanished ones are marked gone', async () => {
    for (let i = 0; i < 6; i++) dir.write(`t/f${i}`, bytes(80_000, (i % 3) + 1));
    const first = await run([dir.path('t')]);
    expect(first.bytesRead).toBeGreaterThan(0);
    expect(first.groups).toHaveLength(3);

    const second = await run([dir.path('t')]);
    expect(second.bytesRead).toBe(0);
    expect(second.reused).toBe(6);
    expect(groupsOf(second)).toEqual(groupsOf(first));

    writeFileSync(dir.path('t/f0'), bytes(80_000, 9));
    unlinkSync(dir.path('t/f5'));
    const third = await run([dir.path('t')]);
    expect(third.reused).toBe(4);
    expect(third.gone).toBe(1);
    expect(groupsOf(third)).toEqual([['t/f1', 't/f4']]);
    expect(knownPaths(catalog.knownRows([dir.path('t')])).map(String)).toEqual(
      [0, 1, 2, 3, 4].map((i) => dir.path(`t/f${i}`)),
    );
  });

  it('re-reads when asked for another hash algorithm', async () => {
    dir.write('t/a', bytes(9000, 1));
    dir.write('t/b', bytes(9000, 1));
    await run([dir.path('t')]);
    const sha = await run([dir.path('t')], { algorithm: 'sha256' });
    expect(sha.reused).toBe(0);
    expect(sha.groups[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('applies filters: exclude, include, sizes, hidden files, depth', async () => {
    const same = bytes(5000, 7);
    for (const p of ['t/a.jpg', 't/b.jpg', 't/c.tmp', 't/.hidden.jpg', 't/skip/d.jpg', 't/deep/er/e.jpg'])
      dir.write(p, same);
    const paths = async (options: Partial<ScanOptions>) =>
      groupsOf(await run([dir.path('t')], options)).flat();
    expect(await paths({ filters: { exclude: ['*.tmp', 'skip'] } })).toEqual([
      't/.hidden.jpg',
      't/a.jpg',
      't/b.jpg',
      't/deep/er/e.jpg',
    ]);
    // A glob with a slash matches the path below the root; one without, a name anywhere.
    expect(await paths({ filters: { include: ['*.tmp', 'deep/**'] } })).toEqual([
      't/c.tmp',
      't/deep/er/e.jpg',
    ]);
    expect(await paths({ filters: { exclude: ['deep/er/*.jpg', 'skip/**'] } })).toEqual([
      't/.hidden.jpg',
      't/a.jpg',
      't/b.jpg',
      't/c.tmp',
    ]);
    expect(await paths({ filters: { hidden: false, exclude: ['deep/er'] } })).toEqual([
      't/a.jpg',
      't/b.jpg',
      't/c.tmp',
      't/skip/d.jpg',
    ]);
    expect(await paths({ maxDepth: 0 })).toEqual(['t/.hidden.jpg', 't/a.jpg', 't/b.jpg', 't/c.tmp']);
    expect(await paths({ filters: { minSize: 5001 } })).toEqual([]);
    expect(await paths({ filters: { maxSize: 4999 } })).toEqual([]);
  });

  it('throttles content reads through the rate limiter (on a fake clock)', async () => {
    const content = bytes(1_500_000, 11);
    dir.write('t/a', content);
    dir.write('t/b', content);
    const clock = new FakeClock();
    const state = { finished: false };
    const scanning = run([dir.path('t')], { maxReadRate: 1 << 20, clock }).finally(
      () => (state.finished = true),
    );
    // The workers ask the limiter before every read; time moves only when the test moves it.
    while (!state.finished) await clock.advanceAsync(10);
    const report = await scanning;
    expect(groupsOf(report)).toEqual([['t/a', 't/b']]);
    expect(report.bytesRead).toBe(2 * (4096 + 4096 + 1_500_000));
    // 1 MiB/s with a 1 MiB bucket: everything past the first MiB waited for its tokens.
    expect(clock.now()).toBeGreaterThanOrEqual(((report.bytesRead - (1 << 20)) / (1 << 20)) * 1000);
  });
});

describe('scan, aborted', () => {
  it('rejects with an AbortError and ends its workers', async () => {
    for (let i = 0; i < 3; i++) dir.write(`t/f${i}`, bytes(10_000, 1));
    const controller = new AbortController();
    controller.abort(new Error('user pressed Ctrl-C'));
    await expect(run([dir.path('t')], { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    // The catalog is still usable: the next scan runs to the end.
    expect((await run([dir.path('t')])).groups).toHaveLength(1);
  });
});

describe('scan, unreadable parts', () => {
  it('counts an unreadable folder and goes on', async () => {
    if (process.getuid?.() === 0) return; // root reads everything; the CLI test runs this case as another user
    dir.write('t/ok/a', 'x');
    dir.write('t/ok/b', 'x');
    dir.write('t/locked/c', 'x');
    chmodSync(dir.path('t/locked'), 0o000);
    try {
      const report = await run([dir.path('t')]);
      expect(report.problems.map((p) => [displayPath(p.path), p.code])).toEqual([
        [join(dir.path('t'), 'locked'), 'EACCES'],
      ]);
      expect(groupsOf(report)).toEqual([['t/ok/a', 't/ok/b']]);
    } finally {
      chmodSync(dir.path('t/locked'), 0o755);
    }
  });
  it('reports a path whose lstat or readdir fails, as the file operations say, and goes on', async () => {
    for (const name of ['a', 'b', 'c', 'sub/d']) dir.write(`t/${name}`, 'same');
    const ops = injecting(nodeFileOps, [
      { call: 'lstat', pathIncludes: 't/b', code: 'EACCES' },
      { call: 'readdir', pathIncludes: 't/sub', code: 'EIO' },
    ]);
    const report = await run([dir.path('t')], { ops });
    expect(report.problems).toEqual([
      { path: dir.path('t/b'), op: 'lstat', code: 'EACCES', message: 'EACCES: injected failure, lstat' },
      { path: dir.path('t/sub'), op: 'readdir', code: 'EIO', message: 'EIO: injected failure, readdir' },
    ]);
    expect(groupsOf(report)).toEqual([['t/a', 't/c']]);
  });

  it('reports a file removed between the folder read and its lstat, and goes on', async () => {
    for (const name of ['a', 'b', 'c']) dir.write(`t/${name}`, 'same');
    const b = dir.path('t/b');
    const ops = adversary((call) => {
      if (!at('lstat', b)(call)) return false;
      unlinkSync(b);
      return true;
    });
    const report = await run([dir.path('t')], { ops });
    expect(report.problems.map((p) => [p.path, p.op, p.code])).toEqual([
      [dir.path('t/b'), 'lstat', 'ENOENT'],
    ]);
    expect(groupsOf(report)).toEqual([['t/a', 't/c']]);
  });
});
