// Applying a plan whose keepers are inside a zip (`plan --keeper-in-archive`) against the same plan with loose
// keepers: the same files quarantined, each compared first with its keeper, a loose copy or a member streamed out
// of backup.zip. Each round applies both plans in turn, undo putting the files back after each. Warm cache;
// medians per file. Needs zip.
//
//   npm run bench:keeper-in-archive            FILES=1000 ROUNDS=3 npm run bench:keeper-in-archive
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyPlan,
  buildPlan,
  dupesFromCatalog,
  planToJson,
  reportFromScan,
  runToUndo,
  scan,
  SqliteCatalog,
  systemClock,
  undoRun,
  withArchiveMembers,
} from 'nodupe';
import { emit, median, round } from './lib.mjs';
import { bytes } from '../test/fixtures/bytes.mjs';

const FILES = Number(process.env.FILES ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const work = join(process.env.NODUPE_BENCH_DIR ?? join(tmpdir(), 'nodupe-bench'), 'keeper-in-archive');

rmSync(work, { recursive: true, force: true });
const tree = join(work, 'tree');
const dataDir = join(work, 'data');
let totalBytes = 0;
for (let i = 0; i < FILES; i++) {
  // 4 KiB to 256 KiB, log-spread.
  const content = bytes(Math.round(4096 * 64 ** (((i * 7919) % FILES) / FILES)), i + 1);
  totalBytes += content.length;
  for (const side of ['kept', 'loose']) {
    mkdirSync(join(tree, side, `d${Math.floor(i / 100)}`), { recursive: true });
    writeFileSync(join(tree, side, `d${Math.floor(i / 100)}`, `f${i}.bin`), content);
  }
}
execFileSync('zip', ['-q', '-r', '-X', join(tree, 'backup.zip'), '.'], { cwd: join(tree, 'kept') });

const catalog = SqliteCatalog.open(join(dataDir, 'catalog.db'));
const scanned = reportFromScan(await scan({ roots: [tree], catalog, archives: true }));
const loose = join(tree, 'loose');

/** A plan that quarantines the files under loose/, each kept by a loose copy under kept/, or by backup.zip's member. */
function planOf(keeper, round) {
  // The catalog as undo left it (the files' ctimes moved by the renames back).
  const report = withArchiveMembers(dupesFromCatalog(catalog, scanned.algorithm, false), catalog, false);
  const groups = report.groups.map((g) => (keeper === 'loose' ? { ...g, members: [] } : g));
  return buildPlan(
    groups,
    {
      rules: [],
      protect: [join(tree, 'kept')],
      onlyFrom: [loose],
      keepN: 1,
      keeperInArchive: keeper !== 'loose',
    },
    { op: 'quarantine' },
    {
      id: `bench-${keeper}-${round}`,
      createdAt: new Date().toISOString(),
      catalog: { id: catalog.id, location: catalog.location },
      algorithm: scanned.algorithm,
    },
  );
}

const perFile = { loose: [], zip: [] };
let allDone = true;
for (let r = 0; r < ROUNDS + 1; r++) {
  for (const keeper of Object.keys(perFile)) {
    const plan = planOf(keeper, r);
    const actions = plan.groups.reduce((n, g) => n + g.actions.length, 0);
    const inArchive = plan.groups.every((g) => g.keepers[0].member !== undefined);
    const t = performance.now();
    const applied = await applyPlan(plan, planToJson(plan), { catalog, clock: systemClock, dataDir });
    const ms = performance.now() - t;
    const undo = undoRun(runToUndo(catalog, applied.runId), { catalog, clock: systemClock });
    allDone &&= applied.done === actions && undo.complete && inArchive === (keeper !== 'loose');
    if (r > 0) perFile[keeper].push(ms / actions);
  }
}
catalog.close();
const ms = (keeper) => median(perFile[keeper]);
emit({
  bench: 'keeper-in-archive/apply',
  files: FILES,
  totalMB: round(totalBytes / 2 ** 20, 1),
  rounds: ROUNDS,
  looseMsPerFile: round(ms('loose'), 3),
  zipMsPerFile: round(ms('zip'), 3),
  zipVsLoose: round(ms('zip') / ms('loose'), 2),
  zipRatios: perFile.zip.map((z, i) => round(z / perFile.loose[i], 2)),
  allDoneAndUndone: allDone,
});
rmSync(work, { recursive: true, force: true });
