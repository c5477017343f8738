// What apply, runs, undo, purge and plan say they did: bytes as df counts them, quarantine and move freeing
// nothing, a header and the action in `runs`, runs that end, folders undo takes away, verify during an apply.
import {
  closeSync,
  existsSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../src/apply/apply.js';
import { lockCatalog } from '../src/apply/catalog-lock.js';
import { runToUndo, undoRun } from '../src/apply/undo.js';
import type { CatalogStore } from '../src/catalog/store.js';
import { planToJson, readPlan } from '../src/plan/plan-json.js';
import { formatBytes } from '../src/core/format.js';
import { verify } from '../src/verify/verify.js';
import { applyWorkspace, crashAfter, treeState } from './helpers/apply.js';
import { runCli } from './helpers/cli.js';
import { planOf } from './helpers/plan-of.js';
import { bytes, scratch } from './helpers/tree.js';

/** What df counts for a file: its allocated blocks. */
const allocated = (path: string) => lstatSync(path).blocks * 512;

describe('the command line says what was freed, and what only moved', () => {
  let dir: ReturnType<typeof scratch>;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env });

  beforeEach(() => {
    dir = scratch();
    env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
    const photo = bytes(40_000, 1);
    dir.write('t/a/photo.jpg', photo);
    dir.write('t/b/photo copy.jpg', photo);
    dir.write('t/a/note', 'tiny');
    dir.write('t/b/note', 'tiny');
  });
  afterEach(() => dir.remove());

  /** Writes a plan; the files it acts on, their size and their allocated bytes. */
  async function plan(...extra: string[]) {
    const made = await cli('plan', 't', '-o', 'plan.json', '--no-progress', ...extra);
    expect(made.code, made.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(dir.path('plan.json'), 'utf8')) as {
      groups: { actions: { path: string }[] }[];
    };
    const paths = doc.groups.flatMap((g) => g.actions.map((a) => a.path));
    return {
      stderr: made.stderr,
      size: formatBytes(paths.reduce((sum, p) => sum + lstatSync(p).size, 0)),
      blocks: formatBytes(paths.reduce((sum, p) => sum + allocated(p), 0)),
    };
  }

  it('quarantine frees nothing until purge: plan, dry run, apply and runs say what moved and what a purge would free', async () => {
    const { stderr, size, blocks } = await plan();
    expect(size).toBe('39.1 KiB'); // 40,000 + 4 bytes
    expect(stderr).toContain(
      `2 files to quarantine, ${size} to move to quarantine (nothing is freed until \`nodupe quarantine purge\`)`,
    );
    expect(stderr).not.toMatch(/to free/);

    const dry = await cli('apply', 'plan.json', '--dry-run', '--no-progress');
    expect(dry.stdout).toContain(
      `dry run: 2 would be done, 0 would be skipped; ${size} would move to quarantine (nothing freed; a purge would then free up to ${blocks})`,
    );

    const applied = await cli('apply', 'plan.json', '--no-progress');
    expect(applied.code).toBe(0);
    // The tiny file takes a whole block: a purge frees what df would show, not the bytes' count.
    expect(applied.stdout).toContain(
      `run 1: 2 done, 0 skipped; ${size} moved to quarantine (nothing freed yet; a purge would free up to ${blocks})`,
    );
    expect(applied.stdout).not.toMatch(/B freed/);

    const runs = await cli('runs');
    expect(runs.stdout).toContain(
      `${size} moved to quarantine (nothing freed yet; a purge would free up to ${blocks})`,
    );

    const purged = await cli('quarantine', 'purge', '--older-than', '0');
    expect(purged.stdout).toContain(`purged 2 files (${size}) from 1 run: up to ${blocks} freed`);
    expect((await cli('runs')).stdout).toMatch(new RegExp(`\\tup to ${blocks} freed by purge\\t`));
  });

  it('move frees nothing; delete frees up to its blocks (blocks shared with a clone would stay)', async () => {
    const moved = await plan('--action', 'move', '--to', 'elsewhere');
    expect(moved.stderr).toContain(`2 files to move, ${moved.size} to move (nothing is freed)`);
    const applied = await cli('apply', 'plan.json', '--no-progress');
    expect(applied.stdout).toContain(`run 1: 2 done, 0 skipped; ${moved.size} moved (nothing freed)`);
    expect((await cli('undo', '1')).code).toBe(0);

    const deleted = await plan('--action', 'delete');
    expect(deleted.stderr).toContain(`2 files to delete, about ${deleted.size} to free`);
    const done = await cli('apply', 'plan.json', '--yes', '--no-progress');
    expect(done.stdout).toContain(`run 2: 2 done, 0 skipped; up to ${deleted.blocks} freed`);
    expect((await cli('runs')).stdout).toMatch(
      new RegExp(`^2\\t.*\\tdelete\\tfinished\\t.*\\tup to ${deleted.blocks} freed\\t`, 'm'),
    );
  });

  it('runs has a header line and names the action of each run', async () => {
    await plan();
    await cli('apply', 'plan.json', '--no-progress');
    await cli('undo', '1');
    await plan('--action', 'hardlink');
    await cli('apply', 'plan.json', '--no-progress');
    const lines = (await cli('runs')).stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('RUN\tSTARTED\tACTION\tSTATE\tENTRIES\tSPACE\tPLAN');
    expect(lines[1]).toMatch(/^1\t\S+\tquarantine\tundone\t0 done, 0 skipped, 2 undone\tnothing freed\t/);
    expect(lines[2]).toMatch(
      /^2\t\S+\thardlink\tfinished\t2 done, 0 skipped, 0 undone\tup to \S+ KiB freed\t/,
    );
  });

  it('names the snapshot folder in the restore command when it was not the default', async () => {
    await plan('--action', 'delete');
    mkdirSync(dir.path('my snaps'), { mode: 0o700 });
    const applied = await cli('apply', 'plan.json', '--yes', '--snapshot', '--snapshots', 'my snaps');
    const id = /snapshot (\S+): 2 files/.exec(applied.stderr)?.[1];
    expect(id).toBeDefined();
    const undo = await cli('undo', '1');
    expect(undo.code).toBe(1);
    expect(undo.stdout).toContain(
      `snapshot ${id} holds it (\`nodupe snapshot restore ${id} --snapshots '${dir.path('my snaps')}'\`)`,
    );
    const restored = await cli('snapshot', 'restore', id!, '--snapshots', dir.path('my snaps'));
    expect(restored.code).toBe(0);
  });

  it('undo of a delete run ends "partly-undone" and names the snapshot that holds the deleted files', async () => {
    await plan('--action', 'delete');
    const applied = await cli('apply', 'plan.json', '--yes', '--snapshot', '--no-progress');
    const id = /snapshot (\S+): 2 files/.exec(applied.stderr)?.[1];
    expect(id).toBeDefined();
    const undo = await cli('undo', '1');
    expect(undo.code).toBe(1);
    expect(undo.stdout).toContain(
      `a deleted file cannot be brought back by undo: snapshot ${id} holds it (\`nodupe snapshot restore ${id}\`)`,
    );
    expect(undo.stderr).toContain(
      `run 1 is undone as far as it can be ("partly-undone"): 2 deleted files cannot be brought back by undo; ` +
        `snapshot ${id} holds the deleted files`,
    );
    // A final state, not "undoing" for ever; a plain undo has nothing left.
    expect((await cli('runs')).stdout).toMatch(/^1\t.*\tdelete\tpartly-undone\t/m);
    const again = await cli('undo');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing left to undo/);
    expect((await cli('verify', '--mode', 'consistency')).code).toBe(0);
  });

  it('verify --mode consistency while an apply holds the catalog says so, instead of listing its work as interrupted', async () => {
    await plan();
    const catalog = join(dir.path('data'), 'nodupe', 'catalog.db');
    const release = lockCatalog({ location: catalog } as CatalogStore);
    try {
      const r = await cli('verify', '--mode', 'consistency', '-o', 'report.json');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(
        `consistency: apply-running: ${catalog}: an apply, undo or purge (pid ${process.pid}) is running with this catalog`,
      );
      expect(JSON.parse(readFileSync(dir.path('report.json'), 'utf8'))).toMatchObject({
        ok: false,
        errors: [{ code: 'apply-running' }],
      });
    } finally {
      release();
    }
    expect((await cli('verify', '--mode', 'consistency')).code).toBe(0);
  });
});

describe('bytes as df counts them', () => {
  const ws = applyWorkspace();
  const { options } = ws;

  /** A file of `size` bytes that holds one written byte: the rest is a hole, no blocks. */
  function sparse(path: string, size: number): string {
    mkdirSync(join(path, '..'), { recursive: true });
    const fd = openSync(path, 'w');
    writeSync(fd, 'x');
    ftruncateSync(fd, size);
    closeSync(fd);
    return path;
  }

  it('a sparse file frees its blocks, not its size', async () => {
    const keeper = sparse(ws.dir.path('t/keeper'), 8 << 20);
    const copy = sparse(ws.dir.path('t/copy'), 8 << 20);
    const blocks = allocated(copy);
    expect(blocks).toBeLessThan(1 << 20);
    const { plan, text } = planOf(ws.catalog, 'delete', [[keeper, copy]]);
    const report = await applyPlan(plan, text, options());
    expect(report).toMatchObject({ done: 1, bytes: 8 << 20 });
    expect(report.space.freed).toBe(blocks);
    const [entry] = ws.catalog.journal().entries(report.runId!);
    expect(entry!.freed).toBe(blocks);
  });

  it('a file with another hard link outside the plan frees nothing; all names of one file acted on free it once', async () => {
    const content = bytes(50_000, 2);
    const keeper = ws.dir.write('t/keeper', content);
    const linked = ws.dir.write('t/linked', content);
    linkSync(linked, ws.dir.path('elsewhere-link'));
    const twice = ws.dir.write('t/twice', content);
    linkSync(twice, ws.dir.path('t/twice-link'));
    const blocks = allocated(twice);
    const { plan, text } = planOf(ws.catalog, 'delete', [
      [keeper, linked, twice, ws.dir.path('t/twice-link')],
    ]);
    const report = await applyPlan(plan, text, options());
    expect(report.done).toBe(3);
    expect(report.space.freed).toBe(blocks);
    const freed = ws.catalog
      .journal()
      .entries(report.runId!)
      .map((e) => e.freed);
    expect(freed).toEqual([0, 0, blocks]);
    expect(existsSync(ws.dir.path('elsewhere-link'))).toBe(true);
  });

  it('a quarantined file with a name left outside the quarantine: a purge would free nothing', async () => {
    const content = bytes(30_000, 3);
    const keeper = ws.dir.write('t/keeper', content);
    const copy = ws.dir.write('t/copy', content);
    linkSync(copy, ws.dir.path('elsewhere-link'));
    const { plan, text } = planOf(ws.catalog, 'quarantine', [[keeper, copy]]);
    const report = await applyPlan(plan, text, options());
    expect(report.space).toMatchObject({ freed: 0, quarantined: 30_000, purgeable: 0 });
  });
});

describe('undo ends, and tidies what it made', () => {
  const ws = applyWorkspace();
  const { clock, options } = ws;
  const undo = () => undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock });

  it('a run of quarantines and deletes: undo puts the quarantined back and ends partly-undone', async () => {
    const a = bytes(10_000, 4);
    const b = bytes(10_000, 5);
    const groups = [
      [ws.dir.write('t/k1', a), ws.dir.write('t/q1', a)],
      [ws.dir.write('t/k2', b), ws.dir.write('t/d2', b)],
    ];
    const mixed = planOf(ws.catalog, 'quarantine', groups).plan;
    mixed.groups[1]!.actions[0]!.op = 'delete';
    const text = planToJson(mixed);
    const applied = await applyPlan(readPlan(text, 'plan.json'), text, options());
    expect(applied.done).toBe(2);
    const report = undo();
    expect(report).toMatchObject({ undone: 1, deleted: 1, state: 'partly-undone', complete: false });
    expect(readFileSync(ws.dir.path('t/q1'))).toEqual(a);
    expect(ws.catalog.journal().run(applied.runId!)!.state).toBe('partly-undone');
    // Undone as far as it can be: nothing is left to undo, and verify finds nothing wrong.
    expect(() => runToUndo(ws.catalog, undefined)).toThrow(/no run left to undo/);
    expect((await verify(ws.catalog, { mode: 'consistency' })).errors).toEqual([]);
  });

  it('another file at a path is something undo can retry: the run stays "undoing"', async () => {
    const a = bytes(10_000, 6);
    const groups = [[ws.dir.write('t/k', a), ws.dir.write('t/q', a)]];
    const { plan, text } = planOf(ws.catalog, 'quarantine', groups);
    await applyPlan(plan, text, options());
    writeFileSync(ws.dir.path('t/q'), 'a new file of the same name');
    expect(undo()).toMatchObject({ state: 'undoing', complete: false });
  });

  it('undo of a move removes the folders the move made under --to, and leaves a folder someone put a file into', async () => {
    const a = bytes(10_000, 7);
    const b = bytes(10_000, 8);
    const groups = [
      [ws.dir.write('t/k1', a), ws.dir.write('t/a/x/copy', a)],
      [ws.dir.write('t/k2', b), ws.dir.write('t/b/y/copy', b)],
    ];
    const to = ws.dir.path('moved');
    const mirror = (p: string) => join(to, ws.dir.path(p));
    // Folders that were there before the run (an empty one among them) are not the run's to take away.
    mkdirSync(mirror('t/a'), { recursive: true });
    const before = treeState(ws.dir.path('t'));
    const { plan, text } = planOf(ws.catalog, 'move', groups, { to });
    expect((await applyPlan(plan, text, options())).done).toBe(2);
    expect(readFileSync(mirror('t/a/x/copy'))).toEqual(a);
    writeFileSync(mirror('t/b/y/note.txt'), 'mine');

    const report = undo();
    expect(report).toMatchObject({ undone: 2, state: 'undone' });
    expect(treeState(ws.dir.path('t'))).toEqual(before);
    expect(existsSync(mirror('t/a/x'))).toBe(false); // made by the move, empty again: gone
    expect(readdirSync(mirror('t/a'))).toEqual([]); // there before the run: stays
    expect(readdirSync(mirror('t/b/y'))).toEqual(['note.txt']); // holds a file now: stays
    expect(existsSync(to)).toBe(true);
  });

  it('undo of a quarantine takes away the folders it made in the run folder, never the run folder or above', async () => {
    const a = bytes(10_000, 9);
    const { plan, text } = planOf(ws.catalog, 'quarantine', [
      [ws.dir.write('t/k', a), ws.dir.write('t/deep/er/q', a)],
    ]);
    const { runId } = await applyPlan(plan, text, options());
    const runFolder = join(ws.dir.path('data/quarantine'), ws.catalog.id, `run-${runId}`);
    expect(existsSync(join(runFolder, ws.dir.path('t/deep/er/q')))).toBe(true);
    expect(undo().state).toBe('undone');
    expect(readdirSync(runFolder)).toEqual([]);
  });
});

describe('verify while an apply runs', () => {
  const ws = applyWorkspace();
  const { options } = ws;

  it('names the apply that holds the catalog, instead of reporting its entries as interrupted', async () => {
    const groups = Array.from({ length: 30 }, (_, i) => {
      const content = bytes(2_000, 100 + i);
      return [ws.dir.write(`t/${i}/k`, content), ws.dir.write(`t/${i}/c`, content)];
    });
    const { plan, text } = planOf(ws.catalog, 'quarantine', groups);
    await expect(applyPlan(plan, text, options({ ...crashAfter(3), batchSize: 64 }))).rejects.toThrow(
      'crash',
    );
    const interrupted = await verify(ws.catalog, { mode: 'consistency' });
    expect(interrupted.errors.filter((e) => e.code === 'unsettled')).toHaveLength(27);

    const release = lockCatalog(ws.catalog);
    try {
      const report = await verify(ws.catalog, { mode: 'consistency' });
      expect(report.errors).toEqual([
        expect.objectContaining({
          code: 'apply-running',
          message: expect.stringContaining(`(pid ${process.pid}) is running with this catalog`) as unknown,
        }),
      ]);
    } finally {
      release();
    }
    // A note left by a holder that was killed names no one: the journal is checked again.
    writeFileSync(`${realpathSync(ws.catalog.location)}-lock.pid`, `${process.pid}\n2026-01-01T00:00:00Z\n`);
    const after = await verify(ws.catalog, { mode: 'consistency' });
    expect(after.errors.filter((e) => e.code === 'unsettled')).toHaveLength(27);
  });
});
