import { describe, expect, it } from 'vitest';
import { applyPlan, resumeApply } from '../src/apply/apply.js';
import { purgeQuarantine } from '../src/apply/purge.js';
import { runToUndo, undoRun } from '../src/apply/undo.js';
import { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import { FakeClock } from '../src/core/fake-clock.js';
import { nodeFileOps } from '../src/fs/file-ops.js';
import { buildPlan } from '../src/plan/build.js';
import { planToJson, readPlan } from '../src/plan/plan-json.js';
import { DEFAULT_POLICY } from '../src/plan/policy.js';
import { scan } from '../src/scan/scan.js';
import { verify } from '../src/verify/verify.js';
// Plain ESM, shared with bench/races.mjs (which runs it against dist/, 500 trials and more).
import { runTrial, runTrials } from '../bench/race-harness.mjs';

const lib = {
  applyPlan,
  resumeApply,
  undoRun,
  runToUndo,
  purgeQuarantine,
  scan,
  buildPlan,
  planToJson,
  readPlan,
  DEFAULT_POLICY,
  SqliteCatalog,
  FakeClock,
  nodeFileOps,
  verify,
};

describe('races: an adversary changes files, keepers and folders at a random file-ops call', () => {
  it('60 trials (apply, resume after a crash, undo, purge; every action): nothing lost, no wrong file touched', async () => {
    const { results, summary } = await runTrials(lib, { seed: 20_261_130, trials: 60, concurrency: 8 });
    // A failing trial is replayed, with everything about it, by `SEED=20261130 ONLY=<trial> npm run bench:races`.
    const failing = results.filter((r) => r.failures.length > 0);
    expect(failing, JSON.stringify(failing, null, 1)).toEqual([]);
    expect(summary).toMatchObject({
      contentLost: 0,
      wrongFileTouches: 0,
      journalInconsistent: 0,
      exceptions: 0,
    });
  }, 60_000);
});

/** Trials the bench found failing (the oracle each broke), replayed as they are: each hole stays closed. */
const KNOWN_HOLES: { name: string; trials: [seed: number, trial: number, extra?: boolean][] }[] = [
  {
    name: 'N1: the keeper changes after its last check, before the set-aside file is unlinked (hardlink, symlink)',
    trials: [
      [5, 477],
      [7, 23],
      [9, 419],
    ],
  },
  {
    name: 'N2: the set-aside file is edited after its last check, before it is unlinked',
    trials: [
      [5, 310],
      [10, 225],
    ],
  },
  {
    name: "N3: undo puts a file into whatever folder its folder's name leads to now",
    trials: [
      [4, 375],
      [5, 206],
      [7, 258],
    ],
  },
  {
    name: "N4: crash recovery unlinks the file's path by name, after looking at it calls before",
    trials: [[1, 415, true]],
  },
  {
    name: 'N5: after a failed link, whatever stands at the path is taken away',
    trials: [[4, 174]],
  },
];

describe('races: holes the bench found, replayed: each stays closed', () => {
  for (const hole of KNOWN_HOLES) {
    it(hole.name, async () => {
      for (const [seed, trial, extra = false] of hole.trials) {
        const r = await runTrial(lib, seed, trial, { extra });
        expect(r.failures, `seed ${seed} trial ${trial}`).toEqual([]);
      }
    });
  }
});
