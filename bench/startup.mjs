// Start-up: whole processes, as a user's shell starts them. `node -e 0` (the floor no Node program goes under),
// `nodupe --version`, and `nodupe dupes` of an empty folder with a fresh catalog (the smallest real command:
// opens the catalog, walks, reports). Alternating runs, medians.
//
//   npm run bench:startup            # 15 rounds
//   ROUNDS=31 npm run bench:startup
//   BASELINE=path/to/other/bin/nodupe.js npm run bench:startup   # another build too, alternated with this one
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, median, round } from './lib.mjs';

const BIN = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));
const BASELINE = process.env.BASELINE;
const ROUNDS = Math.max(7, Number(process.env.ROUNDS ?? 15));
const TARGET_MS = { version: 80, emptyDupes: 150 };

const work = mkdtempSync(join(tmpdir(), 'nodupe-startup-'));
const empty = join(work, 'empty');
mkdirSync(empty);

/** Wall milliseconds of one process, which must succeed. */
function timed(args) {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (result.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

/** A catalog path no run has used: every `dupes` run creates its catalog, as a first run does. */
function freshCatalog(round) {
  return join(work, `catalog-${round}.db`);
}

const bins = BASELINE === undefined ? { nodupe: BIN } : { nodupe: BIN, baseline: BASELINE };
const runs = { node: [] };
for (const name of Object.keys(bins)) runs[name] = { version: [], emptyDupes: [] };
try {
  for (const [name, bin] of Object.entries(bins)) {
    // One unmeasured run of each first: the page cache holds the files afterwards, as for a user's second run.
    timed([bin, '--version']);
    timed([bin, 'dupes', '-q', '--catalog', freshCatalog(`warm-${name}`), empty]);
  }
  for (let r = 0; r < ROUNDS; r++) {
    runs.node.push(timed(['-e', '0']));
    for (const [name, bin] of Object.entries(bins)) runs[name].version.push(timed([bin, '--version']));
    for (const [name, bin] of Object.entries(bins)) {
      runs[name].emptyDupes.push(
        timed([bin, 'dupes', '-q', '--catalog', freshCatalog(`${r}-${name}`), empty]),
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const floor = median(runs.node);
emit({
  bench: 'startup/node',
  rounds: ROUNDS,
  medianMs: round(floor, 1),
  runsMs: runs.node.map((x) => round(x, 1)),
});
for (const [name, command] of [
  ['version', 'nodupe --version'],
  ['emptyDupes', 'nodupe dupes --catalog FRESH EMPTY_DIR'],
]) {
  const ms = median(runs.nodupe[name]);
  const baseline = runs.baseline === undefined ? undefined : median(runs.baseline[name]);
  emit({
    bench: `startup/${name}`,
    command,
    rounds: ROUNDS,
    medianMs: round(ms, 1),
    targetMs: TARGET_MS[name],
    ratio: round(ms / TARGET_MS[name]),
    overNodeMs: round(ms - floor, 1),
    ...(baseline === undefined
      ? {}
      : { baselineMs: round(baseline, 1), vsBaseline: round(ms / baseline), baseline: BASELINE }),
    runsMs: runs.nodupe[name].map((x) => round(x, 1)),
  });
}
