// nodupe apply against a plain byte compare of the same files: a 5,000-action quarantine plan must take at
// most 2x the time needed to byte-compare each file with its keeper. Each round applies a fresh plan, then
// undo puts the tree back for the next; the plain compare runs in the same rounds, alternating. Warm cache.
// Two trees: small files (512 B to 128 KiB: system calls dominate) and larger ones (64 KiB to 1 MiB).
//
//   npm run bench:apply            ACTIONS=5000 ROUNDS=5 SIZES=small npm run bench:apply
import { mkdirSync, openSync, closeSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  planToJson,
  applyPlan,
  buildPlan,
  dupesFromCatalog,
  runToUndo,
  scan,
  SqliteCatalog,
  systemClock,
  undoRun,
} from 'nodupe';
import { emit, median, round } from './lib.mjs';
import { bytes } from '../test/fixtures/bytes.mjs';

const ACTIONS = Number(process.env.ACTIONS ?? 5000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const COPIES = 3; // a keeper and two copies per group
const PROFILES = {
  small: { min: 512, max: 128 << 10 },
  large: { min: 64 << 10, max: 1 << 20 },
};
const work = join(process.env.NODUPE_BENCH_DIR ?? join(tmpdir(), 'nodupe-bench'), 'apply');
const groups = ACTIONS / (COPIES - 1);

function freshPlan(catalog, round) {
  const report = dupesFromCatalog(catalog, 'xxh3', false);
  return buildPlan(
    report.groups,
    { rules: [], protect: [], onlyFrom: [], keepN: 1 },
    { op: 'quarantine' },
    {
      id: `bench-${round}`,
      createdAt: new Date().toISOString(),
      catalog: { id: catalog.id, location: catalog.location },
      algorithm: 'xxh3',
    },
  );
}

const CHUNK = 512 * 1024;
const bufA = Buffer.allocUnsafe(CHUNK);
const bufB = Buffer.allocUnsafe(CHUNK);
/** The peer: open both files, read and compare chunk by chunk, as plainly as Node allows. */
function plainCompare(plan) {
  let equal = 0;
  for (const g of plan.groups) {
    for (const a of g.actions) {
      const fa = openSync(a.path, 'r');
      const fb = openSync(a.keeper, 'r');
      let same = true;
      for (let pos = 0; pos < a.expect.size && same; pos += CHUNK) {
        const n = readSync(fa, bufA, 0, CHUNK, pos);
        readSync(fb, bufB, 0, CHUNK, pos);
        same = bufA.compare(bufB, 0, n, 0, n) === 0;
      }
      closeSync(fa);
      closeSync(fb);
      if (same) equal++;
    }
  }
  return equal;
}

async function measure(catalog, dataDir) {
  const runs = { compare: [], apply: [], undo: [] };
  let checked = true;
  for (let r = 0; r < ROUNDS + 1; r++) {
    const plan = freshPlan(catalog, r);
    const actions = plan.groups.reduce((n, g) => n + g.actions.length, 0);
    let t = performance.now();
    const equal = plainCompare(plan);
    const compareMs = performance.now() - t;
    t = performance.now();
    const report = await applyPlan(plan, planToJson(plan), {
      catalog,
      clock: systemClock,
      dataDir,
    });
    const applyMs = performance.now() - t;
    t = performance.now();
    const undo = undoRun(runToUndo(catalog, report.runId), { catalog, clock: systemClock });
    const undoMs = performance.now() - t;
    checked &&= equal === actions && report.done === actions && undo.complete && undo.undone === actions;
    if (r === 0) continue; // the first round warms the cache
    runs.compare.push(compareMs);
    runs.apply.push(applyMs);
    runs.undo.push(undoMs);
  }
  const compareMs = median(runs.compare);
  const applyMs = median(runs.apply);
  return {
    compareMs: round(compareMs, 1),
    applyMs: round(applyMs, 1),
    undoMs: round(median(runs.undo), 1),
    ratio: round(applyMs / compareMs, 2),
    ratios: runs.apply.map((a, i) => round(a / runs.compare[i], 2)),
    allDoneAndUndone: checked,
  };
}

for (const name of (process.env.SIZES ?? 'small,large').split(',')) {
  const { min, max } = PROFILES[name];
  rmSync(work, { recursive: true, force: true });
  const tree = join(work, 'tree');
  const dataDir = join(work, 'data');
  // Sizes log-spread from min to max; 50 files a folder.
  let totalBytes = 0;
  for (let g = 0; g < groups; g++) {
    const size = Math.round(min * (max / min) ** (((g * 7919) % groups) / groups));
    const content = bytes(size, g + 1);
    for (let c = 0; c < COPIES; c++) {
      const folder = join(tree, `c${c}`, `d${Math.floor(g / 50)}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `f${g}`), content);
      totalBytes += size;
    }
  }
  const catalog = SqliteCatalog.open(join(dataDir, 'catalog.db'));
  await scan({ roots: [tree], catalog });
  const result = await measure(catalog, dataDir);
  catalog.close();
  emit({
    bench: 'apply/quarantine',
    sizes: `${name} (${min} B to ${max} B)`,
    actions: ACTIONS,
    files: groups * COPIES,
    totalMB: round(totalBytes / 2 ** 20, 1),
    rounds: ROUNDS,
    ...result,
    target: 2,
    pass: result.allDoneAndUndone && result.ratio <= 2,
  });
  rmSync(work, { recursive: true, force: true });
}
