// Worker pool: 10,000 small tasks then close(); CPU while idle; hashing throughput against piscina used
// directly, in the same run, alternating. Run: npm run bench:pool (after npm run build).
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { WorkerPool } from 'nodupe';
import { cpuMs, emit, median, round, sleep } from './lib.mjs';
const TASKS = new URL('./hash-task.mjs', import.meta.url);
const THREADS = availableParallelism();
const ROUNDS = Number(process.env.ROUNDS ?? 5);

/** 10,000 small tasks submitted (bounded), then close(): every result delivered once, close resolves last. */
async function drainOnClose() {
  const pool = new WorkerPool({ filename: TASKS, task: 'square', threads: THREADS });
  const N = 10_000;
  const seen = new Map();
  let lastResultAt = 0;
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    const { result } = await pool.submit(i);
    void result.then((value) => {
      seen.set(i, value);
      lastResultAt = performance.now();
    });
  }
  await pool.close();
  const closedAt = performance.now();
  let wrong = 0;
  for (let i = 0; i < N; i++) if (seen.get(i) !== i * i) wrong++;
  emit({
    bench: 'worker-pool/close-drains',
    tasks: N,
    delivered: seen.size,
    wrongOrMissing: wrong,
    closeResolvedAfterLastResult: closedAt >= lastResultAt && seen.size === N,
    wallMs: round(closedAt - start, 1),
    tasksPerSec: Math.round(N / ((closedAt - start) / 1e3)),
    pass: seen.size === N && wrong === 0 && closedAt >= lastResultAt,
  });
}

/** CPU of the whole process (all threads) over `ms` of idleness, with a started pool and with none. */
async function idleCpu(ms) {
  await sleep(200);
  const baseline = process.cpuUsage();
  await sleep(ms);
  const noPool = cpuMs(baseline);
  const pool = new WorkerPool({ filename: TASKS, task: 'square', threads: THREADS });
  await Promise.all(Array.from({ length: THREADS * 4 }, (_, i) => pool.run(i)));
  await sleep(200);
  const before = process.cpuUsage();
  await sleep(ms);
  const withPool = cpuMs(before);
  await pool.close();
  emit({
    bench: 'worker-pool/idle',
    idleMs: ms,
    threads: THREADS,
    cpuMsWithPool: round(withPool, 2),
    cpuMsWithoutPool: round(noPool, 2),
    targetCpuMs: 5,
    pass: withPool <= 5,
  });
}

/** sha256 over `count` tasks of `size` bytes: our pool against piscina driven directly, alternating. */
async function hashThroughput(size, count) {
  const ours = new WorkerPool({ filename: TASKS, threads: THREADS });
  const raw = new Piscina({
    filename: TASKS.href,
    minThreads: THREADS,
    maxThreads: THREADS,
    idleTimeout: Infinity,
    recordTiming: false,
  });
  await Promise.all(Array.from({ length: THREADS * 4 }, (_, seed) => ours.run({ size, seed })));
  await Promise.all(Array.from({ length: THREADS * 4 }, (_, seed) => raw.run({ size, seed })));
  const runOurs = async () => {
    const start = performance.now();
    const results = [];
    for (let seed = 0; seed < count; seed++) results.push((await ours.submit({ size, seed })).result);
    await Promise.all(results);
    return performance.now() - start;
  };
  const runRaw = async () => {
    const start = performance.now();
    const inFlight = new Set();
    for (let seed = 0; seed < count; seed++) {
      if (inFlight.size >= THREADS * 5) await Promise.race(inFlight);
      const p = raw.run({ size, seed }).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    return performance.now() - start;
  };
  const oursMs = [];
  const rawMs = [];
  for (let r = 0; r < ROUNDS; r++) {
    oursMs.push(await runOurs());
    rawMs.push(await runRaw());
  }
  await ours.close();
  await raw.close();
  const bytes = size * count;
  const oursMBps = bytes / 1e6 / (median(oursMs) / 1e3);
  const rawMBps = bytes / 1e6 / (median(rawMs) / 1e3);
  emit({
    bench: 'worker-pool/hash-throughput',
    hash: 'sha256',
    taskBytes: size,
    tasks: count,
    threads: THREADS,
    rounds: ROUNDS,
    oursMBps: round(oursMBps, 1),
    piscinaMBps: round(rawMBps, 1),
    ratio: round(oursMBps / rawMBps, 3),
    target: 0.9,
    pass: oursMBps / rawMBps >= 0.9,
  });
}
await drainOnClose();
await idleCpu(2e3);
await hashThroughput(1024 * 1024, 1e3);
await hashThroughput(64 * 1024, 1e4);
