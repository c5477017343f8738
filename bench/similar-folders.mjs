// `similar folders` at scale: a catalog of FILES rows (default 1,000,000) shaped like the scale tree (files of 1 B
// to 2 KiB, about 30 % of them copies of an earlier file, 100 to a folder, 100 folders to a parent; see
// generateFlatCorpus in corpus.mjs), written straight into the catalog (no files on disk), plus folders that are
// whole copies of an earlier folder (names and contents: duplicate folders) and folders that are partial copies
// (90 % of an earlier folder's files under their names, the rest new: overlaps). Made once and reused
// ($NODUPE_BENCH_DIR). Then, in a fresh process per round (so peak RSS is the search's own plus the catalog read),
// the folder search from dist/ (npm run build first) over the whole catalog. Targets: at most 10 s and 500 MB.
// Prints one JSON line per round and one with the medians.
//
//   node bench/similar-folders.mjs                 # 1,000,000 rows, ROUNDS=3
//   FILES=100000 ROUNDS=5 node bench/similar-folders.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDir, emit, median, round } from './lib.mjs';
import { prng } from './corpus.mjs';

const FILES = Number(process.env.FILES ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const TARGET_S = 10;
const TARGET_RSS_MB = 500;
const PER_FOLDER = 100;
const BATCH = 10_000;
/** Every so many folders, one is a whole copy of an earlier folder, and one a partial copy. */
const COPY_EVERY = 50;
const ROOT = '/bench/similar-folders';

/** The rows of the catalog, folder by folder: [name, content id, size] per file. */
function* folderFiles() {
  const rand = prng(1);
  const int = (n) => Math.floor(rand() * n);
  const sizes = [];
  const folders = [];
  let unique = 0;
  let written = 0;
  const newContent = () => {
    sizes.push(1 + int(2048));
    return unique++;
  };
  for (let leaf = 0; written < FILES; leaf++) {
    const n = Math.min(PER_FOLDER, FILES - written);
    let files;
    const source = leaf > COPY_EVERY ? folders[int(leaf - 1)] : undefined;
    if (source && leaf % COPY_EVERY === 0) files = source.slice(0, n);
    else if (source && leaf % COPY_EVERY === COPY_EVERY / 2) {
      files = source.slice(0, n).map((f) => (rand() < 0.9 ? f : [f[0], newContent()]));
    } else {
      files = [];
      for (let k = 0; k < n; k++) {
        const copyOf = unique > 0 && rand() < 0.3 ? int(unique) : newContent();
        files.push([`f${written + k}`, copyOf]);
      }
    }
    folders.push(files);
    written += files.length;
    yield {
      path: `${ROOT}/g${Math.floor(leaf / 100)}/d${leaf}`,
      files: files.map(([name, c]) => [name, c, sizes[c]]),
    };
  }
}

function hashOf(content) {
  return ((content * 2654435761) >>> 0).toString(16).padStart(8, '0') + content.toString(16).padStart(8, '0');
}

async function makeCatalog(path) {
  const { SqliteCatalog } = await import('../dist/catalog/sqlite/sqlite-store.js');
  const catalog = SqliteCatalog.open(path);
  const writer = catalog.scanWriter(catalog.startScan([ROOT], Date.now()));
  let rows = [];
  let ino = 1;
  const flush = () => {
    const encoded = rows.map((r) => Buffer.from(r.path));
    const pathStart = new Uint32Array(rows.length + 1);
    encoded.forEach((p, k) => (pathStart[k + 1] = pathStart[k] + p.length));
    writer.write(
      {
        count: rows.length,
        paths: new Uint8Array(Buffer.concat(encoded)),
        pathStart,
        dev: new BigUint64Array(rows.length).fill(2049n),
        ino: BigUint64Array.from(rows, () => BigInt(ino++)),
        size: Float64Array.from(rows, (r) => r.size),
        mtimeNs: new BigInt64Array(rows.length).fill(1_700_000_000_000_000_000n),
        ctimeNs: new BigInt64Array(rows.length).fill(1_700_000_000_000_000_000n),
        algorithm: 'xxh3',
        head: rows.map((r) => r.hash),
        tail: rows.map(() => null),
        full: rows.map((r) => r.hash),
      },
      Date.now(),
    );
    rows = [];
  };
  for (const folder of folderFiles()) {
    for (const [name, content, size] of folder.files) {
      rows.push({ path: `${folder.path}/${name}`, size, hash: hashOf(content) });
    }
    if (rows.length >= BATCH) flush();
  }
  if (rows.length > 0) flush();
  await writer.close();
  catalog.close();
}

/** One round, in this process: the search alone. */
async function measure(path) {
  const { SqliteCatalog } = await import('../dist/catalog/sqlite/sqlite-store.js');
  const { similarFoldersInCatalog } = await import('../dist/similar/folders/similar-folders.js');
  const catalog = SqliteCatalog.open(path, { create: false });
  const started = performance.now();
  const found = similarFoldersInCatalog(catalog, []);
  const seconds = (performance.now() - started) / 1000;
  catalog.close();
  process.stdout.write(
    `${JSON.stringify({
      files: found.files,
      folders: found.folders,
      exactGroups: found.duplicates.length,
      overlapPairs: found.overlaps.length,
      seconds: round(seconds),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

async function main() {
  const path = join(benchDir(), `similar-folders-${FILES}.db`);
  if (!existsSync(path)) {
    const started = performance.now();
    try {
      await makeCatalog(path);
    } catch (error) {
      rmSync(path, { force: true });
      throw error;
    }
    emit({
      bench: 'similar-folders/catalog',
      files: FILES,
      makeS: round((performance.now() - started) / 1000),
    });
  }
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--measure', path], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (child.status !== 0) throw new Error(`round ${r + 1} failed: ${child.stderr}`);
    const run = JSON.parse(child.stdout);
    runs.push(run);
    emit({ bench: 'similar-folders/round', round: r + 1, ...run });
  }
  const seconds = median(runs.map((r) => r.seconds));
  const peakRssMb = Math.max(...runs.map((r) => r.peakRssMb));
  emit({
    bench: 'similar-folders',
    ...runs[0],
    seconds,
    peakRssMb,
    targetS: TARGET_S,
    targetRssMb: TARGET_RSS_MB,
    pass: seconds <= TARGET_S && peakRssMb <= TARGET_RSS_MB,
    runsS: runs.map((r) => r.seconds),
  });
}

try {
  if (process.argv[2] === '--measure') await measure(process.argv[3]);
  else await main();
} catch (error) {
  process.stderr.write(`bench:similar-folders: ${error.message}\n`);
  process.exitCode = 1;
}
