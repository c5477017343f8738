// The dry run predicts what apply will meet where the kernel decides: write permission in the file's folder
// (a read-only mount, a sticky folder), the mount a rename or link must stay on (bind mounts share a device),
// and its reflink probe reaches the file's folder only through the folder held open.
import { execFileSync } from 'node:child_process';
import { constants, mkdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyPlan, type ApplyReport } from '../src/apply/apply.js';
import { mustMayRemove } from '../src/apply/actions/rehearsal.js';
import { PinnedFolder } from '../src/apply/pinned-folder.js';
import { nodeFileOps } from '../src/fs/file-ops.js';
import { MountTable, parseMountInfo } from '../src/fs/mounts.js';
import { adversary } from './helpers/adversary.js';
import { applyWorkspace, treeState } from './helpers/apply.js';
import { runCli } from './helpers/cli.js';
import { planOf } from './helpers/plan-of.js';
import { bytes } from './helpers/tree.js';

const asRoot = process.getuid?.() === 0;
const ws = applyWorkspace();
const { options } = ws;

/** Folders bind-mounted for a test (`ro`: read-only), unmounted after it. */
const mounted: string[] = [];
function bindMount(source: string, at: string, ro = false): void {
  mkdirSync(at, { recursive: true });
  execFileSync('mount', ['--bind', source, at]);
  mounted.push(at);
  if (ro) execFileSync('mount', ['-o', 'remount,bind,ro', at]);
}
afterEach(() => {
  for (const at of mounted.splice(0).reverse()) execFileSync('umount', [at]);
  vi.restoreAllMocks();
});

const outcomes = (report: ApplyReport) => ({
  done: report.done,
  skips: report.skips.map((s) => [String(s.path), s.reason]),
});

/** A dry run and then apply of the same plan: the dry run changed nothing and said what apply then did. */
async function predicts(plan: ReturnType<typeof planOf>, extra: Parameters<typeof options>[0] = {}) {
  const before = treeState(ws.dir.path('src'));
  const dry = await applyPlan(plan.plan, plan.text, options({ ...extra, dryRun: true }));
  expect(treeState(ws.dir.path('src'))).toEqual(before);
  const applied = await applyPlan(plan.plan, plan.text, options(extra));
  expect(outcomes(dry)).toEqual(outcomes(applied));
  return applied;
}

describe.runIf(asRoot)('the dry run and mounts', () => {
  it('a hard link, a move and a quarantine across two bind mounts of one file system are skipped (EXDEV), as apply skips them', async () => {
    const content = bytes(9_000, 5);
    const keeper = ws.dir.write('src/k/keep', content);
    ws.dir.write('src/p/copy', content);
    ws.dir.write('src/p/other', content);
    bindMount(ws.dir.path('src/p'), ws.dir.path('side'));
    const copy = ws.dir.path('side/copy');
    const linked = await predicts(planOf(ws.catalog, 'hardlink', [[keeper, copy]]));
    expect(linked.skips.map((s) => s.reason)).toEqual([
      'the keeper is on another file system or mount: a hard link cannot cross (EXDEV)',
    ]);

    mkdirSync(ws.dir.path('src/moved'));
    const moved = await predicts(
      planOf(ws.catalog, 'move', [[keeper, ws.dir.path('side/other')]], { to: ws.dir.path('src/moved') }),
    );
    expect(moved.skips.map((s) => s.reason)).toEqual([
      'the destination is on another file system or mount; --to must be on the same one (EXDEV)',
    ]);
  });

  it('a file under a read-only mount: the command-line dry run says the skip apply then reports (EROFS)', async () => {
    const content = bytes(9_000, 6);
    ws.dir.write('src/k/keep', content);
    ws.dir.write('src/p/copy', content);
    bindMount(ws.dir.path('src'), ws.dir.path('ro'), true);
    const env = { XDG_DATA_HOME: ws.dir.path('data'), XDG_CONFIG_HOME: ws.dir.path('config') };
    const cli = (...args: string[]) => runCli(args, { cwd: ws.dir.root, env });
    const plan = await cli('plan', 'ro', '--prefer', 'ro/k', '-o', 'plan.json', '-q');
    expect(plan.code).toBe(0);
    const copy = ws.dir.path('ro/p/copy');
    const dry = await cli('apply', 'plan.json', '--dry-run', '-q');
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain(`would skip ${copy}: quarantine failed: read-only file system (EROFS)`);
    const applied = await cli('apply', 'plan.json', '-q');
    expect(applied.code).toBe(1);
    expect(applied.stdout).toContain(`skipped ${copy}: quarantine failed: read-only file system (EROFS)`);
  });
});

describe('mountinfo', () => {
  const table = Buffer.from(
    [
      '22 1 8:1 / / rw - ext4 /dev/sda1 rw',
      '30 22 8:1 /srv/data /mnt/a\\040b rw - ext4 /dev/sda1 rw',
      '31 22 8:1 /srv/data /mnt/c rw - ext4 /dev/sda1 rw',
      '32 31 0:40 / /mnt/c rw - tmpfs tmpfs rw',
      '',
    ].join('\n'),
  );

  it('names the mount of a path by the longest mount point above it, the last of those stacked on one point', () => {
    expect(parseMountInfo(table).map((m) => [m.id, m.point.toString()])).toEqual([
      [22, '/'],
      [30, '/mnt/a b'],
      [31, '/mnt/c'],
      [32, '/mnt/c'],
    ]);
    const mounts = new MountTable({ ...nodeFileOps, readFile: () => table });
    expect(mounts.mountOf('/mnt/a b/x/y')).toBe(30);
    expect(mounts.mountOf('/mnt/a bc')).toBe(22);
    expect(mounts.mountOf('/mnt/c')).toBe(32);
    expect(mounts.differ('/mnt/a b/x', '/srv/data/x')).toBe(true);
    expect(mounts.differ('/srv/data/x', '/home')).toBe(false);
  });

  it('tells nothing where it cannot be read', () => {
    const mounts = new MountTable({
      ...nodeFileOps,
      readFile: () => {
        throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      },
    });
    expect(mounts.differ('/a', '/b')).toBe(false);
  });
});

describe('write permission in a sticky folder', () => {
  it("predicts EPERM for another user's file in a sticky folder that is not this user's (root may)", () => {
    const folder = ws.dir.path('shared');
    mkdirSync(folder, { mode: 0o1777 });
    execFileSync('chmod', ['1777', folder]);
    const file = ws.dir.write('shared/f', 'x');
    const st = nodeFileOps.lstat(file);
    const pinned = PinnedFolder.holding(nodeFileOps, file, st);
    try {
      const me = Number(st.uid);
      // Seen as another user than the file's and the folder's owner (mode bits let everyone write here).
      vi.spyOn(process, 'geteuid').mockReturnValue(me + 4242);
      expect(() => mustMayRemove(nodeFileOps, pinned, st)).toThrow(
        expect.objectContaining({ code: 'EPERM' }),
      );
      vi.spyOn(process, 'geteuid').mockReturnValue(me);
      expect(() => mustMayRemove(nodeFileOps, pinned, st)).not.toThrow();
    } finally {
      pinned.close();
    }
  });
});

describe('the reflink probe', () => {
  it('makes its file without a name through the folder held open, never by the folder path', async () => {
    const content = bytes(9_000, 7);
    const keeper = ws.dir.write('src/k/keep', content);
    const copy = ws.dir.write('src/p/copy', content);
    const opened: string[] = [];
    const ops = adversary((call) => {
      if (call.name === 'open' && ((call.args[1] as number) & constants.O_DIRECTORY) !== 0) {
        opened.push(String(call.args[0]));
      }
      return false;
    });
    await applyPlan(planOf(ws.catalog, 'reflink', [[keeper, copy]]).plan, '', options({ ops, dryRun: true }));
    // The folder itself is opened by its path (and checked to hold the file); the probe goes through it.
    expect(opened).toEqual([ws.dir.path('src/p'), expect.stringMatching(/^\/proc\/self\/fd\/\d+$/)]);
  });
});
