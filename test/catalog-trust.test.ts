// Apply, resume, undo and purge follow the catalog's journal: they refuse a catalog another user could have
// written (its file, -wal, -shm, its folder and the folders above), with the fix, and change nothing. Commands
// that only read it still read it.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

const asRoot = process.getuid?.() === 0;

let dir: ReturnType<typeof scratch>;
let catalog: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = scratch();
  env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
  catalog = dir.path('own/catalog.db');
  mkdirSync(dir.path('own'), { mode: 0o700 });
  const content = bytes(30_000, 3);
  dir.write('t/k/keep', content);
  dir.write('t/c/copy', content);
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli([...args, '--catalog', catalog], { cwd: dir.root, env });

/** A run that quarantined t/c/copy, and a second plan not applied yet. */
async function applied(): Promise<void> {
  expect((await cli('plan', 't', '--prefer', 't/k', '-o', 'plan.json', '-q')).code).toBe(0);
  expect((await cli('apply', 'plan.json', '-q')).code).toBe(0);
  dir.write('t/k/keep2', 'same again');
  dir.write('t/c/copy2', 'same again');
  expect((await cli('plan', 't', '--prefer', 't/k', '-o', 'plan2.json', '-q')).code).toBe(0);
}

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Every command that acts on files as the journal says: each refused with `message`, nothing changed. */
async function expectAllRefused(message: string): Promise<void> {
  const before = digest(catalog);
  const quarantined = readdirSync(dir.path('data/nodupe/quarantine'), { recursive: true }).sort();
  for (const args of [
    ['undo'],
    ['apply', '--resume'],
    ['apply', 'plan2.json'],
    ['quarantine', 'purge', '--older-than', '0'],
  ]) {
    const run = await cli(...args);
    expect({ args, code: run.code, stderr: run.stderr }).toEqual({
      args,
      code: 2,
      stderr: `nodupe: ${message}\n`,
    });
  }
  expect(digest(catalog)).toBe(before);
  expect(readdirSync(dir.path('data/nodupe/quarantine'), { recursive: true }).sort()).toEqual(quarantined);
  expect(readFileSync(dir.path('t/c/copy2'), 'utf8')).toBe('same again');
}

const WHY =
  'apply, resume, undo and purge act on files as its journal says, so they use only a catalog that no one else ' +
  'could have written';

describe('a catalog others could have written', () => {
  it('one writable by others is refused by apply, resume, undo and purge, with the chmod that fixes it', async () => {
    await applied();
    chmodSync(catalog, 0o664);
    await expectAllRefused(
      `the catalog ${catalog} can be written by others (mode 664): ${WHY}; fix with chmod go-w ${catalog}`,
    );
    // Commands that only read it still do.
    const runs = await cli('runs');
    expect(runs.code).toBe(0);
    expect(runs.stdout).toContain('quarantine');
    chmodSync(catalog, 0o644);
    expect((await cli('undo', '-q')).code).toBe(0);
    expect(readFileSync(dir.path('t/c/copy'))).toEqual(readFileSync(dir.path('t/k/keep')));
  });

  it('its folder may not be writable by others, nor a shared sticky folder (others could put a -wal beside it)', async () => {
    await applied();
    const own = dir.path('own');
    chmodSync(own, 0o777);
    await expectAllRefused(
      `the catalog's folder ${own} can be written by others (mode 777): ${WHY}; fix with chmod go-w ${own}`,
    );
    chmodSync(own, 0o1777);
    await expectAllRefused(
      `the catalog's folder ${own} can be written by others (mode 1777): ${WHY}; others can put files beside ` +
        `the catalog there: keep it in a folder of your own (mkdir -m 700 DIR, move ${catalog} there with its ` +
        '-wal if there is one, and pass --catalog DIR/catalog.db)',
    );
  });

  it('a folder above it that others can write (not sticky) is refused too; a sticky one (as /tmp) is not', async () => {
    const shared = dir.path('shared');
    mkdirSync(`${shared}/mine`, { recursive: true, mode: 0o700 });
    catalog = `${shared}/mine/catalog.db`;
    await applied();
    chmodSync(shared, 0o777);
    await expectAllRefused(
      `the folder ${shared} can be written by others (mode 777), who could replace the catalog: ${WHY}; ` +
        'fix that folder (chmod go-w, or chown), or keep the catalog in a folder of your own and pass --catalog',
    );
    chmodSync(shared, 0o1777);
    expect((await cli('undo', '-q')).code).toBe(0);
  });

  it('a catalog reached through a symbolic link is judged, and opened, by its real path', async () => {
    await applied();
    symlinkSync(catalog, dir.path('link.db'));
    const run = await runCli(['undo', '--catalog', dir.path('link.db')], { cwd: dir.root, env });
    expect(run.stdout).toBe('run 1: 1 undone, 0 already in place, 0 not undone\n');
    expect(run.code).toBe(0);
  });

  it.runIf(asRoot)(
    'as root: a catalog, -wal or folder of another user is refused, with the chown that takes it over',
    async () => {
      await applied();
      chownSync(catalog, 4242, 4242);
      await expectAllRefused(
        `the catalog ${catalog} belongs to another user (uid 4242): ${WHY}; run nodupe as that user, or, if you ` +
          `trust what it holds, take it over: chown root ${catalog}`,
      );
      chownSync(catalog, 0, 0);
      writeFileSync(`${catalog}-wal`, '');
      chownSync(`${catalog}-wal`, 4242, 4242);
      await expectAllRefused(
        `the catalog's write-ahead log ${catalog}-wal belongs to another user (uid 4242): ${WHY}; run nodupe as ` +
          `that user, or, if you trust what it holds, take it over: chown root ${catalog}-wal`,
      );
      chownSync(`${catalog}-wal`, 0, 0);
      chownSync(dir.path('own'), 4242, 4242);
      await expectAllRefused(
        `the catalog's folder ${dir.path('own')} belongs to another user (uid 4242): ${WHY}; run nodupe as that ` +
          `user, or, if you trust what it holds, take it over: chown root ${dir.path('own')}`,
      );
      chownSync(dir.path('own'), 0, 0);
      expect((await cli('undo', '-q')).code).toBe(0);
    },
  );
});
