// The race suite: an adversary changes the file, its keeper, a parent folder or the name nodupe is about to use,
// right before a random file-ops call of apply, resume (after an injected crash), undo or purge; nothing may be
// lost, nothing outside the plan touched, the journal must agree with the disk. See bench/race-harness.mjs.
//
//   npm run bench:races            SEED=7 TRIALS=500 npm run bench:races
//   SEED=7 ONLY=12,40 KEEP=1 npm run bench:races     (replays trials 12 and 40 of seed 7, keeping their folders)
//   DIST=/elsewhere/dist npm run bench:races          (another build of the library)
//   RACE_EXTRA=1 …      also an undo or a purge that crashes and is run again (renumbers the trials)
//   CONCURRENCY=4       trials at once (each has its own folder and catalog)
//   RACE_TMP=dir        where trees are built (default /dev/shm when writable: the journal fsyncs)
//   RACE_TRACE=1|calls  trial starts and ends (or every file-ops call) on stderr
//
// Prints one JSON line per failing trial (everything needed to replay it), one per (action, run) pair, and the
// final figures.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { emit } from './lib.mjs';
import { runTrials, summarizeByCombo } from './race-harness.mjs';

/** The library under test, from `dir` (the repository's dist/ by default; DIST=... for another build). */
async function loadLib(dir = new URL('../dist/', import.meta.url).pathname) {
  const load = (path) => import(pathToFileURL(resolve(dir, path)).href);
  const [apply, undo, purge, scan, build, planJson, policy, sqlite, clock, verify] = await Promise.all(
    [
      'apply/apply.js',
      'apply/undo.js',
      'apply/purge.js',
      'scan/scan.js',
      'plan/build.js',
      'plan/plan-json.js',
      'plan/policy.js',
      'catalog/sqlite/sqlite-store.js',
      'core/fake-clock.js',
      'verify/verify.js',
    ].map(load),
  );
  // FileOps moved from apply/ to fs/: either will do.
  const fileOps = await load(
    existsSync(resolve(dir, 'fs/file-ops.js')) ? 'fs/file-ops.js' : 'apply/file-ops.js',
  );
  return {
    applyPlan: apply.applyPlan,
    resumeApply: apply.resumeApply,
    undoRun: undo.undoRun,
    runToUndo: undo.runToUndo,
    purgeQuarantine: purge.purgeQuarantine,
    scan: scan.scan,
    buildPlan: build.buildPlan,
    planToJson: planJson.planToJson,
    readPlan: planJson.readPlan,
    DEFAULT_POLICY: policy.DEFAULT_POLICY,
    SqliteCatalog: sqlite.SqliteCatalog,
    FakeClock: clock.FakeClock,
    nodeFileOps: fileOps.nodeFileOps,
    verify: verify.verify,
  };
}

const seed = Number(process.env.SEED ?? 1);
const trials = Number(process.env.TRIALS ?? 500);
const only = process.env.ONLY?.split(',').map(Number);
const started = performance.now();
const lib = await loadLib(process.env.DIST);
const { results, summary } = await runTrials(lib, {
  seed,
  trials,
  only,
  keep: process.env.KEEP === '1',
  concurrency: Number(process.env.CONCURRENCY ?? 4),
  extra: process.env.RACE_EXTRA === '1',
  onTrial: (r) => {
    if (r.failures.length > 0 || only) {
      emit({
        bench: 'races/failure',
        ...r,
        repro: `${process.env.RACE_EXTRA === '1' ? 'RACE_EXTRA=1 ' : ''}SEED=${r.seed} ONLY=${r.trial} npm run bench:races`,
      });
    }
  },
});
for (const line of summarizeByCombo(results)) emit(line);
emit({ ...summary, elapsedMs: Math.round(performance.now() - started) });
process.exitCode = summary.pass ? 0 : 1;
