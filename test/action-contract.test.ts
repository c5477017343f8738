// One contract, run against every kind of action in the table: carried out and undone, owner, mode and times
// come back; killed at every file-system call of a run, then resumed or undone, nothing is lost and the journal
// is consistent.
import { chownSync, lstatSync, readFileSync, utimesSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_KINDS } from '../src/apply/actions/index.js';
import { applyPlan, resumeApply } from '../src/apply/apply.js';
import { runToUndo, undoRun } from '../src/apply/undo.js';
import { isAbortError } from '../src/core/errors.js';
import type { ActionOp } from '../src/plan/plan.js';
import { verify } from '../src/verify/verify.js';
import { crashing } from './helpers/adversary.js';
import { applyWorkspace, contentsUnder, digest } from './helpers/apply.js';
import { planOf } from './helpers/plan-of.js';
import { mountReflinkFs } from './helpers/reflink-fs.js';
import { bytes } from './helpers/tree.js';

/** Where the reflink action's workspace lives: a file system that makes reflinks, when one can be mounted. */
let reflinkBase: string | undefined;
const ws = applyWorkspace({ base: () => reflinkBase });
const { clock, options } = ws;
const asRoot = process.getuid?.() === 0;

/** Two groups: a keeper and one copy, and a keeper and two copies; the copies owned like their keeper. */
function tree(): { groups: string[][]; contents: Set<string> } {
  const one = bytes(3_000, 1);
  const two = bytes(70_000, 2);
  const groups = [
    [ws.dir.write('t/k1', one), ws.dir.write('t/x/c1', one)],
    [ws.dir.write('t/k2', two), ws.dir.write('t/y/c2', two), ws.dir.write('t/y/z/c3', two)],
  ];
  for (const path of groups.flat()) {
    utimesSync(path, 1_600_000_000, 1_650_000_000);
    if (asRoot) chownSync(path, 4321, 4321);
  }
  return { groups, contents: new Set([digest(one), digest(two)]) };
}

function snapshotOf(path: string) {
  const st = lstatSync(path); // before the read below moves the atime
  return {
    content: digest(readFileSync(path)),
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    mtimeMs: Math.round(st.mtimeMs),
    atimeMs: Math.round(st.atimeMs),
  };
}

function withoutAtime(snapshot: ReturnType<typeof snapshotOf>) {
  return { ...snapshot, atimeMs: undefined };
}

/** The contents found in the tree, the quarantine and the move destination. */
function found(): Set<string> {
  return contentsUnder(ws.dir.path('t'), ws.dir.path('data/quarantine'), ws.dir.path('moved'));
}

async function consistent() {
  expect((await verify(ws.catalog, { mode: 'consistency' })).errors).toEqual([]);
}

const KINDS = Object.keys(ACTION_KINDS) as ActionOp[];

describe.each(KINDS)('the %s action', (op) => {
  if (op === 'reflink') {
    let mounted: { unmount(): void } | undefined;
    beforeAll(() => {
      const fs = mountReflinkFs();
      if ('unavailable' in fs) {
        // Elsewhere the kind still runs, on a file system that refuses reflinks: every copy left as it was.
        if (process.env.CI === 'true') throw new Error(`CI needs a reflink file system: ${fs.unavailable}`);
        console.warn(`nodupe tests: the reflink action runs without reflinks: ${fs.unavailable}`);
        return;
      }
      mounted = fs;
      reflinkBase = fs.path;
    });
    afterAll(() => {
      reflinkBase = undefined;
      mounted?.unmount();
    });
  }
  const planFor = (groups: string[][]) =>
    planOf(ws.catalog, op, groups, op === 'move' ? { to: ws.dir.path('moved') } : {});

  it('is carried out on every copy, keeps every content, and undo gives back owner, mode and times', async () => {
    const { groups, contents } = tree();
    const before = new Map(groups.flat().map((p) => [p, snapshotOf(p)]));
    for (const path of groups.flat()) utimesSync(path, 1_600_000_000, 1_650_000_000); // reading moved atimes
    const { plan, text } = planFor(groups);
    const report = await applyPlan(plan, text, options());
    if (op === 'reflink' && reflinkBase === undefined) {
      // This file system makes no reflinks: every copy is left as it was (read, so its atime moved).
      expect(report.skips[0]!.reason).toMatch(/cannot make reflinks/);
      for (const [path, was] of before) expect(withoutAtime(snapshotOf(path))).toEqual(withoutAtime(was));
      return;
    }
    expect(report).toMatchObject({ done: 3, skipped: 0 });
    expect(found()).toEqual(contents);
    await consistent();
    if (op === 'delete') {
      expect(() => runToUndo(ws.catalog, undefined)).toThrow(/no run left to undo/);
      for (const [keeper] of groups) {
        expect(withoutAtime(snapshotOf(keeper!))).toEqual(withoutAtime(before.get(keeper!)!));
      }
      return;
    }
    const undo = undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock });
    // A reflink is a file of its own already: nothing to reverse.
    expect(undo).toMatchObject(
      op === 'reflink' ? { complete: true, already: 3 } : { complete: true, undone: 3 },
    );
    // A reflink is a file of its own already: undo leaves it, with the owner, mode and times it was given.
    // Files read by the compare have a new atime, but a file undo makes anew gets the old one back.
    const keepers = new Set(groups.map(([keeper]) => keeper));
    for (const [path, was] of before) {
      const remade = (op === 'hardlink' || op === 'symlink') && !keepers.has(path);
      expect(remade ? snapshotOf(path) : withoutAtime(snapshotOf(path))).toEqual(
        remade ? was : withoutAtime(was),
      );
    }
    await consistent();
  });

  it('killed at any file-system call, then resumed or undone: nothing lost, the journal consistent', async () => {
    // How many calls a whole run makes, to kill it at each one.
    const first = tree();
    const counting = crashing(Number.POSITIVE_INFINITY);
    const whole = planFor(first.groups);
    await applyPlan(whole.plan, whole.text, options({ ops: counting }));
    const calls = counting.calls();
    expect(calls).toBeGreaterThan(10);
    for (let k = 1; k <= calls; k++) {
      ws.reset();
      const { groups, contents } = tree();
      const { plan, text } = planFor(groups);
      const dying = crashing(k);
      await applyPlan(plan, text, options({ ops: dying })).then(
        () => undefined,
        (error: unknown) => {
          if (!isAbortError(error)) throw error;
        },
      );
      dying.closeLeft();
      const runs = ws.catalog.journal().runs();
      if (runs.length === 0) continue; // killed before the run began: nothing was touched
      if (k % 2 === 1 && runs[0]?.state === 'running') {
        const resumed = await resumeApply(undefined, options());
        expect(resumed.skipped, `killed at call ${k}, resumed: ${JSON.stringify(resumed.skips)}`).toBe(
          op === 'reflink' && reflinkBase === undefined ? resumed.skipped : 0,
        );
      } else if (runs[0]?.state === 'running' || op !== 'delete') {
        const undo = undoRun(runToUndo(ws.catalog, 1), { catalog: ws.catalog, clock });
        if (op !== 'delete') expect(undo.problems, `killed at call ${k}, undone`).toEqual([]);
      }
      expect(found(), `killed at call ${k}`).toEqual(contents);
      for (const [keeper] of groups) expect(readFileSync(keeper!).length).toBeGreaterThan(0);
      await consistent();
    }
  });
});
