// Ingest into a shared catalog on PostgreSQL: ROWS synthetic file rows (default 1,000,000), written in batches of
// 10,000 as a scan does (COPY into a staging table, one upsert per batch, on the writer's own connection), into a
// new schema; then a rescan's read of them all (`knownRows`). Peers in the same run, alternating, RUNS (3) rounds:
// the same rows through the embedded SQLite catalog's writer, and the floor: the same rows COPYed by pg (the raw
// library, text format) into a bare table with no index and no upsert. Prints JSON lines: medians of rows/s to
// commit, the calling thread's time, and the read; target at least 100k rows/s. The server: NODUPE_BENCH_POSTGRES_URL, else a throwaway cluster (as the tests
// make, scripts/postgres.mjs, but syncing to disk as a real server does; needs root and PostgreSQL installed). Needs dist/ (npm run build).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { localVolumes } from '../dist/catalog/identity.js';
import { PostgresCatalog } from '../dist/catalog/postgres/postgres-store.js';
import { SyncPostgres } from '../dist/catalog/postgres/sync-client.js';
import { SqliteCatalog } from '../dist/catalog/sqlite/sqlite-store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, stopCluster } from '../scripts/postgres.mjs';
import { syntheticBatches, withClient } from './catalog-lib.mjs';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 3);
const TARGET_ROWS_S = 100_000;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function run(base) {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  await withClient(base, (c) => c.query(`CREATE SCHEMA ${schema}`));
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const volumes = localVolumes('bench', {
    mountinfo: Buffer.from('1 1 254:0 / / rw - ext4 /dev/vda rw\n'),
    uuids: new Map([['254:0', 'bench-root']]),
  });
  const catalog = PostgresCatalog.open(url.toString(), { machine: { id: 'bench', name: 'bench' }, volumes });
  try {
    const batches = [...syntheticBatches(ROWS)];
    const scanId = catalog.startScan(['/usr'], Date.now());
    const writer = catalog.scanWriter(scanId, { threadAbove: 0 });
    const started = performance.now();
    let calling = 0;
    for (const rows of batches) {
      const t = performance.now();
      writer.write(rows, Date.now());
      calling += performance.now() - t;
      // Lets answers in, as a scan's walk does between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writer.close();
    const committed = performance.now() - started;
    catalog.finishScan(scanId, [], Date.now());
    const read = performance.now();
    const known = catalog.knownRows(['/usr']);
    const readMs = performance.now() - read;
    if (known.count !== ROWS) throw new Error(`read ${known.count} rows, wrote ${ROWS}`);
    return { committed, calling, readMs };
  } finally {
    catalog.close();
    await withClient(base, (c) => c.query(`DROP SCHEMA ${schema} CASCADE`));
  }
}

/** The embedded catalog's writer, the same rows (on its own thread, as a large scan writes). */
async function sqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'nodupe-bench-'));
  const catalog = SqliteCatalog.open(join(dir, 'catalog.db'));
  try {
    const batches = [...syntheticBatches(ROWS)];
    const writer = catalog.scanWriter(catalog.startScan(['/usr'], Date.now()), { threadAbove: 0 });
    const started = performance.now();
    for (const rows of batches) {
      writer.write(rows, Date.now());
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writer.close();
    return { committed: performance.now() - started };
  } finally {
    catalog.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The floor: the rows as COPY text into a bare table (no index, no upsert), through pg itself. */
async function rawCopy(base) {
  const client = SyncPostgres.connect(base);
  try {
    client.exec(`CREATE TEMP TABLE floor (path bytea, dev bigint, ino bigint, size bigint, mtime_ns bigint,
      ctime_ns bigint, hash_alg text, head_hash text, tail_hash text, full_hash text)`);
    const texts = [];
    for (const rows of syntheticBatches(ROWS)) {
      const lines = [];
      for (let k = 0; k < rows.count; k++) {
        const path = Buffer.from(rows.paths.subarray(rows.pathStart[k], rows.pathStart[k + 1])).toString(
          'hex',
        );
        const h = (x) => x ?? '\\N';
        lines.push(
          `\\\\x${path}\t${rows.dev[k]}\t${rows.ino[k]}\t${rows.size[k]}\t${rows.mtimeNs[k]}\t${rows.ctimeNs[k]}\t` +
            `${rows.full[k] === null ? '\\N' : 'xxh3'}\t${h(rows.head[k])}\t${h(rows.tail[k])}\t${h(rows.full[k])}\n`,
        );
      }
      texts.push(Buffer.from(lines.join('')));
    }
    const started = performance.now();
    await Promise.all(texts.map((text) => client.copyFromAsync('COPY floor FROM STDIN', text)));
    return { committed: performance.now() - started };
  } finally {
    client.close();
  }
}

const given = process.env.NODUPE_BENCH_POSTGRES_URL;
const cluster = `nodupe_bench_${process.pid}`;
const base = given ?? (await startCluster(cluster, process.pid, { durable: true }));
try {
  const results = { postgres: [], sqlite: [], floor: [] };
  const peers = ['postgres', 'sqlite', 'floor'];
  for (let i = 0; i < RUNS; i++) {
    // Rotated, so that no peer always runs first.
    for (const peer of [...peers.slice(i % 3), ...peers.slice(0, i % 3)]) {
      if (peer === 'postgres') results.postgres.push(await run(base));
      else if (peer === 'sqlite') results.sqlite.push(await sqlite());
      else results.floor.push(await rawCopy(base));
    }
  }
  const rowsS = (list) => Math.round(ROWS / (median(list.map((r) => r.committed)) / 1000));
  const postgres = rowsS(results.postgres);
  console.log(
    JSON.stringify({
      bench: 'shared-ingest',
      rows: ROWS,
      runs: RUNS,
      rowsPerSecond: postgres,
      runsRowsPerSecond: results.postgres.map((r) => Math.round(ROWS / (r.committed / 1000))),
      callingThreadMs: Math.round(median(results.postgres.map((r) => r.calling))),
      sqliteRowsPerSecond: rowsS(results.sqlite),
      floorRowsPerSecond: rowsS(results.floor),
      ratioToSqlite: Math.round((postgres / rowsS(results.sqlite)) * 1000) / 1000,
      ratioToFloor: Math.round((postgres / rowsS(results.floor)) * 1000) / 1000,
      target: { rowsPerSecond: TARGET_ROWS_S, met: postgres >= TARGET_ROWS_S },
    }),
  );
  console.log(
    JSON.stringify({
      bench: 'shared-known-rows',
      rows: ROWS,
      readMs: Math.round(median(results.postgres.map((r) => r.readMs))),
    }),
  );
} finally {
  if (given === undefined) stopCluster(cluster);
}
