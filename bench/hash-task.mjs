// Worker module for the worker-pool benchmark: hashes `size` bytes of a buffer the worker made once, so the
// figure is the pool's cost around real hashing work, not the cost of copying data between threads.
import { createHash } from 'node:crypto';

const data = Buffer.alloc(8 * 1024 * 1024);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;

export default function hash({ size, seed }) {
  return createHash('sha256')
    .update(data.subarray(seed % 1024, (seed % 1024) + size))
    .digest('hex');
}

export function square(n) {
  return n * n;
}

// Run on its own (`node bench/hash-task.mjs [FOLDER]`, after npm run build), this module measures the scan's
// hashing batches instead: the first 100,000 files below 64 KiB under FOLDER (default /usr) are read whole
// through a HashPool of 2 threads, in batches as the scan makes them, ROUNDS times. It prints wall time, the
// main thread's busy time (event-loop utilisation) and the CPU time of the whole process (main + workers).
if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  await benchHashBatches(process.argv[2] ?? '/usr');
}

async function benchHashBatches(folder) {
  const { lstatSync, readdirSync } = await import('node:fs');
  const { HashPool } = await import('../dist/hash/hash-pool.js');
  const { hashInBatches } = await import('../dist/hash/batch-hasher.js');
  const { Outcome } = await import('../dist/hash/task.js');
  const { halvesOf } = await import('../dist/model/records.js');
  const { cpuMs, emit, median, round } = await import('./lib.mjs');
  const LIMIT = Number(process.env.FILES ?? 100_000);
  const ROUNDS = Number(process.env.ROUNDS ?? 5);

  // The files, kept as the scan's file table keeps them: path bytes in one arena, numbers in typed arrays.
  const found = { paths: [], size: [], mtimeNs: [] };
  const visit = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch {
      return;
    }
    for (const e of entries) {
      if (found.paths.length >= LIMIT) return;
      const path = Buffer.concat([dir, Buffer.from('/'), e.name]);
      if (e.isDirectory()) visit(path);
      else if (e.isFile()) {
        const st = lstatSync(path, { bigint: true });
        if (st.size >= 65536n) continue;
        found.paths.push(path);
        found.size.push(Number(st.size));
        found.mtimeNs.push(st.mtimeNs);
      }
    }
  };
  visit(Buffer.from(folder));
  const n = found.paths.length;
  const arena = Buffer.concat(found.paths);
  const pathStart = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) pathStart[i + 1] = pathStart[i] + found.paths[i].length;
  const size = Float64Array.from(found.size);
  const mtimeH = halvesOf(BigInt64Array.from(found.mtimeNs));
  const totalBytes = size.reduce((a, b) => a + b, 0);
  const ids = Array.from({ length: n }, (_, i) => i);

  const runs = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    const pool = new HashPool({ algorithm: 'xxh3', threads: 2 });
    // Warm the workers up first: their start is not what is measured.
    await hashOnce(pool, ids.slice(0, 2));
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const start = performance.now();
    const { hashed, bytes } = await hashOnce(pool, ids);
    const wallMs = performance.now() - start;
    const cpuAllMs = cpuMs(cpu);
    const mainMs = performance.eventLoopUtilization(elu).active;
    await pool.close();
    if (hashed !== n) throw new Error(`hashed ${hashed} of ${n} files`);
    if (r > 0) runs.push({ wallMs, mainMs, cpuAllMs, bytes }); // the first round warms the page cache
  }
  emit({
    bench: 'hash-task/batches',
    folder,
    files: n,
    totalBytes,
    threads: 2,
    rounds: runs.length,
    wallMs: round(median(runs.map((x) => x.wallMs)), 1),
    mainThreadBusyMs: round(median(runs.map((x) => x.mainMs)), 1),
    cpuAllThreadsMs: round(median(runs.map((x) => x.cpuAllMs)), 1),
    mainUsPerFile: round((median(runs.map((x) => x.mainMs)) * 1000) / n, 2),
  });

  async function hashOnce(pool, list) {
    let hashed = 0;
    let bytes = 0;
    // As the scan's file table does (`addToBatch`): path bytes and mtime halves copied into the batch's columns.
    await hashInBatches(
      pool,
      'full',
      list,
      (batch, i) => batch.addFrom(arena, pathStart[i], pathStart[i + 1], size[i], mtimeH, i),
      (batch, results) => {
        for (let i = 0; i < results.count; i++) {
          bytes += results.bytes[i];
          if (results.kind[i] === Outcome.hash) hashed++;
        }
      },
    );
    return { hashed, bytes };
  }
}
