// nodupe dupes against jdupes -r: same groups (by physical file), wall time, peak RSS, rescan from the catalog.
// Warm page cache, alternating runs, medians.
//
//   npm run bench:dupes                       # the 20k-path, ~5 GB corpus (made once) and /usr
//   TREES=/some/dir ROUNDS=7 npm run bench:dupes
//
// The corpus lives in $NODUPE_BENCH_DIR (default: the system temp folder, nodupe-bench/).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.mjs';
import { emit, median, round } from './lib.mjs';
import { canonical, jdupes, parseFdupes } from './oracle.mjs';

const BIN = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const work = join(process.env.NODUPE_BENCH_DIR ?? join(tmpdir(), 'nodupe-bench'));
mkdirSync(work, { recursive: true });

/** Runs a command under /usr/bin/time; returns wall seconds, peak RSS in MB, stdout and stderr. */
function timed(command, args) {
  const start = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { maxBuffer: 1 << 30 });
  const wallS = (performance.now() - start) / 1000;
  const stderr = result.stderr.toString();
  const rssKb = Number(stderr.trim().split('\n').pop());
  if (result.status !== 0 && !(command === 'jdupes' && result.status === 1)) {
    throw new Error(`${command} exited ${result.status}: ${stderr}`);
  }
  return { wallS, rssMb: rssKb / 1024, stdout: result.stdout, stderr };
}

const nodupe = (catalog, tree, ...extra) =>
  timed(process.execPath, [BIN, 'dupes', '--catalog', catalog, '--format', 'fdupes', '-q', ...extra, tree]);
const groupsOfFdupes = (stdout) =>
  canonical(parseFdupes(stdout.toString('latin1')).map((g) => g.map((p) => Buffer.from(p, 'latin1'))));

function benchTree(name, tree) {
  const fresh = (i) => {
    const path = join(work, `catalog-${i}.db`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    return path;
  };
  // Warm the page cache, and check the groups: ours must equal jdupes's, physical file for physical file.
  const ours = groupsOfFdupes(nodupe(fresh('check'), tree).stdout);
  const theirs = canonical(jdupes([tree]));
  const same = ours.length === theirs.length && ours.every((g, i) => g === theirs[i]);
  emit({ bench: 'dupes/oracle', tree: name, groups: ours.length, jdupesGroups: theirs.length, equal: same });

  const runs = { nodupe: [], jdupes: [], rss: [], jdupesRss: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const a = nodupe(fresh(r), tree);
    runs.nodupe.push(a.wallS);
    runs.rss.push(a.rssMb);
    const b = timed('jdupes', ['-r', '-q', tree]);
    runs.jdupes.push(b.wallS);
    runs.jdupesRss.push(b.rssMb);
  }
  const n = median(runs.nodupe);
  const j = median(runs.jdupes);
  emit({
    bench: 'dupes/first-scan',
    tree: name,
    rounds: ROUNDS,
    nodupeS: round(n),
    jdupesS: round(j),
    ratio: round(n / j),
    target: 1.0,
    goal: 0.8,
    nodupeRssMb: round(Math.max(...runs.rss), 1),
    jdupesRssMb: round(Math.max(...runs.jdupesRss), 1),
    nodupeRunsS: runs.nodupe.map((x) => round(x)),
    jdupesRunsS: runs.jdupes.map((x) => round(x)),
  });

  // Rescan: the catalog of the first round, the tree unchanged.
  const catalog = join(work, 'catalog-0.db');
  const rescans = [];
  let bytesRead;
  for (let r = 0; r < ROUNDS; r++) {
    const result = timed(process.execPath, [
      BIN,
      'dupes',
      '--catalog',
      catalog,
      '--format',
      'json',
      '-q',
      tree,
    ]);
    rescans.push(result.wallS);
    bytesRead = JSON.parse(result.stdout.toString()).scan.bytesRead;
  }
  emit({
    bench: 'dupes/rescan',
    tree: name,
    rescanS: round(median(rescans)),
    firstScanS: round(n),
    ratio: round(median(rescans) / n),
    target: 0.1,
    bytesRead,
  });

  // Where the time goes: one more first scan with --profile.
  const profiled = nodupe(fresh('profile'), tree, '--profile');
  emit({
    bench: 'dupes/profile',
    tree: name,
    phases: profiled.stderr.toString().trim().split('\n').slice(0, -1),
  });
}

const trees = process.env.TREES
  ? process.env.TREES.split(',').map((t) => [t, t])
  : [
      ['corpus-20k', ensureCorpus(join(work, 'corpus-20k')).root],
      ['/usr', '/usr'],
    ];
for (const [name, tree] of trees) benchTree(name, tree);
