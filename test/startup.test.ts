// Start-up: bin/nodupe.js runs the command line bundled by `npm run build` (dist/bundle/), whose commands load
// when they are chosen; its workers (hashing, plugin sandbox) stay files of their own in dist/. The spawned runs
// need dist/ (`npm run build` first, as the test script does).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatCount } from '../src/core/format.js';
import { runCli, scratchEnv } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

const BIN = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../examples', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

/** Runs the installed command as a user's shell does, in the scratch folder with its own catalog. */
async function nodupe(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      cwd: dir.root,
      env: { ...process.env, ...scratchEnv(dir) },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the bundled command line', () => {
  it('prints the version of its package', async () => {
    const r = await nodupe('--version');
    expect(r).toEqual({ code: 0, stdout: `${PACKAGE.version}\n`, stderr: '' });
  });

  it('answers for an empty folder: no groups, exit 0', async () => {
    dir.write('empty/.keep', '');
    const r = await nodupe('dupes', '--no-progress', '--catalog', dir.path('c.db'), dir.path('empty'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^0 groups/);
  });

  it('hashes in its workers and renders through a format plugin in its sandbox', async () => {
    const big = bytes(70_000, 5);
    dir.write('t/a/one.jpg', big);
    dir.write('t/b/one.jpg', big);
    dir.write('t/b/other.jpg', bytes(70_000, 6));
    const r = await nodupe(
      'dupes',
      '--no-progress',
      '--plugins',
      EXAMPLES,
      '--format',
      'html',
      dir.path('t'),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>/);
    expect(r.stdout).toContain(`<li>${dir.path('t/a/one.jpg')}</li>`);
    expect(r.stdout).toContain(`<li>${dir.path('t/b/one.jpg')}</li>`);
    expect(r.stdout).not.toContain('other.jpg');
  });

  it('writes a plan and reads it back through the plan schema', async () => {
    dir.write('t/a/x', 'the same bytes');
    dir.write('t/b/x', 'the same bytes');
    const plan = await nodupe('plan', '--no-progress', '-o', dir.path('plan.json'), dir.path('t'));
    expect(plan.code).toBe(0);
    const dryRun = await nodupe('apply', '--no-progress', dir.path('plan.json'), '--dry-run');
    expect(dryRun.stderr).toBe('');
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain(dir.path('t/b/x'));
  });
});

describe('commands load when they are chosen', () => {
  it('every command the help lists answers to its name and its aliases', async () => {
    const help = await runCli(['--help']);
    const listed = [...help.stdout.matchAll(/^ {2}([a-z|]+)(?= )/gm)]
      .map((m) => m[1]!.split('|'))
      .filter(([name]) => name !== 'help');
    expect(listed.map(([name]) => name)).toEqual([
      'scan',
      'dupes',
      'plan',
      'apply',
      'undo',
      'runs',
      'quarantine',
      'verify',
      'snapshot',
      'plugins',
      'similar',
      'where',
      'serve',
      'watch',
      'manifest',
      'import',
    ]);
    for (const names of listed) {
      for (const name of names) {
        const r = await runCli([name, '--help']);
        expect(r.code, name).toBe(0);
        expect(r.stdout, name).toMatch(new RegExp(`^Usage: nodupe ${names.join('\\|')} `));
      }
    }
    const viaHelp = await runCli(['help', 'verify']);
    expect(viaHelp.stdout).toMatch(/^Usage: nodupe verify /);
  });

  it("refuses fclones' file-changing commands by their names", async () => {
    for (const name of ['remove', 'link', 'dedupe', 'move']) {
      const r = await runCli([name, 'groups.txt']);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toContain(`\`fclones ${name}\` reads a list of groups`);
    }
  });

  it('prints the version wherever --version stands, and then does nothing else', async () => {
    for (const args of [['-V'], ['plan', '--version'], ['some/dir', '--version', '-q']]) {
      const r = await runCli(args);
      expect(r, args.join(' ')).toMatchObject({ code: 0, stdout: `${PACKAGE.version}\n`, stderr: '' });
    }
  });

  it('takes a first word that names no command as a path for dupes, as before', async () => {
    const r = await runCli(['no-such-folder', '--catalog', dir.path('c.db')], { env: scratchEnv(dir) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('nodupe: no-such-folder: no such file or directory\n');
  });
});

describe('counts, written without ICU (whose set-up would cost a short command a tenth of its time)', () => {
  it('are grouped in thousands as en-US writes them', () => {
    const values = [
      0,
      7,
      -7,
      999,
      1000,
      -1000,
      12_345,
      999_999,
      1_000_000,
      -123_456_789,
      2 ** 53 - 1,
      1.5,
      NaN,
    ];
    for (const n of values) expect(formatCount(n), String(n)).toBe(n.toLocaleString('en-US'));
  });
});
