import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasJdupes } from '../bench/oracle.mjs';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
const withJdupes = hasJdupes();

beforeEach(() => {
  dir = scratch();
  env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
  dir.write('t/a/x', 'hello\n');
  dir.write('t/a/x2', 'hello\n');
  dir.write('t/b/y', 'hello\n');
  dir.write('t/a/z', 'world\n');
  dir.write('t/b/w', 'world\n');
  dir.write('t/a/unique', 'unique\n');
});
afterEach(() => dir.remove());

/** nodupe's output for `args`, run in the scratch folder. */
async function nodupe(...args: string[]) {
  return runCli(args, { cwd: dir.root, env });
}

/** What jdupes prints for the same arguments, in the same folder. */
function jdupes(...args: string[]): Buffer {
  return spawnSync('jdupes', ['-q', ...args], { cwd: dir.root }).stdout;
}

/** Groups of paths, order left aside: fdupes output (blank-line separated) or `-0` output (NUL, NUL NUL). */
function groupsOf(output: Buffer | string, nul = false): string[][] {
  const text = output.toString();
  const [sep, end] = nul ? ['\0\0', '\0'] : ['\n\n', '\n'];
  return text
    .split(sep)
    .filter((block) => block.length > 0)
    .map((block) => block.split(end).filter(Boolean).sort())
    .sort((a, b) => a.join('|').localeCompare(b.join('|')));
}

describe('fdupes and jdupes habits that work', () => {
  it('-r, -R and --recurse are accepted (nodupe always recurses), by `nodupe DIR` and `nodupe dupes`', async () => {
    const plain = await nodupe('--no-progress', 't');
    expect(plain.code).toBe(0);
    for (const args of [
      ['-r', 't'],
      ['dupes', '-r', 't'],
      ['-R', 't'],
      ['--recurse', 't'],
      ['scan', '-r', 't'],
    ]) {
      const run = await nodupe(...args, '--no-progress');
      expect(run.code, args.join(' ')).toBe(0);
      if (args[0] !== 'scan') expect(run.stdout).toBe(plain.stdout);
    }
  });

  it('--format fdupes spells each path from its root as typed, as fdupes and jdupes do', async () => {
    const run = await nodupe('--format', 'fdupes', '-r', './t/a', 't/b/');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('./t/a/x\n./t/a/x2\nt/b/y\n\n./t/a/z\nt/b/w\n\n');
    if (withJdupes) expect(groupsOf(run.stdout)).toEqual(groupsOf(jdupes('-r', './t/a', 't/b/')));
    // From the catalog alone there are no roots as typed: absolute paths.
    const fromCatalog = await nodupe('dupes', '--format', 'fdupes');
    expect(fromCatalog.stdout.split('\n')[0]).toBe(dir.path('t/a/x'));
  });

  it('-0 ends each path with a NUL and each group with one more, as jdupes -0 (and implies the fdupes format)', async () => {
    const run = await nodupe('-r', '-0', 't');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('t/a/x\0t/a/x2\0t/b/y\0\0t/a/z\0t/b/w\0\0');
    if (withJdupes) expect(groupsOf(run.bytes, true)).toEqual(groupsOf(jdupes('-r', '-0', 't'), true));
  });

  it('-m prints only the summary, in the words of fdupes -m and jdupes -m, with plurals right', async () => {
    const run = await nodupe('-r', '-m', 't');
    expect(run.stdout).toBe('3 duplicate files (in 2 sets), occupying 18 bytes\n');
    if (withJdupes) expect(run.stdout).toBe(jdupes('-r', '-m', 't').toString());
    const one = await nodupe('-m', 't/b', 't/a/z');
    expect(one.stdout).toBe('1 duplicate file (in 1 set), occupying 6 bytes\n');
    dir.write('big/a', Buffer.alloc(5000, 1));
    dir.write('big/b', Buffer.alloc(5000, 1));
    expect((await nodupe('-m', 'big')).stdout).toBe(
      '1 duplicate file (in 1 set), occupying 5,000 bytes (4.88 KiB)\n',
    );
  });

  it('-S says "N bytes each:" before each group, in the text and fdupes formats', async () => {
    const fdupes = await nodupe('-r', '-S', '--format', 'fdupes', 't');
    expect(fdupes.stdout).toBe('6 bytes each:\nt/a/x\nt/a/x2\nt/b/y\n\n6 bytes each:\nt/a/z\nt/b/w\n\n');
    if (withJdupes) {
      const blocks = (out: string) =>
        out
          .split('\n\n')
          .filter(Boolean)
          .map((b) => b.split('\n').sort().join('\n'))
          .sort();
      expect(blocks(fdupes.stdout)).toEqual(blocks(jdupes('-r', '-S', 't').toString()));
    }
    const text = await nodupe('-S', 't');
    expect(text.stdout).toContain(`6 bytes each:\n${dir.path('t/a/x')}\n`);
    expect(text.stdout).toMatch(/^2 groups, 3 redundant files/m);
    dir.write('one/a', 'x');
    dir.write('one/b', 'x');
    expect((await nodupe('-S', '-0', 'one')).stdout).toBe('1 byte each:\none/a\0one/b\0\0');
  });

  it('-1 puts each group on one line, spaces and backslashes escaped, as fdupes -1', async () => {
    dir.write('s/a b', 'same\n');
    dir.write('s/c\\d', 'same\n');
    const run = await nodupe('-1', 's', 't/b', 't/a/z');
    // Groups come largest reclaimable first, copies in root order: t/b before t/a/z, as given.
    expect(run.stdout).toBe('t/b/w t/a/z \ns/a\\ b s/c\\\\d \n');
  });

  it('-f leaves out the first file of each group, as fdupes -f and jdupes -f', async () => {
    const run = await nodupe('-r', '-f', '--format', 'fdupes', 't');
    expect(run.stdout).toBe('t/a/x2\nt/b/y\n\nt/b/w\n\n');
    if (withJdupes) expect(groupsOf(run.stdout)).toEqual(groupsOf(jdupes('-r', '-f', 't')));
  });

  it('-A is --no-hidden, -z is --include-empty, -n is accepted (empty files are left out already)', async () => {
    dir.write('h/.a', 'dot\n');
    dir.write('h/.b', 'dot\n');
    dir.write('h/e1', '');
    dir.write('h/e2', '');
    expect((await nodupe('--format', 'fdupes', 'h')).stdout).toBe('h/.a\nh/.b\n\n');
    expect((await nodupe('-A', '--format', 'fdupes', 'h')).stdout).toBe('');
    expect((await nodupe('-n', '--format', 'fdupes', 'h')).stdout).toBe('h/.a\nh/.b\n\n');
    expect((await nodupe('-A', '-z', '--format', 'fdupes', 'h')).stdout).toBe('h/e1\nh/e2\n\n');
  });

  it('`nodupe group DIR` is `nodupe dupes DIR`, for fclones users', async () => {
    const run = await nodupe('group', '--format', 'fdupes', 't');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('t/a/x\nt/a/x2\nt/b/y\n\nt/a/z\nt/b/w\n\n');
  });
});

describe('habits refused with a clear message (exit 2, nothing touched)', () => {
  const tree = () => readdirSync(dir.root, { recursive: true }).map(String).sort();

  it.each([
    ['-d', 'nodupe plan t -o plan.json'],
    ['--delete', 'nodupe plan t -o plan.json'],
    ['-N', 'nodupe plan t -o plan.json'],
    ['-I', 'nodupe plan t -o plan.json'],
    ['-L', 'nodupe plan t --action hardlink -o plan.json'],
    ['-l', 'nodupe plan t --action symlink -o plan.json'],
    ['-B', 'nodupe plan t --action reflink -o plan.json'],
  ])('%s changes no file and says how nodupe does it', async (flag, planLine) => {
    const before = tree();
    const run = await nodupe('-r', flag, 't');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^nodupe: -\w\/--[\w-]+.*: nodupe does not change files while it lists them/);
    expect(run.stderr).toContain(
      `  ${planLine}   # choose keepers; read plan.json\n  nodupe apply plan.json\n`,
    );
    expect(tree()).toEqual(before);
  });

  it('-L also points fdupes users at --max-size; a path with spaces is quoted for the shell', async () => {
    dir.write("my photos/it's", 'x');
    const run = await nodupe('-L', 'my photos');
    expect(run.stderr).toContain("fdupes' -L, its --maxsize, is --max-size here");
    expect(run.stderr).toContain("  nodupe plan 'my photos' --action hardlink -o plan.json");
    const rm = await nodupe('-rdN', "my photos/it's");
    expect(rm.stderr).toContain(`  nodupe plan 'my photos/it'\\''s' -o plan.json`);
    expect(rm.stderr).toContain('That quarantines the copies (`nodupe undo` puts them back)');
  });

  it("fclones' remove, link, dedupe and move say which nodupe commands do it", async () => {
    for (const [command, action] of [
      ['remove', ''],
      ['link', ' --action hardlink'],
      ['dedupe', ' --action reflink'],
      ['move', ' --action move --to DIR'],
    ] as const) {
      const run = await nodupe(command, '--some-fclones-flag', 'x');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`nodupe: \`fclones ${command}\` reads a list of groups`);
      expect(run.stderr).toContain(`  nodupe plan PATH...${action} -o plan.json`);
    }
  });

  it('an option of fdupes or jdupes that nodupe spells otherwise gets a hint', async () => {
    const run = await nodupe('-r', '-s', 't');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^nodupe: unknown option '-s'\nnodupe: hint: to follow symbolic links: --follow-symlinks\n/,
    );
    expect((await nodupe('--minsize=10', 't')).stderr).toContain(
      'nodupe: hint: the smallest size: --min-size SIZE\n',
    );
  });

  it('output flags that do not fit the format are refused', async () => {
    expect((await nodupe('-0', '-1', 't')).stderr).toBe(
      'nodupe: -0 and -1 do not go together: a NUL ends each path, or a line each group\n',
    );
    const json = await nodupe('--format', 'json', '-S', 't');
    expect(json.code).toBe(2);
    expect(json.stderr).toBe('nodupe: -S: for the text and fdupes formats, not json\n');
    expect((await nodupe('--format', 'text', '-0', 't')).stderr).toBe(
      'nodupe: -0 is for the fdupes format, not text\n',
    );
  });
});
