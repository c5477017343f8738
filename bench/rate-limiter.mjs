// Rate limiter under contention, against a polling limiter and against bare timer wake-ups, on the real clock;
// and uncontended tryAcquire throughput against the `limiter` package. Run: npm run bench:limiter
// Prints JSON lines. ROUNDS (default 5) sets how many alternating runs each peer gets.
import { TokenBucket } from 'limiter';
import { RateLimiter } from 'nodupe';
import { cpuMs, emit, median, pendingTimeouts, percentile, round, sleep } from './lib.mjs';

const WAITERS = 1000;
const RATE = 1000;
const BURST = 10;
const ROUNDS = Number(process.env.ROUNDS ?? 5);

/** Mixed request sizes 1..9 (mean 5, so a run lasts about 5 s), the same every run: a seeded LCG. */
const SIZES = (() => {
  let seed = 42;
  return Array.from({ length: WAITERS }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return 1 + (seed % 9);
  });
})();

/** The ideal FIFO schedule: waiter k is due once burst + rate * t covers everything asked up to and with k. */
const IDEAL_MS = (() => {
  let asked = 0;
  return SIZES.map((n) => {
    asked += n;
    return Math.max(0, ((asked - BURST) * 1e3) / RATE);
  });
})();

/** Starts every waiter at once; records grant order, lateness against the ideal schedule, and CPU time. */
async function measure(acquire) {
  const order = [];
  const lateness = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: WAITERS }, (_, i) =>
      acquire(SIZES[i]).then(() => {
        order.push(i);
        lateness.push(performance.now() - start - IDEAL_MS[i]);
      }),
    ),
  );
  const wallMs = performance.now() - start;
  return {
    wallMs,
    cpuMs: cpuMs(cpu),
    fifo: order.every((v, i) => v === i),
    lateness,
    timersLeft: pendingTimeouts(),
  };
}

/** The event-driven limiter under test. */
async function ours() {
  const limiter = new RateLimiter({ rate: RATE, burst: BURST });
  const outcome = await measure((n) => limiter.acquire(n));
  const stats = limiter.stats();
  return { ...outcome, timerFires: stats.timerFires, earlyFires: stats.earlyFires };
}

/** The reference: every waiter sleeps 10 ms and checks again, as the original's limiter did. */
async function polling() {
  let tokens = BURST;
  let last = performance.now();
  const tryTake = (n) => {
    const now = performance.now();
    tokens = Math.min(BURST, tokens + ((now - last) * RATE) / 1e3);
    last = now;
    if (tokens < n) return false;
    tokens -= n;
    return true;
  };
  return measure(async (n) => {
    while (!tryTake(n)) await sleep(10);
  });
}

/**
 * The floor: the same wake-ups at the same ideal moments with no limiter and no waiters, a chain of timers.
 * On a virtual machine a wake-up from idle is expensive; this is what any exact-time design pays.
 */
async function wakeupsOnly() {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const due of new Set(IDEAL_MS)) {
    const wait = due - (performance.now() - start);
    if (wait > 0) await sleep(Math.ceil(wait));
  }
  return cpuMs(cpu);
}

function summary(name, runs) {
  const all = runs.flatMap((r) => r.lateness);
  return {
    name,
    wallMs: round(median(runs.map((r) => r.wallMs)), 1),
    cpuMs: round(median(runs.map((r) => r.cpuMs)), 1),
    fifo: runs.every((r) => r.fifo),
    latenessP50Ms: round(percentile(all, 50)),
    latenessP99Ms: round(percentile(all, 99)),
    latenessMaxMs: round(Math.max(...all)),
    timersLeftAfter: Math.max(...runs.map((r) => r.timersLeft)),
  };
}

async function contention() {
  const oursRuns = [];
  const pollingRuns = [];
  const floorRuns = [];
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    oursRuns.push(await ours());
    pollingRuns.push(await polling());
    floorRuns.push(await wakeupsOnly());
  }
  const floorCpuMs = round(median(floorRuns), 1);
  const a = summary('nodupe RateLimiter', oursRuns);
  const b = summary('polling limiter (10 ms sleep-and-recheck)', pollingRuns);
  const setup = {
    waiters: WAITERS,
    tokens: SIZES.reduce((x, y) => x + y, 0),
    rate: RATE,
    burst: BURST,
    rounds: ROUNDS,
  };
  emit({
    bench: 'rate-limiter/contention',
    ...setup,
    ...a,
    timerFires: median(oursRuns.map((r) => r.timerFires)),
    earlyFires: median(oursRuns.map((r) => r.earlyFires)),
  });
  emit({ bench: 'rate-limiter/contention', ...setup, ...b });
  emit({
    bench: 'rate-limiter/contention',
    ...setup,
    name: 'timer wake-ups alone (no limiter)',
    cpuMs: floorCpuMs,
  });
  emit({
    bench: 'rate-limiter/contention',
    cpuRatio: round(a.cpuMs / b.cpuMs, 4),
    floorCpuRatio: round(floorCpuMs / b.cpuMs, 4),
    oursOverFloor: round(a.cpuMs / floorCpuMs, 3),
    targetCpuRatio: 1 / 20,
    latenessP99Ms: a.latenessP99Ms,
    targetLatenessP99Ms: 5,
    fifo: a.fifo,
    timersLeftAfter: a.timersLeftAfter,
    pass: a.cpuMs / b.cpuMs <= 1 / 20 && a.latenessP99Ms <= 5 && a.fifo && a.timersLeftAfter === 0,
  });
}

function tryAcquireThroughput() {
  const N = 5e6;
  const rounds = 5;
  const oursOps = [];
  const peerOps = [];
  let peerGranted = N;
  for (let r = 0; r < rounds; r++) {
    const limiter = new RateLimiter({ rate: 1e12, burst: 1e12 });
    let t = performance.now();
    let granted = 0;
    for (let i = 0; i < N; i++) if (limiter.tryAcquire(1)) granted++;
    oursOps.push(N / ((performance.now() - t) / 1e3));
    if (granted !== N) throw new Error(`ours granted ${granted} of ${N}`);
    const bucket = new TokenBucket({ bucketSize: 1e12, tokensPerInterval: 1e12, interval: 'second' });
    granted = 0;
    t = performance.now();
    for (let i = 0; i < N; i++) if (bucket.tryRemoveTokens(1)) granted++;
    peerOps.push(N / ((performance.now() - t) / 1e3));
    peerGranted = Math.min(peerGranted, granted);
  }
  const a = median(oursOps);
  const b = median(peerOps);
  emit({
    bench: 'rate-limiter/tryAcquire',
    calls: N,
    rounds,
    oursOpsPerSec: Math.round(a),
    limiterPackageOpsPerSec: Math.round(b),
    limiterPackageGrantedMin: peerGranted,
    ratio: round(a / b),
  });
}
tryAcquireThroughput();
await contention();
