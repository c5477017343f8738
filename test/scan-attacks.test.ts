import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

// What a review of the scan engine found, each as the user met it. Mounts need root (the suite runs as root).
const asRoot = process.getuid?.() === 0;

let dir: ReturnType<typeof scratch>;
const mounts: string[] = [];
beforeEach(() => {
  dir = scratch();
});
afterEach(() => {
  for (const m of mounts.splice(0).reverse()) execFileSync('umount', [m]);
  dir.remove();
});

const cli = (...args: string[]) => runCli([...args, '--catalog', dir.path('catalog.db')], { cwd: dir.root });
const groupsOf = (stdout: string) =>
  (JSON.parse(stdout) as { groups: { files: { path: string }[] }[] }).groups.map((g) =>
    g.files.map((f) => f.path),
  );

describe.runIf(asRoot)('a file bind-mounted at a second path', () => {
  it('is one file, never a duplicate of itself, small or large', async () => {
    dir.write('t/a/small', 'hello');
    writeFileSync(dir.path('t/a/large'), bytes(100_000, 7));
    for (const [name, source] of [
      ['t/c/small', 't/a/small'],
      ['t/c/large', 't/a/large'],
    ] as const) {
      dir.write(name, '');
      execFileSync('mount', ['--bind', dir.path(source), dir.path(name)]);
      mounts.push(dir.path(name));
    }
    const { code, stdout } = await cli('dupes', '--format', 'json', 't');
    expect(code).toBe(0);
    expect(groupsOf(stdout)).toEqual([]);
  });
});

describe('a rescan', () => {
  it('marks gone the row of a copy replaced by a symbolic link, or by a folder, and verify finds nothing wrong', async () => {
    for (const name of ['y1', 'y2', 'z1', 'z2']) dir.write(`t/${name}`, name[0]!);
    expect(groupsOf((await cli('dupes', '--format', 'json', 't')).stdout)).toHaveLength(2);
    rmSync(dir.path('t/y2'));
    symlinkSync('y1', dir.path('t/y2'));
    rmSync(dir.path('t/z2'));
    mkdirSync(dir.path('t/z2'));
    dir.write('t/z2/inside', 'other');
    expect((await cli('scan', 't')).code).toBe(0);
    // From the catalog: no group left, and every row it still holds is true.
    const fromCatalog = await cli('dupes', '--format', 'json');
    expect(fromCatalog.code).toBe(0);
    expect(groupsOf(fromCatalog.stdout)).toEqual([]);
    const verified = await cli('verify');
    expect(verified.stderr + verified.stdout).not.toMatch(/not-a-file|missing/);
    expect(verified.code).toBe(0);
  });
});

describe.runIf(asRoot)('a catalog on a full disk', () => {
  it('stops the scan with one line (exit 1), no stack trace, and the catalog still opens', async () => {
    for (let i = 0; i < 3000; i++) dir.write(`t/f${i}`, `file ${i % 300}`);
    mkdirSync(dir.path('small'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300k', 'tmpfs', dir.path('small')]);
    mounts.push(dir.path('small'));
    const catalog = dir.path('small', 'c.db');
    const run = await runCli(['scan', '-q', '--catalog', catalog, 't'], { cwd: dir.root });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^nodupe: could not write the catalog .*: database or disk is full \(SQLITE_FULL\)/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    // What was committed stays readable, and the scan is named as unfinished.
    const after = await runCli(['dupes', '--catalog', catalog], { cwd: dir.root });
    expect(after.stderr).toMatch(/did not finish/);
  });
});
