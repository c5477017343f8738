// A purge removes the quarantined copy only while the keeper is the very file it was quarantined against (the
// inode journaled with the intent): another file with the same bytes at the keeper's name, another user's
// perhaps, never stands in for it, not even with --any-owner.
import { chownSync, copyFileSync, existsSync, readdirSync, renameSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

const asRoot = process.getuid?.() === 0;

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env });

/** Quarantines t/copy.dat against its keeper t/k.dat (both of user 1001); the path of the quarantined copy. */
async function quarantined(): Promise<string> {
  const content = bytes(50_000, 3);
  chownSync(dir.write('t/k.dat', content), 1001, 1001);
  chownSync(dir.write('t/copy.dat', content), 1001, 1001);
  expect(
    (await cli('plan', 't', '--keep', 'shortest-path', '--prefer', 't/k.dat', '-o', 'plan.json', '-q')).code,
  ).toBe(0);
  expect((await cli('apply', 'plan.json', '-q')).code).toBe(0);
  const runs = await cli('runs');
  expect(runs.stdout).toMatch(/\tquarantine\tfinished\t1 done/);
  const copy = findCopy(dir.path('data'));
  expect(copy).toBeDefined();
  return copy!;
}

function findCopy(folder: string): string | undefined {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      const found = findCopy(path);
      if (found !== undefined) return found;
    } else if (entry.name === 'copy.dat') return path;
  }
  return undefined;
}

beforeEach(() => {
  dir = scratch();
  env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
});
afterEach(() => dir.remove());

describe.runIf(asRoot)('quarantine purge and the keeper it was quarantined against', () => {
  it('keeps the copy when another user swapped the keeper for an identical file of theirs, even with --any-owner', async () => {
    const copy = await quarantined();
    // Another user puts their own file with the same bytes at the keeper's name (as `mv -f` in a team folder).
    copyFileSync(dir.path('t/k.dat'), dir.path('t/.swap'));
    chownSync(dir.path('t/.swap'), 1002, 1002);
    renameSync(dir.path('t/.swap'), dir.path('t/k.dat'));

    const purge = await cli('quarantine', 'purge', '--older-than', '0', '--any-owner');
    expect(purge.code).toBe(1);
    expect(purge.stdout).toContain(
      `not purged ${copy}: the keeper ${dir.path('t/k.dat')} is another file now (not the one recorded when it ` +
        'was chosen): the quarantined copy may be the last one, so it stays',
    );
    expect(purge.stdout).toContain('purged 0 files (0 B) from 0 runs');
    expect(existsSync(copy)).toBe(true);
    expect((await cli('quarantine', 'purge', '--older-than', '0')).code).toBe(1);
    expect(existsSync(copy)).toBe(true);
  });

  it("says what a purge can do about another user's keeper, and --any-owner purges against the very keeper", async () => {
    const copy = await quarantined();
    chownSync(dir.path('t/k.dat'), 1002, 1002); // the same inode, given to another user

    const purge = await cli('quarantine', 'purge', '--older-than', '0');
    expect(purge.code).toBe(1);
    expect(purge.stdout).toContain(
      'the keeper belongs to another user (uid 1002, the file to uid 1001), who could remove it later with the ' +
        'last copy; pass --any-owner to let that file stand in (it must still be the very keeper the copy was ' +
        'quarantined against): the quarantined copy stays',
    );
    expect(purge.stdout).not.toContain('quarantine it instead');
    expect(existsSync(copy)).toBe(true);

    const anyOwner = await cli('quarantine', 'purge', '--older-than', '0', '--any-owner');
    expect(anyOwner.code).toBe(0);
    expect(anyOwner.stdout).toMatch(/^purged 1 file \(48\.8 KiB\) from 1 run/m);
    expect(existsSync(copy)).toBe(false);
  });
});
