// The catalog's scan writer and rescan read on a synthetic tree of ROWS files (default 117,000, the size of /usr),
// written in batches of 10,000 as a scan does: the writer on the calling thread, and the writer on its own thread
// (main-thread time and time to commit). Then what a rescan of the unchanged tree costs the catalog: `knownRows`
// (its rows in columns), and its writes (no rows: a new scan record, its count of files seen, its end). Prints
// JSON lines; medians of RUNS alternating runs. Needs dist/ (npm run build).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteCatalog } from '../dist/catalog/sqlite/sqlite-store.js';
import { syntheticBatches } from './catalog-lib.mjs';

const ROWS = Number(process.env.ROWS ?? 117_000);
const RUNS = Number(process.env.RUNS ?? 5);
/** The tree, all its batches at once. */
const batches = () => [...syntheticBatches(ROWS)];

function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'nodupe-bench-'));
  const catalog = SqliteCatalog.open(join(dir, 'catalog.db'));
  return {
    catalog,
    scanId: catalog.startScan(['/usr'], Date.now()),
    done: () => (catalog.close(), rmSync(dir, { recursive: true })),
  };
}

const peers = {
  async inThread() {
    const { catalog, scanId, done } = fresh();
    const all = batches();
    const writer = catalog.scanWriter(scanId, { threadAbove: Number.MAX_SAFE_INTEGER });
    const t0 = performance.now();
    for (const rows of all) writer.write(rows, Date.now());
    await writer.close();
    const ms = performance.now() - t0;
    done();
    return { mainMs: ms, commitMs: ms };
  },
  async threaded() {
    const { catalog, scanId, done } = fresh();
    const all = batches();
    const writer = catalog.scanWriter(scanId, { threadAbove: 0 });
    const t0 = performance.now();
    for (const rows of all) writer.write(rows, Date.now());
    const mainMs = performance.now() - t0;
    await writer.flush();
    const commitMs = performance.now() - t0;
    await writer.close();
    done();
    return { mainMs, commitMs };
  },
  async rescan() {
    const { catalog, scanId, done } = fresh();
    const writer = catalog.scanWriter(scanId, { threadAbove: Number.MAX_SAFE_INTEGER });
    for (const rows of batches()) writer.write(rows, Date.now());
    await writer.close();
    let t0 = performance.now();
    const known = catalog.knownRows(['/usr']);
    const knownRowsMs = performance.now() - t0;
    if (known.count !== ROWS) throw new Error(`knownRows ${known.count} != ${ROWS}`);
    t0 = performance.now();
    const second = catalog.startScan(['/usr'], Date.now());
    const rescan = catalog.scanWriter(second);
    rescan.seen(known.count);
    await rescan.close();
    catalog.finishScan(second, [], Date.now());
    const writeMs = performance.now() - t0;
    if (catalog.filesSeenBy(second) !== ROWS) throw new Error('the rescan did not record what it saw');
    done();
    return { knownRowsMs, writeMs };
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = Object.fromEntries(Object.keys(peers).map((k) => [k, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, peer] of Object.entries(peers)) results[name].push(await peer());
}
const field = (name, key) => median(results[name].map((r) => r[key]));
const perRow = (ms) => Number(((ms * 1000) / ROWS).toFixed(2));
for (const name of ['inThread', 'threaded']) {
  const commitMs = field(name, 'commitMs');
  const mainMs = field(name, 'mainMs');
  console.log(
    JSON.stringify({
      bench: 'catalog-write',
      peer: name,
      rows: ROWS,
      commitMs: Math.round(commitMs),
      rowsPerSecond: Math.round(ROWS / (commitMs / 1000)),
      mainThreadUsPerRow: perRow(mainMs),
      vsInThread: Number((commitMs / field('inThread', 'commitMs')).toFixed(2)),
    }),
  );
}
const read = (key) => Math.round(field('rescan', key));
console.log(
  JSON.stringify({
    bench: 'catalog-rescan',
    rows: ROWS,
    knownRowsMs: read('knownRowsMs'),
    knownRowsUsPerRow: perRow(field('rescan', 'knownRowsMs')),
    writeMs: Number(field('rescan', 'writeMs').toFixed(2)),
  }),
);
