// Regression tests for the safety review's findings: each scenario once lost data or left the journal wrong.
import {
  chmodSync,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPlan, resumeApply } from '../src/apply/apply.js';
import { nodeFileOps, type FileOps } from '../src/fs/file-ops.js';
import { purgeQuarantine } from '../src/apply/purge.js';
import { runToUndo, undoRun } from '../src/apply/undo.js';
import { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import { byteRateLimiter } from '../src/core/byte-rate.js';
import { FakeClock } from '../src/core/fake-clock.js';
import { verify } from '../src/verify/verify.js';
import { applyWorkspace, crashAfter, makePlan } from './helpers/apply.js';
import { bytes } from './helpers/tree.js';

const ws = applyWorkspace();
const { clock, options } = ws;

function twins(seed: number, ...names: string[]): Buffer {
  const content = bytes(5000, seed);
  for (const name of names) ws.dir.write(name, content);
  return content;
}

describe('apply after the safety review', () => {
  it('a file replaced between the compare and the act is put back and skipped, never deleted or linked over', async () => {
    for (const op of ['delete', 'hardlink'] as const) {
      rmSync(ws.dir.path('t'), { recursive: true, force: true });
      twins(op.length, 't/a', 't/b');
      const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')], { op });
      const ops: FileOps = {
        ...nodeFileOps,
        rename(from, to) {
          // The compare is over; another program saves new work over t/b right as it is set aside.
          // (apply reaches the file through its folder, held open: /proc/self/fd/N/b)
          if (String(from).endsWith('/b') && String(to).includes('.nodupe-')) {
            writeFileSync(ws.dir.path('t/b.new'), 'precious new work');
            renameSync(ws.dir.path('t/b.new'), ws.dir.path('t/b'));
          }
          nodeFileOps.rename(from, to);
        },
      };
      const report = await applyPlan(plan, text, options({ ops }));
      expect(report.skips[0]?.reason).toMatch(/the file was replaced by another file as it was taken/);
      expect(readFileSync(ws.dir.path('t/b'), 'utf8')).toBe('precious new work');
    }
  });

  it('two catalogs sharing a quarantine folder never overwrite each other; undo and purge touch only their own file', async () => {
    const first = twins(2, 't/a', 't/b');
    const p1 = await makePlan(ws.catalog, [ws.dir.path('t')]);
    await applyPlan(p1.plan, p1.text, options());
    const other = SqliteCatalog.open(ws.dir.path('other.db'));
    try {
      const second = twins(3, 'u/a', 't/b');
      const p2 = await makePlan(other, [ws.dir.path('u'), ws.dir.path('t')]);
      expect((await applyPlan(p2.plan, p2.text, { ...options(), catalog: other })).runId).toBe(1);
      expect(undoRun(runToUndo(ws.catalog, 1), { catalog: ws.catalog, clock }).complete).toBe(true);
      expect(readFileSync(ws.dir.path('t/b'))).toEqual(first);
      unlinkSync(ws.dir.path('t/b'));
      expect(undoRun(runToUndo(other, 1), { catalog: other, clock }).complete).toBe(true);
      expect(readFileSync(ws.dir.path('t/b'))).toEqual(second);
    } finally {
      other.close();
    }
  });

  it('purge leaves a quarantined copy whose keeper is gone, and a file that is not the quarantined one', async () => {
    twins(4, 't/a', 't/b');
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    const report = await applyPlan(plan, text, options());
    const target = ws.catalog.journal().entries(report.runId!)[0]!.target! as string;
    unlinkSync(ws.dir.path('t/a'));
    const purged = await purgeQuarantine(ws.catalog, { olderThanMs: 0, clock });
    expect(purged.problems[0]?.reason).toMatch(
      /keeper .* vanished: the quarantined copy may be the last one/,
    );
    expect(existsSync(target)).toBe(true);
    twins(4, 't/a');
    unlinkSync(target);
    writeFileSync(target, "someone else's file");
    expect((await purgeQuarantine(ws.catalog, { olderThanMs: 0, clock })).problems[0]?.reason).toMatch(
      /another file stands/,
    );
    expect(readFileSync(target, 'utf8')).toBe("someone else's file");
  });

  it('an unsettled intent whose folder became a file is reported; resume and undo still finish the rest', async () => {
    twins(5, 't/a/f', 't/b/f', 't/c/f');
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    await expect(applyPlan(plan, text, options(crashAfter(1)))).rejects.toThrow('simulated crash');
    rmSync(ws.dir.path('t/c'), { recursive: true });
    writeFileSync(ws.dir.path('t/c'), 'now a file');
    const resumed = await resumeApply(undefined, options());
    // The first action's outcome was recorded on the way out of the crash; the second cannot be carried out.
    expect(resumed.alreadySettled).toBe(1);
    expect(resumed.skips[0]?.reason).toMatch(/vanished|ENOTDIR|not a directory/);
    expect(undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock }).undone).toBe(1);
    expect(existsSync(ws.dir.path('t/b/f'))).toBe(true);
  });

  it('Ctrl-C while a compare waits for read budget leaves the action to resume, not skipped', async () => {
    twins(6, 't/a', 't/b');
    ws.dir.write('t/big1', bytes(3_000_000, 7));
    ws.dir.write('t/big2', bytes(3_000_000, 7));
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    const controller = new AbortController();
    const fake = new FakeClock();
    const applying = applyPlan(
      plan,
      text,
      options({ clock: fake, limiter: byteRateLimiter(1 << 20, fake), signal: controller.signal }),
    );
    await fake.advanceAsync(10);
    controller.abort(new Error('Ctrl-C'));
    await expect(applying).rejects.toThrow();
    const resumed = await resumeApply(undefined, options());
    expect(resumed.skipped).toBe(0);
    expect(resumed.done + resumed.alreadySettled).toBe(2);
    expect((await verify(ws.catalog, { mode: 'consistency' })).errors).toEqual([]);
  });

  it('a crash after linking keeps the file mode in the journal: undo gives it back', async () => {
    twins(8, 't/a', 't/b');
    chmodSync(ws.dir.path('t/a'), 0o644);
    chmodSync(ws.dir.path('t/b'), 0o600);
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')], { op: 'hardlink' });
    // Modes differ: a link needs the user's word for it.
    const anyOwner = { anyOwner: true };
    await expect(applyPlan(plan, text, options({ ...crashAfter(1), ...anyOwner }))).rejects.toThrow(
      'simulated crash',
    );
    await resumeApply(undefined, options(anyOwner));
    undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock });
    expect(statSync(ws.dir.path('t/b')).mode & 0o777).toBe(0o600);
  });

  it('undo of a symlink whose keeper changed size since is refused, not restored with the wrong bytes', async () => {
    twins(9, 't/a', 't/b');
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')], { op: 'symlink' });
    await applyPlan(plan, text, options());
    unlinkSync(ws.dir.path('t/a'));
    writeFileSync(ws.dir.path('t/a'), 'unrelated');
    const undo = undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock });
    expect(undo.problems[0]?.reason).toMatch(/no longer a file of the file's size/);
  });

  it('scans never enter the quarantine at the top of a file system', async () => {
    twins(10, 't/a', 't/.nodupe-quarantine/x/a');
    const { plan } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    expect(plan.groups).toEqual([]);
    expect(join(ws.dir.path('t'), 'a')).toBe(ws.dir.path('t/a'));
  });
});

describe('resume after the review', () => {
  it('resume puts the rest of a run in the same --quarantine folder as the first files', async () => {
    for (let i = 0; i < 3; i++) {
      const c = bytes(3000, 20 + i);
      ws.dir.write(`t/${i}/a`, c);
      ws.dir.write(`t/${i}/b`, c);
    }
    const q = ws.dir.path('q');
    const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
    await expect(
      applyPlan(plan, text, options({ ...crashAfter(1), quarantineDir: q, batchSize: 1 })),
    ).rejects.toThrow();
    await resumeApply(undefined, options());
    const targets = ws.catalog
      .journal()
      .entries(1)
      .map((e) => String(e.target));
    expect(targets.every((t) => t.startsWith(`${q}/`))).toBe(true);
  });
});
