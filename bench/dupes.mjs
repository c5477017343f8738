// nodupe dupes against jdupes -r -q and the stat-walk floor (`find TREE -printf '%s %T@ %i\n'`): whole processes,
// warm page cache, the peers alternating in every round (their order rotated), medians and ratios; the same groups
// as jdupes (physical file for physical file) checked in every run.
//
//   npm run bench:dupes                          # the 20k-path, ~5 GB corpus (made once) and /usr
//   TREES=/some/dir,/other ROUNDS=7 npm run bench:dupes
//   COLD=1 npm run bench:dupes                   # instead: cold page cache (as root), nodupe and jdupes, 20k corpus
//   NODUPE_BIN=/other/build/bin/nodupe.js npm run bench:dupes   # another build (default: this one's bin/nodupe.js)
//
// Prints JSON lines: dupes/first-scan (ratio to jdupes, peak RSS), dupes/rescan (the unchanged tree, ratio to the
// floor, bytes of content read), dupes/rescan-touched (1 % of the files rewritten with the same bytes; generated
// corpora only), dupes/profile and dupes/profile-rescan (the --profile table, with µs per file); with COLD=1,
// dupes/cold. The corpus and catalogs live in $NODUPE_BENCH_DIR (default: the system temp folder, nodupe-bench/).
// Start-up (`--version`, an empty folder) is bench/startup.mjs's.
import { lstatSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCorpus } from './corpus.mjs';
import {
  benchDir,
  dropCaches,
  emit,
  figures,
  firstScanRounds,
  maxRssMb,
  medianS,
  runsS,
  freshCatalog,
  jdupesRun,
  median,
  nodupeDupes,
  parseProfile,
  removeCatalog,
  rotated,
  round,
  statWalk,
} from './lib.mjs';
import { groupsOfFdupes, groupsOfJsonReport, sameGroups } from './oracle.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const COLD = process.env.COLD === '1';
const work = benchDir();

/** The acceptance targets; a tree named by TREES gets /usr's. */
const TARGETS = {
  'corpus-20k': { ratio: 0.8, rssMb: 100, rescanToFloor: 2.0 },
  '/usr': { ratio: 1.0, goal: 0.8, rescanToFloor: 2.0 },
};
const OTHER_TREE = { ratio: 1.0, goal: 0.8, rescanToFloor: 2.0 };

/** First scans into a fresh catalog vs jdupes vs the floor. Returns the first round's catalog and jdupes's groups. */
function firstScans(name, tree, target) {
  const { runs, equal, errors, theirs, catalog0 } = firstScanRounds({
    work,
    label: name,
    tree,
    rounds: ROUNDS,
    floor: true,
  });
  const ratio = median(runs.nodupe.map((r) => r.wallS)) / median(runs.jdupes.map((r) => r.wallS));
  const nodupeRssMb = maxRssMb(runs.nodupe);
  emit({
    bench: 'dupes/first-scan',
    tree: name,
    rounds: ROUNDS,
    nodupeS: medianS(runs.nodupe),
    jdupesS: medianS(runs.jdupes),
    floorS: medianS(runs.floor),
    ratio: round(ratio),
    target: target.ratio,
    ...(target.goal === undefined ? {} : { goal: target.goal }),
    nodupeRssMb,
    jdupesRssMb: maxRssMb(runs.jdupes),
    floorRssMb: maxRssMb(runs.floor),
    ...(target.rssMb === undefined ? {} : { rssTargetMb: target.rssMb }),
    groups: theirs.length,
    sameGroups: equal.every(Boolean),
    pass: ratio <= target.ratio && nodupeRssMb <= (target.rssMb ?? Infinity) && equal.every(Boolean),
    sameGroupsRuns: equal,
    ...(errors.length > 0 ? { nodupeErrors: errors } : {}),
    nodupeRunsS: runsS(runs.nodupe),
    jdupesRunsS: runsS(runs.jdupes),
    floorRunsS: runsS(runs.floor),
  });
  return { catalog0, theirs };
}

/** Rescans of the unchanged tree from the first round's catalog, alternating with the floor. */
function rescans(name, tree, catalog, theirs, target) {
  const runs = { rescan: [], floor: [] };
  const bytesRead = [];
  const equal = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const peer of rotated(['rescan', 'floor'], r)) {
      if (peer === 'floor') {
        runs.floor.push(figures(statWalk(tree)));
        continue;
      }
      const result = nodupeDupes(catalog, tree, 'json');
      const report = JSON.parse(result.stdout.toString());
      bytesRead.push(report.scan.bytesRead);
      equal.push(sameGroups(groupsOfJsonReport(report), theirs));
      runs.rescan.push(figures(result));
    }
  }
  const ratio = median(runs.rescan.map((r) => r.wallS)) / median(runs.floor.map((r) => r.wallS));
  const maxBytes = Math.max(...bytesRead);
  emit({
    bench: 'dupes/rescan',
    tree: name,
    rounds: ROUNDS,
    rescanS: medianS(runs.rescan),
    floorS: medianS(runs.floor),
    ratio: round(ratio),
    target: target.rescanToFloor,
    bytesRead: maxBytes,
    sameGroups: equal.every(Boolean),
    pass: ratio <= target.rescanToFloor && maxBytes === 0 && equal.every(Boolean),
    nodupeRssMb: maxRssMb(runs.rescan),
    bytesReadRuns: bytesRead,
    rescanRunsS: runsS(runs.rescan),
    floorRunsS: runsS(runs.floor),
  });
}

/** Every non-empty regular file under `root` once per physical file, in path order. */
function physicalFiles(root) {
  const found = new Map();
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile()) {
        const st = lstatSync(path, { bigint: true });
        const id = `${st.dev}:${st.ino}`;
        if (st.size > 0n && !found.has(id)) found.set(id, { path, id, size: Number(st.size) });
      }
    }
  };
  visit(root);
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * A rescan after 1 % of the files (every 100th physical file in path order) were rewritten in place with the same
 * bytes: their mtime and ctime change, their content does not. Their mtime is put back afterwards (the ctime cannot
 * be), so the corpus stays as generated. Those files must be read again, and no other: a touched file with a
 * duplicate is read whole (mustRead); one that shares its size with another file at most twice (its first range,
 * then whole: mayRead); one of a size of its own not at all.
 */
function touchedRescan(name, tree, catalog, theirs) {
  const files = physicalFiles(tree);
  const touched = files.filter((_, i) => i % 100 === 50);
  const sizes = new Map();
  for (const f of files) sizes.set(f.size, (sizes.get(f.size) ?? 0) + 1);
  const grouped = new Set(theirs.flatMap((g) => g.split(' ')));
  let mustRead = 0;
  let mayRead = 0;
  let touchedBytes = 0;
  const restore = [];
  try {
    for (const f of touched) {
      const st = lstatSync(f.path);
      restore.push({ path: f.path, atime: st.atimeMs / 1000, mtime: st.mtimeMs / 1000 });
      writeFileSync(f.path, readFileSync(f.path));
      touchedBytes += f.size;
      if (grouped.has(f.id)) mustRead += f.size;
      if (sizes.get(f.size) > 1) mayRead += 2 * f.size;
    }
    const result = nodupeDupes(catalog, tree, 'json');
    const report = JSON.parse(result.stdout.toString());
    const bytesRead = report.scan.bytesRead;
    emit({
      bench: 'dupes/rescan-touched',
      tree: name,
      touchedFiles: touched.length,
      ofFiles: files.length,
      how: 'rewritten in place with the same bytes; mtime put back afterwards',
      rescanS: round(result.wallS),
      bytesRead,
      mustReadBytes: mustRead,
      mayReadBytes: mayRead,
      touchedBytes,
      sameGroups: sameGroups(groupsOfJsonReport(report), theirs),
      pass: bytesRead >= mustRead && bytesRead <= mayRead,
    });
  } finally {
    for (const r of restore) utimesSync(r.path, r.atime, r.mtime);
  }
}

/** One more first scan, then a rescan, with --profile: the phases, their raw lines and µs per file. */
function profiles(name, tree) {
  const catalog = freshCatalog(work, `${name}-profile`);
  for (const bench of ['dupes/profile', 'dupes/profile-rescan']) {
    const result = nodupeDupes(catalog, tree, 'json', ['--profile']);
    const { files, paths } = JSON.parse(result.stdout.toString()).scan;
    emit({
      bench,
      tree: name,
      files,
      paths,
      wallS: round(result.wallS),
      ...parseProfile(result.stderr, files),
    });
  }
  removeCatalog(catalog);
}

/** Cold page cache before every run (root only): nodupe and jdupes alternating, no target. */
function cold(name, tree) {
  const runs = { nodupe: [], jdupes: [] };
  const equal = [];
  for (let r = 0; r < ROUNDS; r++) {
    const catalog = freshCatalog(work, `${name}-cold`);
    const got = {};
    for (const peer of rotated(['nodupe', 'jdupes'], r)) {
      dropCaches();
      got[peer] = peer === 'nodupe' ? nodupeDupes(catalog, tree, 'fdupes') : jdupesRun(tree);
      runs[peer].push(figures(got[peer]));
    }
    removeCatalog(catalog);
    equal.push(sameGroups(groupsOfFdupes(got.nodupe.stdout), groupsOfFdupes(got.jdupes.stdout)));
  }
  emit({
    bench: 'dupes/cold',
    tree: name,
    rounds: ROUNDS,
    nodupeS: medianS(runs.nodupe),
    jdupesS: medianS(runs.jdupes),
    ratio: round(median(runs.nodupe.map((r) => r.wallS)) / median(runs.jdupes.map((r) => r.wallS))),
    nodupeRssMb: maxRssMb(runs.nodupe),
    jdupesRssMb: maxRssMb(runs.jdupes),
    sameGroups: equal.every(Boolean),
    nodupeRunsS: runsS(runs.nodupe),
    jdupesRunsS: runsS(runs.jdupes),
  });
}

function main() {
  if (COLD && process.getuid?.() !== 0) {
    throw new Error(
      'COLD=1 empties the page cache before each run, which takes root (sudo -E npm run bench:dupes)',
    );
  }
  const corpus = () => ({
    name: 'corpus-20k',
    tree: ensureCorpus(join(work, 'corpus-20k')).root,
    generated: true,
  });
  const usr = { name: '/usr', tree: '/usr', generated: false };
  const trees = process.env.TREES
    ? process.env.TREES.split(',').map((t) => ({ name: t, tree: t, generated: false }))
    : COLD
      ? [corpus()]
      : [corpus(), usr];
  for (const { name, tree, generated } of trees) {
    if (COLD) {
      cold(name, tree);
      continue;
    }
    const target = TARGETS[name] ?? OTHER_TREE;
    const { catalog0, theirs } = firstScans(name, tree, target);
    rescans(name, tree, catalog0, theirs, target);
    if (generated) touchedRescan(name, tree, catalog0, theirs);
    removeCatalog(catalog0);
    profiles(name, tree);
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`bench:dupes: ${error.message}\n`);
  process.exitCode = 1;
}
