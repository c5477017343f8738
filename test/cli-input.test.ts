import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { count } from '../src/core/format.js';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = scratch();
  env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
  dir.write('t/a/x.jpg', 'same');
  dir.write('t/b/x.jpg', 'same');
  dir.write('t/a/other', 'other');
});
afterEach(() => dir.remove());

const cli = (command: string, ...args: string[]) =>
  runCli([command, '--no-progress', ...args], { cwd: dir.root, env });
/** Every path under the scratch folder, to show that a refused command created nothing. */
const tree = () => readdirSync(dir.root, { recursive: true }).map(String).sort();

/** A refusal: exit 2, one `nodupe:` message and no stack trace, nothing created or changed. */
async function refused(args: string[], message: string | RegExp): Promise<string> {
  const before = tree();
  const run = await cli(args[0]!, ...args.slice(1));
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^nodupe: /);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).toMatch(message);
  expect(run.stdout).toBe('');
  expect(tree()).toEqual(before);
  return run.stderr;
}

describe('bad input is refused before anything is touched (exit 2, nothing created)', () => {
  it('--threads above 256', async () => {
    await refused(
      ['dupes', 't', '--threads', '10000'],
      "nodupe: option '--threads <n>' argument '10000' is invalid. expected a whole number from 1 to 256",
    );
    await refused(['verify', '--threads', '257'], /expected a whole number from 1 to 256/);
  });

  it('--catalog naming a folder', async () => {
    mkdirSync(dir.path('folder'));
    const stderr = await refused(['dupes', '--catalog', 'folder', 't'], /is a folder/);
    expect(stderr).toContain(`the catalog ${dir.path('folder')} is a folder: name a catalog file, such as`);
    await refused(['runs', '--catalog', 'folder'], /is a folder/);
  });

  it('--catalog in a folder that does not exist: no folder is made', async () => {
    const stderr = await refused(['scan', '--catalog', 'nonexistent/sub/c.db', 't'], /does not exist/);
    expect(stderr).toBe(
      `nodupe: cannot make the catalog ${dir.path('nonexistent/sub/c.db')}: its folder ${dir.path('nonexistent/sub')} ` +
        'does not exist (make it first, with mkdir -p, or name a catalog in a folder that exists)\n',
    );
  });

  it('--cpu-prof into a folder that does not exist, before the scan', async () => {
    await refused(
      ['dupes', 't', '--cpu-prof', 'nowhere/p.cpuprofile'],
      `nodupe: --cpu-prof: cannot write ${dir.path('nowhere/p.cpuprofile')}: its folder ${dir.path('nowhere')} does not exist`,
    );
  });

  it('plan -o naming a folder, before the scan, and no temporary file', async () => {
    mkdirSync(dir.path('out'));
    await refused(['plan', 't', '-o', 'out'], `nodupe: -o ${dir.path('out')}: is a folder; name a file`);
    expect(readdirSync(dir.root).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('--min-size above --max-size', async () => {
    await refused(
      ['dupes', 't', '--min-size', '10K', '--max-size', '1K'],
      'nodupe: --min-size (10,240 bytes) is above --max-size (1,024 bytes): no file could be kept',
    );
    await refused(['scan', 't', '--min-size', '2', '--max-size', '1'], /is above --max-size/);
  });

  it('--prefer and --protect naming a folder that does not exist, as --only-from', async () => {
    await refused(
      ['plan', 't', '--prefer', 't/c'],
      `nodupe: --prefer ${dir.path('t/c')}: no such file or directory`,
    );
    await refused(
      ['plan', 't', '--protect', 't/c'],
      `nodupe: --protect ${dir.path('t/c')}: no such file or directory`,
    );
    await refused(
      ['plan', 't', '--only-from', 't/c'],
      `nodupe: --only-from ${dir.path('t/c')}: no such file or directory`,
    );
  });

  it('--run without --resume', async () => {
    await refused(
      ['apply', 'plan.json', '--run', '3'],
      'nodupe: --run is for --resume\nnodupe: hint: nodupe apply --resume --run 3',
    );
  });

  it('[policy] action = "move" without to names the config key and file', async () => {
    const config = dir.write('my.toml', '[policy]\naction = "move"\n');
    const stderr = await refused(['plan', 't', '--config', config], /\[policy\] to/);
    expect(stderr).toBe(
      `nodupe: [policy] action = "move" needs [policy] to, the folder to move files into, in ${config}\n`,
    );
    expect(stderr).not.toContain('--to');
  });

  it("commander's own errors start with nodupe: too", async () => {
    const stderr = await refused(['dupes', '--frobnicate', 't'], /^nodupe: unknown option '--frobnicate'\n/);
    expect(stderr).not.toMatch(/^error:/m);
    await refused(
      ['plan', 't', '--action', 'shred'],
      /^nodupe: option '--action <action>' argument 'shred' is invalid/,
    );
  });
});

describe('warnings that do not stop the command', () => {
  it('an --exclude or --include glob that matched nothing', async () => {
    const run = await cli(
      'dupes',
      't',
      '--exclude',
      '*.tmp',
      '--exclude',
      'other',
      '--include',
      '*.jpeg',
      '--include',
      '*.jpg',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('nodupe: --exclude *.tmp: the glob matched nothing\n');
    expect(run.stderr).toContain('nodupe: --include *.jpeg: the glob matched nothing\n');
    expect(run.stderr).not.toContain('--exclude other:');
    expect(run.stderr).not.toContain('--include *.jpg:');
    expect(run.stdout).toContain('1 group, 1 redundant file');
  });

  it('a --prefer-match or --avoid-match glob that matched no file of any group', async () => {
    const run = await cli(
      'plan',
      't',
      '-o',
      'plan.json',
      '--prefer-match',
      '*.png',
      '--avoid-match',
      '**/b/*',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'nodupe: prefer-match *.png: the glob matched no file of any group, so the rule decided nothing\n',
    );
    expect(run.stderr).not.toContain('avoid-match');
  });

  it('says which config file shaped a plan', async () => {
    const config = dir.write('config/nodupe/config.toml', '[policy]\nrules = ["newest"]\n');
    const run = await cli('plan', 't', '-o', 'plan.json');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`nodupe: policy from ${config}\n`);
    // Every part given on the command line: the file shaped nothing.
    const own = await cli('plan', 't', '-o', 'plan2.json', '--keep', 'oldest');
    expect(own.stderr).not.toContain('policy from');
  });
});

describe('counts agree with their nouns', () => {
  it('count() says 1 group, 2 groups', () => {
    expect(count(1, 'group')).toBe('1 group');
    expect(count(0, 'group')).toBe('0 groups');
    expect(count(1234, 'file')).toBe('1,234 files');
    expect(count(1, 'file or folder', 'files or folders')).toBe('1 file or folder');
  });

  it('in dupes, scan and plan output', async () => {
    const dupes = await cli('dupes', 't');
    expect(dupes.stdout).toMatch(/^1 group, 1 redundant file, 4 B reclaimable \(scanned 3 files, 13 B\)$/m);
    const scan = await cli('scan', 't');
    expect(scan.stdout).toMatch(/^scanned 3 files \(13 B\) in 3 folders; read .*; 1 duplicate group; /);
    const plan = await cli('plan', 't', '-o', 'plan.json');
    expect(plan.stderr).toMatch(/: 1 group, 1 file to quarantine, /);
    writeFileSync(dir.path('t/a/lone'), 'lone');
    const single = await cli('scan', 't/a/lone');
    expect(single.stdout).toMatch(/^scanned 1 file \(4 B\) in 0 folders; read 0 B; 0 duplicate groups; /);
  });
});
