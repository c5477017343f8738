// `.nodupe-quarantine` at the top of a shared sticky file system (mode 1777, as /tmp): no user's folder there
// shuts the others out. Root makes it shared (1777, with a private `user-UID` for each user); a user without
// it gets a private `.nodupe-quarantine-UID` of their own; the trust rules stay as they are.
import { execFileSync } from 'node:child_process';
import { chownSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QuarantineRoots } from '../src/apply/quarantine.js';
import { nodeFileOps, type FileOps } from '../src/fs/file-ops.js';
import { runCli } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

const asRoot = process.getuid?.() === 0;

let dir: ReturnType<typeof scratch>;
let top: string;
beforeEach(() => {
  dir = scratch();
  if (!asRoot) return;
  top = dir.path('shared');
  mkdirSync(top);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=1777,size=16m', 'tmpfs', top]);
});
afterEach(() => {
  if (asRoot) execFileSync('umount', [top]);
  dir.remove();
});

/** Quarantine roots as user `uid` would find them: the folders it makes are that user's, as they would be. */
function rootsOf(uid: number, preferred?: string): QuarantineRoots {
  const ops: FileOps = {
    ...nodeFileOps,
    mkdir: (path, mode) => {
      nodeFileOps.mkdir(path, mode);
      chownSync(path, uid, uid);
    },
  };
  // The data folder is on another file system: the quarantine is at the top of the file's own.
  return new QuarantineRoots(ops, {
    dataDir: dir.path('data'),
    create: true,
    uid,
    ...(preferred === undefined ? {} : { preferred }),
  });
}

const modeOf = (path: string) => (lstatSync(path).mode & 0o7777).toString(8);
const inTop = () => readdirSync(top).sort();

describe.runIf(asRoot)('the quarantine at the top of a shared sticky file system', () => {
  it('root makes .nodupe-quarantine shared (1777): its files go into user-0, and another user gets user-UID in it', async () => {
    const content = bytes(20_000, 4);
    dir.write('shared/k/keep', content);
    dir.write('shared/p/copy', content);
    const env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
    const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env });
    expect((await cli('plan', 'shared', '--prefer', 'shared/k', '-o', 'plan.json', '-q')).code).toBe(0);
    expect((await cli('apply', 'plan.json', '-q')).code).toBe(0);
    const shared = `${top}/.nodupe-quarantine`;
    expect(modeOf(shared)).toBe('1777');
    expect(lstatSync(shared).uid).toBe(0);
    expect(readdirSync(shared)).toEqual(['user-0']);
    expect(modeOf(`${shared}/user-0`)).toBe('700');
    // The scan does not enter it: the quarantined copy is no duplicate of the keeper.
    expect((await cli('dupes', 'shared', '-q')).stdout).toMatch(/^0 groups, .*\(scanned 1 file,/);

    const other = String(rootsOf(1001).rootFor(`${top}/p/f`, lstatSync(top, { bigint: true }).dev));
    expect(other).toBe(`${shared}/user-1001`);
    expect(lstatSync(other)).toMatchObject({ uid: 1001, mode: expect.any(Number) as number });
    expect(modeOf(other)).toBe('700');
  });

  it('a user makes no .nodupe-quarantine there, but a private .nodupe-quarantine-UID of their own, which scans skip', async () => {
    const dev = lstatSync(top, { bigint: true }).dev;
    const mine = String(rootsOf(1001).rootFor(`${top}/f`, dev));
    expect(mine).toBe(`${top}/.nodupe-quarantine-1001`);
    expect(inTop()).toEqual(['.nodupe-quarantine-1001']);
    expect(modeOf(mine)).toBe('700');
    expect(lstatSync(mine).uid).toBe(1001);
    dir.write('shared/keep', 'same');
    dir.write('shared/.nodupe-quarantine-1001/x/keep', 'same');
    const env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
    const dupes = await runCli(['dupes', 'shared', '-q'], { cwd: dir.root, env });
    expect(dupes.stdout).toMatch(/^0 groups, .*\(scanned 1 file,/);
  });

  it('a .nodupe-quarantine one user made private (an older nodupe, or to block others) shuts no one out; its maker keeps it', () => {
    const dev = lstatSync(top, { bigint: true }).dev;
    mkdirSync(`${top}/.nodupe-quarantine`, { mode: 0o700 });
    chownSync(`${top}/.nodupe-quarantine`, 1001, 1001);
    expect(rootsOf(1001).rootFor(`${top}/f`, dev)).toBe(`${top}/.nodupe-quarantine`);
    expect(rootsOf(1002).rootFor(`${top}/f`, dev)).toBe(`${top}/.nodupe-quarantine-1002`);
    // Another user's folder under the user's own name is refused, with the reason, as ever.
    mkdirSync(`${top}/.nodupe-quarantine-1003`, { mode: 0o700 });
    chownSync(`${top}/.nodupe-quarantine-1003`, 1002, 1002);
    expect(() => rootsOf(1003).rootFor(`${top}/f`, dev)).toThrow(
      /\.nodupe-quarantine-1003 belongs to another user \(uid 1002\)/,
    );
  });

  it("when another user took both names first, the refusal says who, and which --quarantine of the user's own would do", () => {
    const dev = lstatSync(top, { bigint: true }).dev;
    for (const name of ['.nodupe-quarantine', '.nodupe-quarantine-1001']) {
      mkdirSync(`${top}/${name}`, { mode: 0o755 });
      chownSync(`${top}/${name}`, 1002, 1002);
    }
    mkdirSync(`${top}/work/deep`, { recursive: true, mode: 0o755 });
    chownSync(`${top}/work`, 1001, 1001);
    chownSync(`${top}/work/deep`, 1001, 1001);
    expect(() => rootsOf(1001).rootFor(`${top}/work/deep/f`, dev)).toThrow(
      `Another user made ${top}/.nodupe-quarantine (uid 1002) and ${top}/.nodupe-quarantine-1001 (uid 1002) ` +
        'first: only they or root can remove them. Pass --quarantine DIR with a folder of yours on that file ' +
        `system that no one else can write to (such as ${top}/work/.nodupe-quarantine, made private if missing).`,
    );
    // The folder named is one the user's quarantine may be.
    const mine = `${top}/work/.nodupe-quarantine`;
    expect(rootsOf(1001, mine).rootFor(`${top}/work/deep/f`, dev)).toBe(mine);
    expect(modeOf(mine)).toBe('700');
  });
});
