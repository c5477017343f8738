// Scale: a tree of FILES (default 1,000,000) files of 1 B to 2 KiB, about 30 % of them copies, 100 to a folder,
// made once by the corpus generator's flat mode (its generation time is printed). nodupe's first scan into a fresh
// catalog against `jdupes -r -q`, alternating, medians (target: at most 1.0x); peak RSS of both (target for nodupe:
// at most 400 MB); the same groups as jdupes in every run; then rescans of the unchanged tree against the
// stat-walk floor (`find TREE -printf '%s %T@ %i\n'`).
//
//   npm run bench:scale                          # 1,000,000 files, ROUNDS=3
//   FILES=300000 ROUNDS=5 npm run bench:scale    # the smaller run
//   SHAPE=small FILES=300000 npm run bench:scale # the earlier scale corpus: 100 B to 4 KiB in a random folder tree
//   NODUPE_BIN=/other/build/bin/nodupe.js npm run bench:scale
//
// The tree and catalogs live in $NODUPE_BENCH_DIR (default: the system temp folder, nodupe-bench/); about 4.2 GB
// and 1.01 M inodes for 1 M files (checked before anything is written).
import { join } from 'node:path';
import { ensureCorpus } from './corpus.mjs';
import {
  benchDir,
  emit,
  figures,
  firstScanRounds,
  maxRssMb,
  medianS,
  runsS,
  median,
  nodupeDupes,
  orFailure,
  removeCatalog,
  rotated,
  round,
  statWalk,
} from './lib.mjs';
import { groupsOfJsonReport, sameGroups } from './oracle.mjs';

const FILES = Number(process.env.FILES ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SHAPE = process.env.SHAPE ?? 'flat';
const TARGET_RATIO = 1.0;
const TARGET_RSS_MB = 400;

function main() {
  if (SHAPE !== 'flat' && SHAPE !== 'small')
    throw new Error(`SHAPE: expected flat or small, received ${SHAPE}`);
  const work = benchDir();
  const corpus = ensureCorpus(join(work, `corpus-${SHAPE}-${FILES}`), {
    files: FILES,
    ...(SHAPE === 'flat' ? { flat: true } : { small: true }),
  });
  emit({ bench: 'scale/corpus', ...corpus });
  const tree = corpus.root;

  const { runs, equal, errors, theirs, catalog0 } = firstScanRounds({
    work,
    label: 'scale',
    tree,
    rounds: ROUNDS,
    floor: false,
  });
  const ratio = median(runs.nodupe.map((r) => r.wallS)) / median(runs.jdupes.map((r) => r.wallS));
  const nodupeRssMb = maxRssMb(runs.nodupe);
  emit({
    bench: 'scale/first-scan',
    shape: SHAPE,
    files: FILES,
    rounds: ROUNDS,
    nodupeS: medianS(runs.nodupe),
    jdupesS: medianS(runs.jdupes),
    ratio: round(ratio),
    target: TARGET_RATIO,
    filesPerSec: Math.round(FILES / median(runs.nodupe.map((r) => r.wallS))),
    nodupeRssMb,
    jdupesRssMb: maxRssMb(runs.jdupes),
    rssTargetMb: TARGET_RSS_MB,
    groups: theirs.length,
    sameGroups: equal.every(Boolean),
    pass: ratio <= TARGET_RATIO && nodupeRssMb <= TARGET_RSS_MB && equal.every(Boolean),
    sameGroupsRuns: equal,
    ...(errors.length > 0 ? { nodupeErrors: errors } : {}),
    nodupeRunsS: runsS(runs.nodupe),
    jdupesRunsS: runsS(runs.jdupes),
  });

  // Rescans of the unchanged tree from the first round's catalog, alternating with the floor.
  const again = { rescan: [], floor: [] };
  const bytesRead = [];
  const rescanEqual = [];
  errors.length = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const peer of rotated(['rescan', 'floor'], r)) {
      if (peer === 'floor') {
        again.floor.push(figures(statWalk(tree)));
        continue;
      }
      const result = orFailure(() => nodupeDupes(catalog0, tree, 'json'));
      if (result.error) {
        errors.push(result.error);
        rescanEqual.push(false);
        continue;
      }
      const report = JSON.parse(result.stdout.toString());
      bytesRead.push(report.scan.bytesRead);
      rescanEqual.push(sameGroups(groupsOfJsonReport(report), theirs));
      again.rescan.push(figures(result));
    }
  }
  removeCatalog(catalog0);
  emit({
    bench: 'scale/rescan',
    shape: SHAPE,
    files: FILES,
    rounds: ROUNDS,
    rescanS: medianS(again.rescan),
    floorS: medianS(again.floor),
    ratioToFloor: round(median(again.rescan.map((r) => r.wallS)) / median(again.floor.map((r) => r.wallS))),
    bytesRead: Math.max(...bytesRead),
    nodupeRssMb: maxRssMb(again.rescan),
    sameGroups: rescanEqual.every(Boolean),
    ...(errors.length > 0 ? { nodupeErrors: errors } : {}),
    rescanRunsS: runsS(again.rescan),
    floorRunsS: runsS(again.floor),
  });
}

try {
  main();
} catch (error) {
  process.stderr.write(`bench:scale: ${error.message}\n`);
  process.exitCode = 1;
}
