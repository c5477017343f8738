// `apply --dry-run` predicts apply: the same refusals, the same skips with the same reasons, the same exit code,
// and nothing changed on the disk.
import { chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, type ApplyReport } from '../src/apply/apply.js';
import { nodeFileOps } from '../src/fs/file-ops.js';
import { applyWorkspace, crashAfter, treeState } from './helpers/apply.js';
import { runCli } from './helpers/cli.js';
import { injecting } from './helpers/ops.js';
import { planOf } from './helpers/plan-of.js';
import { mountReflinkFs } from './helpers/reflink-fs.js';
import { bytes, scratch } from './helpers/tree.js';

/** What a report says happened to each action: done, or skipped with its reason. */
const outcomes = (report: ApplyReport) => ({
  done: report.done,
  skips: report.skips.map((s) => [String(s.path), s.reason]),
});

describe('apply --dry-run on the command line', () => {
  let dir: ReturnType<typeof scratch>;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env });

  beforeEach(async () => {
    dir = scratch();
    env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
    for (const name of ['a', 'b', 'c']) {
      const content = bytes(20_000, name.charCodeAt(0));
      dir.write(`t/${name}/keep`, content);
      dir.write(`t/${name}/copy`, content);
    }
    expect((await cli('plan', 't', '-o', 'plan.json', '--no-progress')).code).toBe(0);
  });
  afterEach(() => dir.remove());

  it('of a plan already applied is refused exactly as apply refuses it', async () => {
    expect((await cli('apply', 'plan.json', '--no-progress')).code).toBe(0);
    const again = await cli('apply', 'plan.json', '--no-progress');
    const dry = await cli('apply', 'plan.json', '--dry-run', '--no-progress');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/this plan was already applied \(run 1, finished\)/);
    expect(dry.code).toBe(again.code);
    expect(dry.stderr).toBe(again.stderr);
  });

  it('with a skip exits 1, as apply then does, with the same reason', async () => {
    const doc = JSON.parse(readFileSync(dir.path('plan.json'), 'utf8')) as {
      groups: { actions: { path: string }[] }[];
    };
    const changed = doc.groups[0]!.actions[0]!.path;
    writeFileSync(changed, bytes(20_000, 0)); // edited since the plan: same size, other bytes
    const before = treeState(dir.path('t'));
    const dry = await cli('apply', 'plan.json', '--dry-run', '--no-progress');
    expect(treeState(dir.path('t'))).toEqual(before);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain('1 action would be skipped (reasons above)');
    const predicted = new RegExp(`^would skip ${changed}: (.*)$`, 'm').exec(dry.stdout)?.[1];
    expect(predicted).toMatch(/since the plan/);

    const applied = await cli('apply', 'plan.json', '--no-progress');
    expect(applied.code).toBe(1);
    expect(new RegExp(`^skipped ${changed}: (.*)$`, 'm').exec(applied.stdout)?.[1]).toBe(predicted);
  });

  it('stops where apply stops when the quarantine folder cannot be trusted', async () => {
    mkdirSync(dir.path('shared'));
    chmodSync(dir.path('shared'), 0o777);
    const applied = await cli('apply', 'plan.json', '--quarantine', 'shared', '--no-progress');
    const dry = await cli('apply', 'plan.json', '--quarantine', 'shared', '--dry-run', '--no-progress');
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(
      /--quarantine .*shared cannot take .*: .*can be written by others \(mode 777\)/,
    );
    expect(dry.code).toBe(applied.code);
    expect(dry.stderr).toBe(applied.stderr);
  });
});

describe('the dry run takes the way apply takes', () => {
  const ws = applyWorkspace();
  const { options } = ws;

  /** Copies in groups of two (keeper first) under t/, each with its own content. */
  function pairs(n: number, size = 8_000): string[][] {
    return Array.from({ length: n }, (_, i) => {
      const content = bytes(size, 40 + i);
      return [ws.dir.write(`t/${i}/keep`, content), ws.dir.write(`t/${i}/sub/copy`, content)];
    });
  }

  /** A dry run, then apply, of the same plan: the dry run changed nothing and predicted what apply did. */
  async function predicts(
    plan: ReturnType<typeof planOf>,
    extra: Parameters<typeof options>[0] = {},
  ): Promise<ApplyReport> {
    const before = treeState(ws.dir.path('t'));
    const folder = lstatSync(ws.dir.path('t/0/sub'), { bigint: true });
    const dry = await applyPlan(plan.plan, plan.text, options({ ...extra, dryRun: true }));
    expect(treeState(ws.dir.path('t'))).toEqual(before);
    const after = lstatSync(ws.dir.path('t/0/sub'), { bigint: true });
    expect([after.mtimeNs, after.ctimeNs]).toEqual([folder.mtimeNs, folder.ctimeNs]);
    const applied = await applyPlan(plan.plan, plan.text, options(extra));
    expect(outcomes(dry)).toEqual(outcomes(applied));
    expect(dry.space).toEqual(applied.space);
    return applied;
  }

  it('reflink: what this file system can do (ext4 and tmpfs cannot clone: ENOTSUP), and nothing left behind', async () => {
    const applied = await predicts(planOf(ws.catalog, 'reflink', pairs(2)));
    expect(applied.done + applied.skipped).toBe(2);
    for (const skip of applied.skips) expect(skip.reason).toMatch(/cannot make reflinks/);
  });

  it('reflink where cloning fails (EOPNOTSUPP): skipped with the reason apply gives', async () => {
    const ops = injecting(nodeFileOps, [{ call: 'copyFile', code: 'EOPNOTSUPP' }]);
    const applied = await predicts(planOf(ws.catalog, 'reflink', pairs(1)), { ops });
    expect(applied.skips.map((s) => s.reason)).toEqual([
      'this file system cannot make reflinks (EOPNOTSUPP); use hardlink or quarantine',
    ]);
  });

  it('move: a destination taken, and a folder there that others can write to, skipped as apply skips them', async () => {
    const groups = pairs(3);
    const to = ws.dir.path('moved');
    const mirror = (p: string) => join(to, p);
    mkdirSync(mirror(ws.dir.path('t/0/sub')), { recursive: true });
    writeFileSync(mirror(groups[0]![1]!), 'someone else’s file');
    mkdirSync(mirror(ws.dir.path('t/1')), { recursive: true });
    chmodSync(mirror(ws.dir.path('t/1')), 0o777);
    const applied = await predicts(planOf(ws.catalog, 'move', groups, { to }));
    expect(applied.done).toBe(1);
    expect(applied.skips.map((s) => s.reason)).toEqual([
      'move failed: something is already where it would go (EEXIST)',
      expect.stringMatching(/^move failed: .*\/t\/1 can be written by others \(mode 777\)$/),
    ]);
  });

  it('--stop-on-error: the actions apply would not attempt are skipped in the dry run too', async () => {
    const groups = pairs(3);
    writeFileSync(groups[0]![1]!, bytes(8_000, 0));
    const applied = await predicts(planOf(ws.catalog, 'quarantine', groups), { stopOnError: true });
    expect(applied).toMatchObject({ done: 0, skipped: 3, stopped: true });
  });

  it('of an interrupted run is refused as apply refuses it', async () => {
    const plan = planOf(ws.catalog, 'quarantine', pairs(3));
    await expect(
      applyPlan(plan.plan, plan.text, options({ ...crashAfter(1), batchSize: 1 })),
    ).rejects.toThrow('crash');
    const refusal = /this plan's run 1 was interrupted; `nodupe apply --resume` finishes it/;
    await expect(applyPlan(plan.plan, plan.text, options())).rejects.toThrow(refusal);
    await expect(applyPlan(plan.plan, plan.text, options({ dryRun: true }))).rejects.toThrow(refusal);
  });
});

describe('on a file system that makes reflinks (XFS), and across file systems', () => {
  let mounted: { path: string; unmount(): void } | undefined;
  beforeAll(() => {
    const fs = mountReflinkFs();
    if ('unavailable' in fs) {
      if (process.env.CI === 'true') throw new Error(`CI needs a reflink file system: ${fs.unavailable}`);
      console.warn(`nodupe tests: the reflink dry run is not tried on XFS: ${fs.unavailable}`);
      return;
    }
    mounted = fs;
  });
  afterAll(() => mounted?.unmount());
  const ws = applyWorkspace({ base: () => mounted?.path });
  const { options } = ws;

  it('the dry run clones into a file without a name: the keeper stays as planned, and apply then clones', async () => {
    if (mounted === undefined) return;
    const content = bytes(300_000, 1);
    const keeper = ws.dir.write('t/keep', content);
    const copy = ws.dir.write('t/sub/copy', content);
    const plan = planOf(ws.catalog, 'reflink', [[keeper, copy]]);
    const keeperBefore = lstatSync(keeper, { bigint: true });
    const dry = await applyPlan(plan.plan, plan.text, options({ dryRun: true }));
    expect(outcomes(dry)).toEqual({ done: 1, skips: [] });
    const keeperAfter = lstatSync(keeper, { bigint: true });
    expect([keeperAfter.ctimeNs, keeperAfter.mtimeNs]).toEqual([keeperBefore.ctimeNs, keeperBefore.mtimeNs]);
    const applied = await applyPlan(plan.plan, plan.text, options());
    expect(outcomes(applied)).toEqual({ done: 1, skips: [] });
    expect(readFileSync(copy)).toEqual(content);
  });

  it('a hard link to a keeper on another file system is predicted as skipped (EXDEV)', async () => {
    if (mounted === undefined) return;
    const outside = scratch();
    try {
      const content = bytes(9_000, 2);
      const keeper = ws.dir.write('keep', content);
      const copy = outside.write('copy', content);
      const plan = planOf(ws.catalog, 'hardlink', [[keeper, copy]]);
      const dry = await applyPlan(plan.plan, plan.text, options({ dryRun: true }));
      const applied = await applyPlan(plan.plan, plan.text, options());
      expect(outcomes(dry)).toEqual(outcomes(applied));
      expect(applied.skips[0]!.reason).toBe(
        'the keeper is on another file system or mount: a hard link cannot cross (EXDEV)',
      );
    } finally {
      outside.remove();
    }
  });
});
