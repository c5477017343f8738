// What a killed apply or undo leaves behind, and what undo then makes of it: a delete killed with its file set
// aside, an undo of a link killed mid-copy, a quarantined copy gone for good.
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../src/apply/apply.js';
import { runToUndo, undoRun } from '../src/apply/undo.js';
import { nodeFileOps, type FileOps } from '../src/fs/file-ops.js';
import { SimulatedCrash } from './helpers/adversary.js';
import { applyWorkspace, crashAfter } from './helpers/apply.js';
import { runCli } from './helpers/cli.js';
import { wrapOps, type CallName } from './helpers/ops.js';
import { planOf } from './helpers/plan-of.js';
import { bytes } from './helpers/tree.js';

const ws = applyWorkspace();
const { clock, options } = ws;
const asRoot = process.getuid?.() === 0;

const cli = (...args: string[]) => runCli([...args, '--catalog', ws.catalog.location], { cwd: ws.dir.root });

/**
 * File operations that die at the first call `when` picks: it and every later call throw a SimulatedCrash and do
 * nothing, as a kill would leave the disk. `closeLeft` closes what the dead process held open.
 */
function dyingAt(when: (name: CallName, args: unknown[]) => boolean): FileOps & { closeLeft(): void } {
  let dead = false;
  const open = new Set<number>();
  const ops = wrapOps(nodeFileOps, (name, args, call) => {
    if (dead || when(name, args)) {
      dead = true;
      throw new SimulatedCrash();
    }
    const result = call();
    if (name === 'openRead' || name === 'open') open.add(result as number);
    if (name === 'close') open.delete(args[0] as number);
    return result;
  });
  return Object.assign(ops, {
    closeLeft: () => {
      for (const fd of open) nodeFileOps.close(fd);
      open.clear();
    },
  });
}

function pair(size = 40_000) {
  const content = bytes(size, 9);
  return {
    content,
    keeper: ws.dir.write('t/keep/f', content),
    file: ws.dir.write('t/copy/f', content),
  };
}

describe('a delete killed with its file set aside', () => {
  it('is seen by a plain `nodupe undo`, which puts the file back', async () => {
    const { keeper, file, content } = pair();
    const plan = planOf(ws.catalog, 'delete', [[keeper, file]]);
    const ops = dyingAt((name, args) => name === 'unlink' && String(args[0]).endsWith('.aside'));
    await expect(applyPlan(plan.plan, plan.text, options({ ops }))).rejects.toThrow(SimulatedCrash);
    ops.closeLeft();
    expect(existsSync(file)).toBe(false); // set aside under nodupe's reserved name

    const undo = await cli('undo');
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toBe('run 1: 0 undone, 1 already in place, 0 not undone\n');
    expect(readFileSync(file)).toEqual(content);
    expect((await cli('runs')).stdout).toMatch(/^1\t.*\tdelete\tundone\t/m);
    expect((await cli('undo')).stdout).toBe('nothing left to undo (`nodupe runs` lists the runs)\n');
  });
});

describe('an undo of a link killed mid-copy', () => {
  /** A hard link run, then an undo killed at its second write: a partial copy at the entry's temporary name. */
  async function killedUndo(): Promise<{ file: string; content: Buffer; temp: string }> {
    const { keeper, file, content } = pair(3 << 20);
    const plan = planOf(ws.catalog, 'hardlink', [[keeper, file]]);
    const report = await applyPlan(plan.plan, plan.text, options());
    expect(report.done).toBe(1);
    const temp = String(ws.catalog.journal().entries(report.runId!)[0]!.target);
    let writes = 0;
    const ops = dyingAt((name) => name === 'write' && ++writes === 2);
    const undo = undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock, ops });
    ops.closeLeft();
    expect(undo.state).toBe('undoing');
    expect(lstatSync(temp).size).toBe(1 << 20); // a beginning of the content, in nodupe's own name
    return { file, content, temp };
  }

  it('is finished by the next undo, which replaces its own partial copy', async () => {
    const { file, content, temp } = await killedUndo();
    const undo = await cli('undo');
    expect(undo.code, undo.stdout).toBe(0);
    expect(undo.stdout).toBe('run 1: 1 undone, 0 already in place, 0 not undone\n');
    expect(readFileSync(file).equals(content)).toBe(true);
    expect(lstatSync(file).nlink).toBe(1);
    expect(existsSync(temp)).toBe(false);
  });

  it('leaves anything else at that name alone: other bytes, or a file of another user', async () => {
    const { temp } = await killedUndo();
    truncateSync(temp, 1000);
    const bytesThere = readFileSync(temp);
    bytesThere[10] = bytesThere[10]! ^ 0xff;
    rmSync(temp);
    ws.dir.write(temp.slice(ws.dir.root.length + 1), bytesThere); // not a beginning of the content
    const undo = await cli('undo');
    expect(undo.code).toBe(1);
    expect(undo.stdout).toContain(`something is in the way at ${temp}`);
    expect(readFileSync(temp)).toEqual(bytesThere);

    if (!asRoot) return;
    ws.dir.write(temp.slice(ws.dir.root.length + 1), readFileSync(ws.dir.path('t/keep/f')).subarray(0, 5000));
    chownSync(temp, 4242, 4242); // a beginning of the content, but another user's file
    expect((await cli('undo', '1')).stdout).toContain(`something is in the way at ${temp}`);
    expect(lstatSync(temp).uid).toBe(4242);
  });
});

describe('a quarantined copy gone for good', () => {
  it('ends the run "partly-undone", never "undoing" for ever', async () => {
    const { keeper, file } = pair();
    const plan = planOf(ws.catalog, 'quarantine', [[keeper, file]]);
    const report = await applyPlan(plan.plan, plan.text, options());
    rmSync(String(ws.catalog.journal().entries(report.runId!)[0]!.target));
    const undo = await cli('undo');
    expect(undo.code).toBe(1);
    expect(undo.stdout).toContain(`not undone ${file}: the quarantined copy is gone`);
    expect(undo.stderr).toContain(
      'run 1 is undone as far as it can be ("partly-undone"): 1 copy found gone cannot be brought back by undo',
    );
    expect((await cli('runs')).stdout).toMatch(/^1\t.*\tquarantine\tpartly-undone\t/m);
    expect((await cli('undo')).stdout).toBe('nothing left to undo (`nodupe runs` lists the runs)\n');
  });
});

describe('the folders a run made', () => {
  /** Pairs t/N/keep and t/N/deep/er/copy: moving the copies makes a chain of folders under --to for each. */
  function pairs(n: number): string[][] {
    return Array.from({ length: n }, (_, i) => {
      const content = bytes(5_000, 60 + i);
      return [ws.dir.write(`t/${i}/keep`, content), ws.dir.write(`t/${i}/deep/er/copy`, content)];
    });
  }
  /** Everything under a folder, as relative paths. */
  const under = (dir: string) =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort((a, b) => a.localeCompare(b));

  it('are removed by undo after a crash, though the actions were settled after it', async () => {
    const to = ws.dir.path('moved');
    const plan = planOf(ws.catalog, 'move', pairs(4), { to });
    await expect(applyPlan(plan.plan, plan.text, options({ ...crashAfter(3) }))).rejects.toThrow('crash');
    expect(under(to).length).toBeGreaterThan(3);
    const undo = await cli('undo');
    expect(undo.code, undo.stdout).toBe(0);
    expect(under(to)).toEqual([]);
  });

  it('for an action that was then skipped go at the end of the run; a folder that was there, or holds anything, stays', async () => {
    const to = ws.dir.path('moved');
    const groups = pairs(3);
    writeFileSync(groups[0]![1]!, bytes(5_000, 0)); // changed since the plan: skipped
    mkdirSync(`${to}${ws.dir.path('t/2')}`, { recursive: true }); // there before the run
    const plan = planOf(ws.catalog, 'move', groups, { to });
    writeFileSync(groups[0]![1]!, bytes(5_000, 1));
    const report = await applyPlan(plan.plan, plan.text, options());
    expect(report).toMatchObject({ done: 2, skipped: 1 });
    expect(existsSync(`${to}${ws.dir.path('t/0')}`)).toBe(false);
    ws.dir.write(`moved${ws.dir.path('t/1/deep/note')}`, 'a file someone put there');
    expect((await cli('undo')).code).toBe(0);
    expect(under(to)).toEqual(
      [
        ...ancestors(ws.dir.path('t/1/deep/note')),
        ws.dir.path('t/1/deep/note').slice(1),
        ...ancestors(ws.dir.path('t/2/x')),
      ]
        .filter((p, i, all) => all.indexOf(p) === i)
        .sort((a, b) => a.localeCompare(b)),
    );
  });

  it('of a run undone while a later run still used them go with the undo of that later run', async () => {
    const to = ws.dir.path('moved');
    const groups = pairs(2);
    const first = planOf(ws.catalog, 'move', [groups[0]!], { to });
    expect((await applyPlan(first.plan, first.text, options())).done).toBe(1);
    const again = ws.dir.write('t/0/deep/er/again', readFileSync(groups[0]![0]!));
    const second = planOf(ws.catalog, 'move', [[groups[0]![0]!, again]], { to });
    expect((await applyPlan(second.plan, second.text, options())).done).toBe(1);
    expect((await cli('undo', '1')).code).toBe(0);
    expect(under(to).length).toBeGreaterThan(0); // run 2's file is still in run 1's folders
    expect((await cli('undo', '2')).code).toBe(0);
    expect(under(to)).toEqual([]);
  });
});

/** The folders above `path` below the root, as paths relative to it (what `under` lists of a mirrored path). */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}
