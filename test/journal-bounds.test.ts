// A journal is followed only as apply wrote it: an entry whose target lies outside the run's own quarantine
// folder or --to (or is not the name apply reserves) is refused as a changed journal, and a recorded folder is
// removed only below the run's folders, only the very folder made (birth time included), through its parent
// held open.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPlan, resumeApply } from '../src/apply/apply.js';
import { purgeQuarantine } from '../src/apply/purge.js';
import { runToUndo, undoRun } from '../src/apply/undo.js';
import { Database } from '../src/catalog/sqlite/driver.js';
import { nodeFileOps } from '../src/fs/file-ops.js';
import { applyWorkspace, crashAfter } from './helpers/apply.js';
import { runCli } from './helpers/cli.js';
import { wrapOps, type CallName } from './helpers/ops.js';
import { planOf } from './helpers/plan-of.js';
import { bytes } from './helpers/tree.js';

const ws = applyWorkspace();
const { clock, options } = ws;

const cli = (...args: string[]) => runCli([...args, '--catalog', ws.catalog.location], { cwd: ws.dir.root });

const CHANGED = 'the journal was changed (nodupe never writes this); nothing was done with it';

/** Runs SQL on the catalog file as someone who could write it would. */
function tamper(sql: string, ...params: unknown[]): void {
  const db = new Database(ws.catalog.location);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

/** A file of the user's elsewhere, and the journal's entry 1 of run 1 rewritten to name it as where a file went. */
function pointEntryAt(victim: string): void {
  const st = lstatSync(victim, { bigint: true });
  tamper(
    'UPDATE journal SET target = ?, size = ?, mtime_ns = ?, dev = ?, ino = ? WHERE run_id = 1 AND seq = 0',
    Buffer.from(victim),
    st.size,
    st.mtimeNs,
    st.dev,
    st.ino,
  );
}

function pair(name: string, seed: number) {
  const content = bytes(20_000, seed);
  return [ws.dir.write(`t/${name}/keep`, content), ws.dir.write(`t/${name}/copy`, content)];
}

const under = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

describe('a journal entry whose target was changed', () => {
  it('undo of a quarantine leaves the file it names where it is, and says the journal was changed', async () => {
    const [keeper, copy] = pair('a', 1);
    const plan = planOf(ws.catalog, 'quarantine', [[keeper!, copy!]]);
    expect((await applyPlan(plan.plan, plan.text, options())).done).toBe(1);
    const victim = ws.dir.write('secret/ledger', 'the only copy of something');
    pointEntryAt(victim);
    const undo = await cli('undo');
    expect(undo.code).toBe(1);
    expect(undo.stdout).toContain(
      `not undone ${copy}: the journal names ${victim} as its quarantined copy, which is not in the run's own ` +
        `quarantine folder (…/${ws.catalog.id}/run-1): ${CHANGED}\n`,
    );
    expect(readFileSync(victim, 'utf8')).toBe('the only copy of something');
    expect(existsSync(copy!)).toBe(false);

    // A path changed too: not an action of the run's plan.
    tamper(
      'UPDATE journal SET path = CAST(? AS BLOB) WHERE run_id = 1 AND seq = 0',
      ws.dir.path('loot/ledger'),
    );
    expect((await cli('undo')).stdout).toContain(
      `not undone ${ws.dir.path('loot/ledger')}: the journal's entry 1 (quarantine ${ws.dir.path('loot/ledger')}) ` +
        `is not that action of the run's plan: ${CHANGED}\n`,
    );
    expect(readFileSync(victim, 'utf8')).toBe('the only copy of something');
  });

  it("undo of a move refuses a target outside the run's --to", async () => {
    const [keeper, copy] = pair('b', 2);
    const to = ws.dir.path('moved');
    const plan = planOf(ws.catalog, 'move', [[keeper!, copy!]], { to });
    expect((await applyPlan(plan.plan, plan.text, options())).done).toBe(1);
    const victim = ws.dir.write(`elsewhere${copy!}`, 'not moved by nodupe');
    pointEntryAt(victim);
    const undo = await cli('undo');
    expect(undo.stdout).toContain(
      `not undone ${copy}: the journal names ${victim} for it, which is not where apply puts it (below the run's ` +
        `--to ${to}): ${CHANGED}\n`,
    );
    expect(readFileSync(victim, 'utf8')).toBe('not moved by nodupe');
    expect(existsSync(copy!)).toBe(false);
  });

  it('resume does not carry out an intent whose target was changed: the file stays at its path', async () => {
    const first = pair('c', 3);
    const second = pair('d', 4);
    const plan = planOf(ws.catalog, 'quarantine', [first, second]);
    await expect(applyPlan(plan.plan, plan.text, options(crashAfter(1)))).rejects.toThrow('crash');
    const loot = ws.dir.path('loot');
    mkdirSync(loot);
    tamper('UPDATE journal SET target = CAST(? AS BLOB) WHERE run_id = 1 AND seq = 1', join(loot, 'copy'));
    const report = await resumeApply(undefined, options());
    expect(report.skips.map((s) => s.reason)).toEqual([
      `the journal names ${join(loot, 'copy')} as its quarantined copy, which is not in the run's own quarantine ` +
        `folder (…/${ws.catalog.id}/run-1): ${CHANGED}`,
    ]);
    expect(readdirSync(loot)).toEqual([]);
    expect(existsSync(second[1]!)).toBe(true);
  });

  it('purge leaves the file a changed entry names', async () => {
    const [keeper, copy] = pair('e', 5);
    const plan = planOf(ws.catalog, 'quarantine', [[keeper!, copy!]]);
    expect((await applyPlan(plan.plan, plan.text, options())).done).toBe(1);
    // The user's own file with the keeper's bytes: a purge that followed the entry would delete it.
    const victim = ws.dir.write('mine/also', readFileSync(keeper!));
    pointEntryAt(victim);
    const report = await purgeQuarantine(ws.catalog, { olderThanMs: 0, clock });
    expect(report.problems).toEqual([
      {
        path: victim,
        reason: `the journal names ${victim} as its quarantined copy, which is not in the run's own quarantine folder (…/${ws.catalog.id}/run-1): ${CHANGED}`,
      },
    ]);
    expect(existsSync(victim)).toBe(true);
  });
});

describe('the folders a run recorded', () => {
  /** A move under --to: the folders it made, recorded in run_folders. */
  async function moved(): Promise<{ to: string; copy: string; deepest: string }> {
    const [keeper, copy] = pair('f', 6);
    const to = ws.dir.path('moved');
    const plan = planOf(ws.catalog, 'move', [[keeper!, copy!]], { to });
    expect((await applyPlan(plan.plan, plan.text, options())).done).toBe(1);
    return { to, copy: copy!, deepest: `${to}${ws.dir.path('t/f')}` };
  }

  const recorded = () =>
    ws.catalog
      .journal()
      .folders(1)
      .map((f) => String(f.path));

  it("are removed only below the run's --to: a row naming a folder elsewhere is never acted on", async () => {
    const { to } = await moved();
    const elsewhere = ws.dir.path('victim/run-sshd');
    mkdirSync(elsewhere, { recursive: true });
    const st = lstatSync(elsewhere, { bigint: true });
    const row =
      'INSERT INTO run_folders (run_id, path, dev, ino, birth_ns) VALUES (1, CAST(? AS BLOB), ?, ?, ?)';
    tamper(row, elsewhere, st.dev, st.ino, st.birthtimeNs);
    tamper(row, `${to}/../victim/run-sshd`, st.dev, st.ino, st.birthtimeNs);
    const undo = await cli('undo');
    expect(undo.code, undo.stdout).toBe(0);
    expect(existsSync(elsewhere)).toBe(true);
    expect(under(to)).toEqual([]);
    expect(recorded().sort()).toEqual([`${to}/../victim/run-sshd`, elsewhere].sort());
  });

  it('a folder at its path that is not the one made (another birth time: its inode number reused) stays, and is forgotten', async () => {
    const { to, deepest } = await moved();
    // As if the folder had been removed and the user had made their own there, at the same inode number.
    tamper(
      'UPDATE run_folders SET birth_ns = birth_ns + 1 WHERE run_id = 1 AND path = CAST(? AS BLOB)',
      deepest,
    );
    expect((await cli('undo')).code).toBe(0);
    expect(readdirSync(deepest)).toEqual([]);
    expect(recorded()).not.toContain(deepest);
    expect(recorded().length).toBeGreaterThan(0); // those above it hold it: kept, for a later undo
    expect(existsSync(to)).toBe(true);
  });

  it('a folder recorded without a birth time (a file system that keeps none) is never removed, and forgotten', async () => {
    const { deepest } = await moved();
    tamper('UPDATE run_folders SET birth_ns = NULL WHERE run_id = 1 AND path = CAST(? AS BLOB)', deepest);
    expect((await cli('undo')).code).toBe(0);
    expect(existsSync(deepest)).toBe(true);
    expect(recorded()).not.toContain(deepest);
  });

  it.runIf(process.platform === 'linux')(
    'are removed through their parent held open, never by their path',
    async () => {
      const { to } = await moved();
      const calls: { name: CallName; path: string }[] = [];
      const ops = wrapOps(nodeFileOps, (name, args, call) => {
        if (name === 'rmdir' || name === 'open') calls.push({ name, path: String(args[0]) });
        return call();
      });
      const report = undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock, ops });
      expect(report.state).toBe('undone');
      expect(under(to)).toEqual([]);
      const rmdirs = calls.filter((c) => c.name === 'rmdir').map((c) => c.path);
      expect(rmdirs.length).toBeGreaterThan(0);
      for (const path of rmdirs) expect(path).toMatch(/^\/proc\/self\/fd\/\d+\/[^/]+$/);
    },
  );
});

describe('a partial copy an undo of a link left', () => {
  it.runIf(process.platform === 'linux')('is removed through its folder held open', async () => {
    const [keeper, copy] = pair('g', 7);
    const plan = planOf(ws.catalog, 'hardlink', [[keeper!, copy!]]);
    const report = await applyPlan(plan.plan, plan.text, options());
    expect(report.done).toBe(1);
    const temp = String(ws.catalog.journal().entries(1)[0]!.target);
    writeFileSync(temp, readFileSync(keeper!).subarray(0, 5_000)); // what a killed undo leaves
    const unlinks: string[] = [];
    const ops = wrapOps(nodeFileOps, (name, args, call) => {
      if (name === 'unlink') unlinks.push(String(args[0]));
      return call();
    });
    const undo = undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock, ops });
    expect(undo.state).toBe('undone');
    expect(lstatSync(copy!).nlink).toBe(1);
    expect(existsSync(temp)).toBe(false);
    expect(unlinks).not.toContain(temp);
    expect(
      unlinks.some(
        (p) => /^\/proc\/self\/fd\/\d+\//.test(p) && p.endsWith(temp.slice(temp.lastIndexOf('/'))),
      ),
    ).toBe(true);
  });
});
