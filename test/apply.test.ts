import { readPlan } from '../src/plan/plan-json.js';
import {
  existsSync,
  linkSync,
  lstatSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPlan, resumeApply } from '../src/apply/apply.js';
import { nodeFileOps } from '../src/fs/file-ops.js';
import { runToUndo, undoRun } from '../src/apply/undo.js';
import { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import { byteRateLimiter } from '../src/core/byte-rate.js';
import { FakeClock } from '../src/core/fake-clock.js';
import { toBytes } from '../src/model/paths.js';
import { verify } from '../src/verify/verify.js';
import { applyWorkspace, contentsUnder, crashAfter, makePlan, treeState } from './helpers/apply.js';
import { injecting } from './helpers/ops.js';
import { bytes } from './helpers/tree.js';

const ws = applyWorkspace();
const { clock, options } = ws;

const quarantine = () => ws.dir.path('data/quarantine');

async function consistent(): Promise<void> {
  const report = await verify(ws.catalog, { mode: 'consistency' });
  expect(report.errors).toEqual([]);
}

describe('apply: the plain path', () => {
  it('quarantines the copies, keeps the keeper, and undo puts everything back as it was', async () => {
    const content = bytes(200_000, 1);
    ws.dir.write('t/a/photo.jpg', content);
    ws.dir.write('t/b/photo.jpg', content);
    ws.dir.write('t/b/copy.jpg', content);
    const before = treeState(ws.dir.path('t'));
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    const report = await applyPlan(plan, text, options());
    expect(report).toMatchObject({ done: 2, skipped: 0, bytes: 400_000 });
    expect(contentsUnder(ws.dir.path('t')).size).toBe(1);
    expect(existsSync(plan.groups[0]!.keepers[0]!.path)).toBe(true);
    await consistent();

    const undo = undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock });
    expect(undo).toMatchObject({ undone: 2, complete: true });
    expect(treeState(ws.dir.path('t'))).toEqual(before);
    // A second undo finds nothing to do.
    expect(undoRun(runToUndo(ws.catalog, report.runId), { catalog: ws.catalog, clock })).toMatchObject({
      undone: 0,
      problems: [],
    });
    await consistent();
  });

  it('replaces copies by hard links, symlinks or reflinks atomically, and undo makes them independent files again', async () => {
    for (const op of ['hardlink', 'symlink'] as const) {
      const content = bytes(50_000, op.length);
      ws.dir.write(`${op}/a`, content);
      ws.dir.write(`${op}/b`, content);
      const before = treeState(ws.dir.path(op));
      const { plan, text } = await makePlan(ws.catalog, [ws.dir.path(op)], { op });
      const report = await applyPlan(plan, text, options());
      expect(report.done).toBe(1);
      const acted = plan.groups[0]!.actions[0]!.path as string;
      const keeper = plan.groups[0]!.keepers[0]!.path as string;
      if (op === 'hardlink') expect(lstatSync(acted).ino).toBe(lstatSync(keeper).ino);
      else expect(lstatSync(acted).isSymbolicLink()).toBe(true);
      expect(readFileSync(acted)).toEqual(content);
      expect(readdirSync(ws.dir.path(op)).some((n) => n.endsWith('.tmp'))).toBe(false);
      await consistent();
      expect(undoRun(runToUndo(ws.catalog, report.runId), { catalog: ws.catalog, clock }).complete).toBe(
        true,
      );
      expect(treeState(ws.dir.path(op))).toEqual(before);
      expect(lstatSync(acted).ino).not.toBe(lstatSync(keeper).ino);
    }
  });

  it('says clearly when the file system cannot make reflinks, and leaves the file alone', async () => {
    const content = bytes(10_000, 3);
    ws.dir.write('t/a', content);
    ws.dir.write('t/b', content);
    const before = treeState(ws.dir.path('t'));
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')], { op: 'reflink' });
    const ops = injecting(nodeFileOps, [{ call: 'copyFile', code: 'EOPNOTSUPP' }]);
    const report = await applyPlan(plan, text, options({ ops }));
    expect(report.skipped).toBe(1);
    expect(report.skips[0]!.reason).toMatch(/cannot make reflinks/);
    expect(treeState(ws.dir.path('t'))).toEqual(before);
  });

  it('moves copies under --to, recreating their path, and undo moves them back', async () => {
    const content = bytes(10_000, 4);
    ws.dir.write('t/a', content);
    ws.dir.write('t/b', content);
    const before = treeState(ws.dir.path('t'));
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')], {
      op: 'move',
      to: ws.dir.path('moved'),
    });
    expect((await applyPlan(plan, text, options())).done).toBe(1);
    const moved = join(ws.dir.path('moved'), plan.groups[0]!.actions[0]!.path as string);
    expect(readFileSync(moved)).toEqual(content);
    undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock });
    expect(treeState(ws.dir.path('t'))).toEqual(before);
  });

  it('a dry run checks and compares everything and changes nothing', async () => {
    const content = bytes(10_000, 5);
    ws.dir.write('t/a', content);
    ws.dir.write('t/b', content);
    const before = treeState(ws.dir.path('t'));
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    const report = await applyPlan(plan, text, options({ dryRun: true }));
    expect(report).toMatchObject({ dryRun: true, done: 1, skipped: 0, runId: undefined });
    expect(treeState(ws.dir.path('t'))).toEqual(before);
    expect(ws.catalog.journal().runs()).toEqual([]);
  });
});

describe('apply: the traps', () => {
  it('never acts on a hard link of the keeper (an edited plan that tries is skipped)', async () => {
    const content = bytes(30_000, 6);
    const a = ws.dir.write('t/a', content);
    ws.dir.write('t/b', content);
    linkSync(a, ws.dir.path('t/a-link'));
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')], {
      policy: { rules: [{ kind: 'rank', name: 'shortest-path' }] },
    });
    // The plan keeps a (and its link), and quarantines b.
    const group = plan.groups[0]!;
    expect(group.keepers.map((k) => k.path)).toEqual([a, ws.dir.path('t/a-link')]);
    // Edit it: mark the keeper's hard link for action, keeping only a.
    const link = group.keepers.pop()!;
    group.actions.push({
      ...group.actions[0]!,
      path: link.path,
      expect: { ...group.actions[0]!.expect, ino: link.ino, mtimeNs: link.mtimeNs },
    });
    const report = await applyPlan(plan, text, options());
    expect(report.skips.map((s) => s.reason)).toEqual([
      'the file is a hard link of its keeper (one file; nothing to free)',
    ]);
    expect(readFileSync(a)).toEqual(content);
    expect(readFileSync(ws.dir.path('t/a-link'))).toEqual(content);
  });

  it('counts one file reached through two roots once: nothing to do, nothing lost', async () => {
    ws.dir.write('t/sub/a', bytes(30_000, 7));
    ws.dir.write('t/sub/b', bytes(30_000, 8));
    const { plan } = await makePlan(ws.catalog, [ws.dir.path('t'), ws.dir.path('t/sub'), ws.dir.path('t')]);
    expect(plan.groups).toEqual([]);
  });

  it('never follows a symlink: a link to a group member is not in the plan, and a keeper turned symlink is skipped', async () => {
    const content = bytes(30_000, 9);
    const a = ws.dir.write('t/a', content);
    const b = ws.dir.write('t/b', content);
    symlinkSync(a, ws.dir.path('t/link-to-a'));
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')], {
      policy: {
        rules: [
          { kind: 'rank', name: 'shortest-path' },
          { kind: 'rank', name: 'first-root' },
        ],
      },
    });
    const paths = plan.groups.flatMap((g) => [
      ...g.keepers.map((k) => k.path),
      ...g.actions.map((x) => x.path),
    ]);
    expect(paths).not.toContain(ws.dir.path('t/link-to-a'));
    const keeper = plan.groups[0]!.keepers[0]!.path as string;
    const other = keeper === a ? b : a;
    // Replace the keeper by a symlink to the very file apply would remove.
    unlinkSync(keeper);
    symlinkSync(other, keeper);
    const report = await applyPlan(plan, text, options());
    expect(report.skips[0]!.reason).toMatch(/keeper .* symbolic link/);
    expect(readFileSync(other)).toEqual(content);
  });

  it('skips a file modified between plan and apply, even with the same size and mtime', async () => {
    const content = bytes(100_000, 10);
    for (const name of ['t/a', 't/b']) utimesSync(ws.dir.write(name, content), 1_700_000_000, 1_700_000_000);
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    const target = plan.groups[0]!.actions[0]!.path as string;
    const changed = Buffer.from(content);
    changed[77_777] = 0xff - content[77_777]!;
    writeFileSync(target, changed);
    // Put the planned mtime back, to the nanosecond, as a sneaky tool might: only the bytes tell.
    utimesSync(target, 1_700_000_000, 1_700_000_000);
    expect(lstatSync(target, { bigint: true }).mtimeNs).toBe(plan.groups[0]!.actions[0]!.expect.mtimeNs);
    const report = await applyPlan(plan, text, options());
    expect(report.done).toBe(0);
    // The ctime tells first: no one can set it back.
    expect(report.skips[0]!.reason).toMatch(/ctime moved/);
    expect(readFileSync(target)).toEqual(changed);
    // And with the ctime written into the plan too (an edited plan), the bytes still tell.
    const ctimeNs = lstatSync(target, { bigint: true }).ctimeNs;
    const doc = JSON.parse(text) as { id: string; groups: { actions: { expect: { ctimeNs: string } }[] }[] };
    doc.id = `${plan.id}-2`;
    doc.groups[0]!.actions[0]!.expect.ctimeNs = String(ctimeNs);
    const edited = JSON.stringify(doc);
    const again = await applyPlan(readPlan(edited, 'plan.json'), edited, options());
    expect(again.skips[0]!.reason).toMatch(/bytes differ .* offset/);
    expect(readFileSync(target)).toEqual(changed);
  });

  it('skips when the keeper was deleted, or replaced by another file with the same bytes', async () => {
    const content = bytes(20_000, 11);
    for (const how of ['deleted', 'replaced']) {
      rmSync(ws.dir.path('t'), { recursive: true, force: true });
      ws.dir.write('t/a', content);
      ws.dir.write('t/b', content);
      const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
      const keeper = plan.groups[0]!.keepers[0]!.path as string;
      const other = plan.groups[0]!.actions[0]!.path as string;
      if (how === 'deleted') unlinkSync(keeper);
      else {
        // A new file with the same bytes, renamed over the keeper (as editors save): another inode.
        writeFileSync(`${keeper}.new`, content);
        renameSync(`${keeper}.new`, keeper);
      }
      const report = await applyPlan(plan, text, options());
      expect(report.skips[0]!.reason).toMatch(
        how === 'deleted' ? /keeper .* vanished/ : /keeper .* replaced/,
      );
      expect(readFileSync(other)).toEqual(content);
    }
  });

  it('a hard link across file systems (EXDEV) is skipped with the reason, the file intact, no temporary left', async () => {
    const content = bytes(20_000, 12);
    ws.dir.write('t/a', content);
    ws.dir.write('t/b', content);
    const before = treeState(ws.dir.path('t'));
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')], { op: 'hardlink' });
    const ops = injecting(nodeFileOps, [{ call: 'link', nth: 1, code: 'EXDEV' }]);
    const report = await applyPlan(plan, text, options({ ops }));
    expect(report.skips[0]!.reason).toMatch(/another file system.*EXDEV/);
    expect(treeState(ws.dir.path('t'))).toEqual(before);
  });

  it('ENOSPC and EACCES mid-run skip those files, and the run goes on (or stops with --stop-on-error)', async () => {
    for (let i = 0; i < 6; i++) {
      const content = bytes(5_000, 100 + i);
      ws.dir.write(`t/${i}/a`, content);
      ws.dir.write(`t/${i}/b`, content);
    }
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    const ops = injecting(nodeFileOps, [
      { call: 'rename', nth: 2, code: 'ENOSPC' },
      { call: 'rename', nth: 4, code: 'EACCES' },
    ]);
    const report = await applyPlan(plan, text, options({ ops, batchSize: 4 }));
    expect(report.done).toBe(4);
    expect(report.skips.map((s) => s.reason)).toEqual([
      'quarantine failed: no space left on the device (ENOSPC)',
      'quarantine failed: permission denied (EACCES)',
    ]);
    expect(contentsUnder(ws.dir.path('t')).size).toBe(6);
    await consistent();

    const second = await makePlan(ws.catalog, [ws.dir.path('t')]);
    const stopping = injecting(nodeFileOps, [{ call: 'rename', nth: 1, code: 'ENOSPC' }]);
    const stopped = await applyPlan(second.plan, second.text, options({ ops: stopping, stopOnError: true }));
    expect(stopped).toMatchObject({ done: 0, skipped: 2, stopped: true });
    await consistent();
  });

  it('handles names with spaces, newlines and bytes that are not UTF-8', async () => {
    const content = bytes(9_000, 13);
    ws.dir.write('t/with space', content);
    ws.dir.write('t/new\nline', content);
    const raw = Buffer.concat([toBytes(ws.dir.path('t')), Buffer.from('/caf'), Buffer.from([0xe9, 0xff])]);
    writeFileSync(raw, content);
    const before = treeState(ws.dir.path('t'));
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    expect(plan.groups[0]!.actions).toHaveLength(2);
    const report = await applyPlan(plan, text, options());
    expect(report.done).toBe(2);
    expect(contentsUnder(quarantine()).size).toBe(1);
    expect(undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock }).complete).toBe(true);
    expect(treeState(ws.dir.path('t'))).toEqual(before);
  });

  it('refuses a plan from another catalog, and one already applied', async () => {
    const content = bytes(9_000, 14);
    ws.dir.write('t/a', content);
    ws.dir.write('t/b', content);
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    const other = SqliteCatalog.open(ws.dir.path('other.db'));
    try {
      await expect(applyPlan(plan, text, { ...options(), catalog: other })).rejects.toThrow(
        /another catalog/,
      );
    } finally {
      other.close();
    }
    await applyPlan(plan, text, options());
    await expect(applyPlan(plan, text, options())).rejects.toThrow(/already applied/);
  });
});

describe('apply: where it must stop or wait', () => {
  it('with no writable quarantine folder on the file system, says so and stops before touching anything', async () => {
    const content = bytes(9_000, 15);
    ws.dir.write('t/a', content);
    ws.dir.write('t/b', content);
    const before = treeState(ws.dir.path('t'));
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    const ops = injecting(nodeFileOps, [{ call: 'mkdirp', code: 'EACCES' }]);
    await expect(applyPlan(plan, text, options({ ops }))).rejects.toThrow(
      /no trusted, writable quarantine folder on the file system of .*permission denied \(EACCES\).*--quarantine DIR/,
    );
    expect(treeState(ws.dir.path('t'))).toEqual(before);
    expect(ws.catalog.journal().runs()).toEqual([]);
  });

  it('throttles its byte compares through the rate limiter (on the fake clock)', async () => {
    const content = bytes(1_500_000, 16);
    ws.dir.write('t/a', content);
    ws.dir.write('t/b', content);
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    const fake = new FakeClock();
    const limiter = byteRateLimiter(1 << 20, fake);
    const state = { finished: false };
    const applying = applyPlan(plan, text, options({ clock: fake, limiter })).finally(
      () => (state.finished = true),
    );
    while (!state.finished) await fake.advanceAsync(10);
    expect((await applying).done).toBe(1);
    // 3 MB compared at 1 MiB/s with a 1 MiB bucket: the last 2 MB waited for their tokens.
    expect(fake.now()).toBeGreaterThanOrEqual(((2 * 1_500_000 - (1 << 20)) / (1 << 20)) * 1000);
  });
});

describe('apply: crash and resume', () => {
  it('an apply that dies midway is finished by resume, and undo of the resumed run restores the tree', async () => {
    for (let i = 0; i < 5; i++) {
      const content = bytes(8_000, 200 + i);
      ws.dir.write(`t/${i}/a`, content);
      ws.dir.write(`t/${i}/b`, content);
      ws.dir.write(`t/${i}/c`, content);
    }
    const before = treeState(ws.dir.path('t'));
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')], { op: 'hardlink' });
    // Die (an exception standing in for a kill) right after the 4th action: done on disk, the journal says
    // intent. The crash test (test/crash.test.ts) kills real processes.
    await expect(applyPlan(plan, text, options({ ...crashAfter(4), batchSize: 8 }))).rejects.toThrow('crash');
    const runs = ws.catalog.journal().runs();
    expect(runs[0]).toMatchObject({ state: 'running' });
    expect((await verify(ws.catalog, { mode: 'consistency' })).errors[0]!.code).toBe('unsettled');
    const resumed = await resumeApply(undefined, options());
    expect(resumed.done + resumed.alreadySettled).toBe(10);
    expect(resumed.skipped).toBe(0);
    await consistent();
    // Resume again: nothing left.
    await expect(resumeApply(undefined, options())).rejects.toThrow(/no interrupted run/);
    expect(undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock }).complete).toBe(true);
    expect(treeState(ws.dir.path('t'))).toEqual(before);
  });
});
