// The walk alone, against the stat-walk floor (`find TREE -printf '%s %T@ %i\n'`, a whole process): the walk on
// its own thread, and on the worker pool with 1 and 2 threads (pools started and warmed beforehand). Warm page
// cache, the peers alternating in every round (their order rotated), medians and ratios to the floor. Every
// walk of a tree must find the same number of files, folders and problems.
//
//   npm run build && npm run bench:walk               # /usr
//   TREES=/some/dir,/other ROUNDS=7 npm run bench:walk
//
// Each walk runs with both folder readers: the native one (native/read-dir.c, when built) and the JavaScript one
// (readdir + lstat by full path), chosen by NODUPE_WALK_READER, which a pool's threads read when they start.
//
// Prints JSON lines: walk/run per tree and peer (median ms, ratio to the floor, main-thread busy ms, files and
// folders, µs per file) and walk/pool-start (ms to start a pool and read its first folder).
import { performance } from 'node:perf_hooks';
import { HashPool } from '../dist/hash/hash-pool.js';
import { describeWalkReader, walkReader } from '../dist/scan/native-reader.js';
import { walk } from '../dist/scan/walk.js';
import { emit, median, rotated, round, statWalk } from './lib.mjs';

const ROUNDS = Math.max(5, Number(process.env.ROUNDS ?? 5));
const TREES = ['/usr', ...(process.env.TREES ? process.env.TREES.split(',').filter(Boolean) : [])];
const native = walkReader().reader === 'native';
emit({ bench: 'walk/reader', reader: describeWalkReader() });

/** Runs `work` with the JavaScript reader (`js`) or the default one; threads started meanwhile keep it. */
async function withReader(js, work) {
  if (js) process.env.NODUPE_WALK_READER = 'js';
  try {
    return await work();
  } finally {
    delete process.env.NODUPE_WALK_READER;
  }
}

/** A pool of `threads`, started and warmed by a walk of one small folder; `js`: its threads read in JavaScript. */
async function startPool(threads, js) {
  if (js) process.env.NODUPE_WALK_READER = 'js';
  const start = performance.now();
  const pool = new HashPool({ algorithm: 'xxh128', threads });
  // One task per thread, so every worker has loaded the walk's code.
  await Promise.all(
    Array.from({ length: threads }, () => walk({ roots: ['/etc'], filters: {}, pool, onFiles() {} })),
  );
  delete process.env.NODUPE_WALK_READER;
  emit({ bench: 'walk/pool-start', threads, js, ms: round(performance.now() - start, 1) });
  return pool;
}

/** One walk of `tree`: wall ms, main-thread busy ms (event-loop utilization), what it found. */
async function timedWalk(tree, pool) {
  const elu = performance.eventLoopUtilization();
  const start = performance.now();
  let files = 0;
  const result = await walk({
    roots: [tree],
    filters: {},
    ...(pool ? { pool } : {}),
    onFiles: (batch) => {
      files += batch.count;
    },
  });
  const ms = performance.now() - start;
  const busy = performance.eventLoopUtilization(elu);
  return {
    ms,
    mainMs: busy.active,
    found: { files, dirs: result.dirs, problems: result.problems.length, symlinks: result.symlinks.length },
  };
}

const pools = [];
const peers = [{ name: 'floor (find)' }];
for (const js of native ? [false, true] : [true]) {
  const reader = js ? 'js' : 'native';
  const [one, two] = [await startPool(1, js), await startPool(2, js)];
  pools.push(one, two);
  peers.push(
    { name: `walk in-thread ${reader}`, pool: undefined, js },
    { name: `walk pool 1 thread ${reader}`, pool: one, js },
    { name: `walk pool 2 threads ${reader}`, pool: two, js },
  );
}

for (const tree of TREES) {
  const times = new Map(peers.map((p) => [p.name, { ms: [], mainMs: [] }]));
  let found;
  // One unmeasured walk first: the tree's metadata into the page cache.
  await timedWalk(tree, undefined);
  for (let r = 0; r < ROUNDS; r++) {
    for (const peer of rotated(peers, r)) {
      const t = times.get(peer.name);
      if (peer.name.startsWith('floor')) {
        t.ms.push(statWalk(tree).wallS * 1000);
        continue;
      }
      const run = await withReader(peer.js, () => timedWalk(tree, peer.pool));
      const same = JSON.stringify(run.found);
      if (found !== undefined && same !== found)
        throw new Error(`${peer.name} found ${same}, others ${found}`);
      found = same;
      t.ms.push(run.ms);
      t.mainMs.push(run.mainMs);
    }
  }
  const floor = median(times.get('floor (find)').ms);
  const { files, dirs } = JSON.parse(found);
  for (const peer of peers) {
    const t = times.get(peer.name);
    const ms = median(t.ms);
    emit({
      bench: 'walk/run',
      tree,
      peer: peer.name,
      rounds: ROUNDS,
      ms: round(ms, 1),
      toFloor: round(ms / floor, 2),
      ...(t.mainMs.length > 0 ? { mainMs: round(median(t.mainMs), 1) } : {}),
      files,
      dirs,
      usPerFile: round((ms * 1000) / files, 2),
    });
  }
}
await Promise.all(pools.map((p) => p.close()));
