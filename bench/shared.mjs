// Shared catalog: the scale tree of FILES (default 1,000,000) files scanned into PostgreSQL, against the same
// scan into the embedded SQLite catalog (the default), alternating, ROUNDS (3) rounds, medians; rows/s is files
// over the scan's wall time (walk, hashing of the copies' candidates and the catalog's writes together; target
// at least 100k rows/s). Then `where` at that size: LOOKUPS (1,000) contents picked at random, each looked up as
// `nodupe where` does (`copiesOf`, over the connection), p50/p99 (target p99 at most 50 ms). Then 4 processes, each
// a machine of its own (NODUPE_MACHINE_ID), scan a quarter of the tree each into one fresh catalog at once:
// every row present once, the totals the sum of the four trees.
//
//   npm run bench:shared
//   FILES=100000 ROUNDS=3 npm run bench:shared
//   NODUPE_BENCH_POSTGRES_URL=postgres://user:pass@host/db npm run bench:shared   # a server of your own
//
// Without NODUPE_BENCH_POSTGRES_URL the bench makes a throwaway cluster (scripts/postgres.mjs, as root, Debian's
// PostgreSQL) that syncs to disk as a real server does, and drops it at the end. Needs dist/ (npm run build).
// Trees and catalogs live in $NODUPE_BENCH_DIR (default: the system temp folder, nodupe-bench/).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, stopCluster } from '../scripts/postgres.mjs';
import { withClient } from './catalog-lib.mjs';
import { ensureCorpus } from './corpus.mjs';
import {
  benchDir,
  emit,
  freshCatalog,
  median,
  NODUPE_BIN,
  percentile,
  removeCatalog,
  rotated,
  round,
  timed,
} from './lib.mjs';

const FILES = Number(process.env.FILES ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const LOOKUPS = Number(process.env.LOOKUPS ?? 1000);
const TARGET_ROWS_S = 100_000;
const TARGET_WHERE_P99_MS = 50;
const CLUSTER = 'nodupe_bench';

/** A fresh database on the server at `admin`, and how to drop it. */
async function freshDatabase(admin, label) {
  const name = `nodupe_bench_${label}`;
  await withClient(admin, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/** `nodupe scan TREES --catalog CATALOG`, quiet, as machine `machine` when given. */
function scanArgs(catalog, trees) {
  return [NODUPE_BIN, 'scan', '--catalog', catalog, '-q', '--no-progress', ...trees];
}

async function ingest(admin, tree, work) {
  const runs = { postgres: [], sqlite: [] };
  let kept;
  for (let r = 0; r < ROUNDS; r++) {
    for (const peer of rotated(['postgres', 'sqlite'], r)) {
      if (peer === 'postgres') {
        const db = await freshDatabase(admin, `ingest`);
        const run = timed(process.execPath, scanArgs(db.url, [tree]));
        runs.postgres.push(run);
        if (r === ROUNDS - 1) kept = db;
        else await db.drop();
      } else {
        const catalog = freshCatalog(work, 'shared-sqlite');
        runs.sqlite.push(timed(process.execPath, scanArgs(catalog, [tree])));
        removeCatalog(catalog);
      }
    }
  }
  const wall = (peer) => median(runs[peer].map((r) => r.wallS));
  const rowsS = round(FILES / wall('postgres'), 0);
  emit({
    bench: 'shared/ingest',
    files: FILES,
    rounds: ROUNDS,
    postgres: { wallS: round(wall('postgres')), runsS: runs.postgres.map((r) => round(r.wallS)), rowsS },
    sqlite: {
      wallS: round(wall('sqlite')),
      runsS: runs.sqlite.map((r) => round(r.wallS)),
      rowsS: round(FILES / wall('sqlite'), 0),
    },
    ratioPostgresToSqlite: round(wall('postgres') / wall('sqlite')),
    peakRssMb: {
      postgres: round(Math.max(...runs.postgres.map((r) => r.rssMb)), 1),
      sqlite: round(Math.max(...runs.sqlite.map((r) => r.rssMb)), 1),
    },
    target: { rowsS: TARGET_ROWS_S, met: rowsS >= TARGET_ROWS_S },
  });
  return kept;
}

/** `where` at FILES rows: `copiesOf` of LOOKUPS random contents, through the store a command opens. */
async function whereLatency(db) {
  const { PostgresCatalog } = await import('../dist/catalog/postgres/postgres-store.js');
  const sample = await withClient(db.url, async (c) => {
    const { rows } = await c.query(
      `SELECT size, hash_alg, full_hash FROM files TABLESAMPLE SYSTEM (5)
       WHERE full_hash IS NOT NULL AND gone_at IS NULL LIMIT ${LOOKUPS}`,
    );
    const { rows: total } = await c.query('SELECT count(*) AS n FROM files');
    return { rows, total: Number(total[0].n) };
  });
  const catalog = PostgresCatalog.open(db.url, { create: false, migrate: false });
  const ms = [];
  let copies = 0;
  try {
    for (const row of sample.rows) {
      const t0 = performance.now();
      copies += catalog.copiesOf({
        size: Number(row.size),
        algorithm: row.hash_alg,
        hash: row.full_hash,
      }).length;
      ms.push(performance.now() - t0);
    }
  } finally {
    catalog.close();
  }
  const p99 = percentile(ms, 99);
  emit({
    bench: 'shared/where',
    rows: sample.total,
    lookups: ms.length,
    copiesFound: copies,
    p50Ms: round(percentile(ms, 50)),
    p99Ms: round(p99),
    maxMs: round(Math.max(...ms)),
    target: { p99Ms: TARGET_WHERE_P99_MS, met: p99 <= TARGET_WHERE_P99_MS },
  });
}

/** Four machines scan a quarter of the tree each into one catalog at once. */
async function fourMachines(admin, tree) {
  const db = await freshDatabase(admin, 'machines');
  const folders = readdirSync(tree, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const quarters = [0, 1, 2, 3].map((q) => folders.filter((_, i) => i % 4 === q).map((f) => join(tree, f)));
  const t0 = performance.now();
  const codes = await Promise.all(
    quarters.map(
      (trees, q) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, scanArgs(db.url, trees), {
            env: { ...process.env, NODUPE_MACHINE_ID: `bench-m${q + 1}` },
            stdio: ['ignore', 'ignore', 'inherit'],
          });
          child.on('error', reject);
          child.on('close', resolve);
        }),
    ),
  );
  const wallS = (performance.now() - t0) / 1000;
  const counted = await withClient(db.url, async (c) => {
    const { rows } = await c.query(
      `SELECT machine, count(*) AS n, count(DISTINCT (volume, path)) AS distinct_paths
       FROM files WHERE gone_at IS NULL GROUP BY machine ORDER BY machine`,
    );
    return rows.map((r) => ({ machine: r.machine, rows: Number(r.n), distinct: Number(r.distinct_paths) }));
  });
  const total = counted.reduce((n, r) => n + r.rows, 0);
  const expected = quarters.reduce((n, q) => n + filesUnder(q), 0);
  emit({
    bench: 'shared/four-machines',
    exitCodes: codes,
    wallS: round(wallS),
    rowsS: round(total / wallS, 0),
    perMachine: counted,
    total,
    expected,
    everyRowOnce: counted.every((r) => r.rows === r.distinct) && total === expected,
  });
  await db.drop();
}

/** How many regular files the folders hold (what the four scans must have written, together). */
function filesUnder(folders) {
  const out = spawnSync('find', [...folders, '-type', 'f', '-printf', '.'], { maxBuffer: 2 ** 30 });
  return out.stdout.length;
}

async function main() {
  const work = benchDir();
  const corpus = ensureCorpus(join(work, `corpus-flat-${FILES}`), { files: FILES, flat: true });
  const given = process.env.NODUPE_BENCH_POSTGRES_URL;
  const admin = given ?? (await startCluster(CLUSTER, process.pid, { durable: true }));
  try {
    const db = await ingest(admin, corpus.root, work);
    await whereLatency(db);
    await db.drop();
    await fourMachines(admin, corpus.root);
  } finally {
    if (given === undefined) stopCluster(CLUSTER);
  }
}

await main();
