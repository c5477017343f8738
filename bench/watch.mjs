// Watch: `nodupe watch ROOT --format ndjson` as a child process (the built CLI), measured from outside.
// (a) event-to-report latency of new duplicates: a seed file copied into the tree, one at a time; from the end of
//     the write to its `duplicate` line, minus the settle window (target p95 at most 1 s after the window);
// (b) idle CPU over IDLE_SECONDS (60) from /proc/PID/stat, and the context switches of all its threads (target at
//     most 1 % of a core); peer: a bare Node process idling as long (the runtime's own floor);
// (c) RSS while watching a tree of FILES (100,000) files (target at most 150 MB), 2 s after `ready` and a copy landed
//     in it (its report in), and once idle STEADY_SECONDS (30) more (V8 gives back what the startup scan held); peer: a full `nodupe scan` of
//     the same tree into a fresh catalog (the stat walk you would run without watch), its time and peak RSS;
// (d) the traps, done for real against the child: burst of BURST (10,000) files, mkdir -p + write, mv of a
//     prepared tree into the root, delete and recreate, a file growing, a rename, a git checkout; reported vs
//     expected. The watch limit (ENOSPC) cannot be reached safely on a shared machine: the polling it falls back
//     to is run instead (`--poll`), and the fallback itself is covered by test/watch-catalog.test.ts.
//
//   npm run build && npm run bench:watch
//   IDLE_SECONDS=5 FILES=20000 BURST=2000 npm run bench:watch
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { benchDir, emit, NODUPE_BIN, percentile, removeCatalog, round, sleep, timed } from './lib.mjs';

const SETTLE_MS = Number(process.env.SETTLE_MS ?? 500);
const COPIES = Number(process.env.COPIES ?? 30);
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 60);
const FILES = Number(process.env.FILES ?? 100_000);
const BURST = Number(process.env.BURST ?? 10_000);
const STEADY_SECONDS = Number(process.env.STEADY_SECONDS ?? 30);
const TARGET_P95_MS = 1000;
const TARGET_IDLE_CPU = 1;
const TARGET_RSS_MB = 150;
const TICKS = 100; // getconf CLK_TCK on Linux

const base = join(benchDir(), 'watch');
rmSync(base, { recursive: true, force: true });
mkdirSync(base, { recursive: true });
const env = { ...process.env, XDG_DATA_HOME: join(base, 'data'), XDG_CONFIG_HOME: join(base, 'config') };

/** A watch child, its ndjson lines as they come (with the time each arrived), and a way to wait for some. */
function startWatch(root, catalog, extra = []) {
  const child = spawn(
    process.execPath,
    [
      NODUPE_BIN,
      'watch',
      root,
      '--format',
      'ndjson',
      '--catalog',
      catalog,
      '--settle',
      String(SETTLE_MS),
      ...extra,
    ],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = [];
  const waiters = new Set();
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push({ at: performance.now(), event: JSON.parse(line) });
    for (const w of waiters) if (w()) waiters.delete(w);
  });
  const until = (test, what, timeoutMs = 120_000) =>
    new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`watch: no ${what} after ${timeoutMs} ms`)), timeoutMs);
      const w = () => {
        const found = test(lines);
        if (!found) return false;
        clearTimeout(guard);
        resolve(found);
        return true;
      };
      if (!w()) waiters.add(w);
    });
  const stop = () =>
    new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.kill('SIGINT');
    });
  return { child, lines, until, stop };
}

const procStat = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in ticks (fields 14 and 15)
};
const status = (pid, key) =>
  Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const switches = (pid) => {
  let n = 0;
  for (const task of execFileSync('ls', [`/proc/${pid}/task`])
    .toString()
    .trim()
    .split('\n')) {
    const s = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
    n +=
      Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(s)[1]) +
      Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(s)[1]);
  }
  return n;
};

/** Idle CPU of a process over `seconds`: % of one core, and context switches of all its threads. */
async function idleOf(pid, seconds) {
  const ticks0 = procStat(pid);
  const sw0 = switches(pid);
  await sleep(seconds * 1000);
  return {
    cpuPercent: round(((procStat(pid) - ticks0) / TICKS / seconds) * 100, 3),
    contextSwitches: switches(pid) - sw0,
  };
}

/** Files of distinct sizes: the seeds copies are made of. */
function seeds(dir, n) {
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: n }, (_, i) => {
    const path = join(dir, `seed-${i}.bin`);
    writeFileSync(path, Buffer.alloc(4096 + i * 37, i + 1));
    return path;
  });
}

const countOf = (lines, type, test = () => true) =>
  lines.filter((l) => l.event.type === type && test(l.event)).length;

/** Waits until the reports stopped coming for two settle windows (what a trap sets off is all in). */
async function quiet(w) {
  let seen = -1;
  while (seen !== w.lines.length) {
    seen = w.lines.length;
    await sleep(SETTLE_MS * 2 + 500);
  }
}

// ---- (a) latency, (b) idle, (d) traps: one watched tree ------------------------------------------------------
const root = realpathSync((mkdirSync(join(base, 'root'), { recursive: true }), join(base, 'root')));
const seedFiles = seeds(join(root, 'seeds'), 50);
// A git repository in the tree, with a second branch that adds copies of seed files.
const repo = join(root, 'repo');
mkdirSync(repo);
const git = (...args) =>
  execFileSync('git', ['-c', 'user.email=b@example.com', '-c', 'user.name=b', ...args], {
    cwd: repo,
    stdio: 'ignore',
  });
git('init', '-q', '-b', 'main');
for (let i = 0; i < 30; i++) writeFileSync(join(repo, `f${i}.txt`), `file ${i}\n`);
git('add', '.');
git('commit', '-q', '-m', 'main');
git('checkout', '-q', '-b', 'other');
mkdirSync(join(repo, 'sub'));
for (let i = 0; i < 5; i++) copyFileSync(seedFiles[i], join(repo, 'sub', `copy${i}.bin`));
for (let i = 0; i < 5; i++) unlinkSync(join(repo, `f${i}.txt`));
git('add', '-A');
git('commit', '-q', '-m', 'other');
git('checkout', '-q', 'main');

const catalog = join(base, 'catalog.db');
removeCatalog(catalog);
const w = startWatch(root, catalog);
await w.until((ls) => ls.find((l) => l.event.type === 'ready'), 'ready');

mkdirSync(join(root, 'copies'));
const latencies = [];
for (let i = 0; i < COPIES; i++) {
  const to = join(root, 'copies', `c${i}.bin`);
  copyFileSync(seedFiles[i % seedFiles.length], to);
  const end = performance.now();
  const line = await w.until(
    (ls) => ls.find((l) => l.event.type === 'duplicate' && l.event.path === to),
    `duplicate ${to}`,
  );
  latencies.push(line.at - end - SETTLE_MS);
}
emit({
  bench: 'watch-latency',
  copies: COPIES,
  settleMs: SETTLE_MS,
  p50AfterWindowMs: round(percentile(latencies, 50), 1),
  p95AfterWindowMs: round(percentile(latencies, 95), 1),
  maxAfterWindowMs: round(Math.max(...latencies), 1),
  targetP95Ms: TARGET_P95_MS,
  ok: percentile(latencies, 95) <= TARGET_P95_MS,
});

await sleep(SETTLE_MS + 1000);
const idlePeer = spawn(process.execPath, ['-e', 'setInterval(() => {}, 2 ** 31 - 1)'], { stdio: 'ignore' });
await sleep(500);
const [watchIdle, peerIdle] = await Promise.all([
  idleOf(w.child.pid, IDLE_SECONDS),
  idleOf(idlePeer.pid, IDLE_SECONDS),
]);
idlePeer.kill();
emit({
  bench: 'watch-idle',
  seconds: IDLE_SECONDS,
  watch: watchIdle,
  peerBareNode: peerIdle,
  targetCpuPercent: TARGET_IDLE_CPU,
  ok: watchIdle.cpuPercent <= TARGET_IDLE_CPU,
});

// (d) the traps
const traps = [];
const trap = async (name, expected, act, count) => {
  const from = w.lines.length;
  const started = performance.now();
  await act();
  await quiet(w);
  const reported = count(w.lines.slice(from));
  traps.push({ name, expected, reported, seconds: round((performance.now() - started) / 1000, 1) });
};
const dupOf = (test) => (ls) => countOf(ls, 'duplicate', test);

// Every burst file is reported once: as a duplicate, or (when it settled before its twin) as a new file that its
// twin is then reported a duplicate of.
await trap(
  'burst',
  BURST,
  () => {
    mkdirSync(join(root, 'burst'));
    for (let i = 0; i < BURST; i++) {
      writeFileSync(join(root, 'burst', `b${i}.txt`), `burst content ${i % (BURST / 2)}`);
    }
  },
  (ls) =>
    new Set(
      ls
        .filter(
          (l) =>
            (l.event.type === 'duplicate' || l.event.type === 'file') && l.event.path.includes('/burst/'),
        )
        .map((l) => l.event.path),
    ).size,
);
await trap(
  'mkdir -p + write',
  1,
  () => {
    mkdirSync(join(root, 'a/b/c'), { recursive: true });
    copyFileSync(seedFiles[10], join(root, 'a/b/c/deep.bin'));
  },
  dupOf((e) => e.path.endsWith('/a/b/c/deep.bin')),
);
await trap(
  'mv of a prepared tree',
  3,
  () => {
    const outside = join(base, 'prepared');
    mkdirSync(join(outside, 'x/y'), { recursive: true });
    copyFileSync(seedFiles[11], join(outside, 'one.bin'));
    copyFileSync(seedFiles[12], join(outside, 'x/two.bin'));
    copyFileSync(seedFiles[13], join(outside, 'x/y/three.bin'));
    renameSync(outside, join(root, 'moved-in'));
  },
  dupOf((e) => e.path.includes('/moved-in/')),
);
await trap(
  'delete and recreate',
  1,
  () => {
    const path = join(root, 'copies', 'c0.bin');
    unlinkSync(path);
    copyFileSync(seedFiles[20], path);
  },
  dupOf((e) => e.path.endsWith('/copies/c0.bin')),
);
await trap(
  'growing file',
  1,
  async () => {
    const path = join(root, 'growing.bin');
    const content = readFileSync(seedFiles[21]);
    const step = Math.ceil(content.length / 5);
    writeFileSync(path, content.subarray(0, step));
    for (let at = step; at < content.length; at += step) {
      await sleep(SETTLE_MS / 2);
      appendFileSync(path, content.subarray(at, at + step));
    }
  },
  (ls) =>
    countOf(ls, 'duplicate', (e) => e.path.endsWith('/growing.bin')) +
    countOf(ls, 'file', (e) => e.path.endsWith('/growing.bin')),
);
await trap(
  'rename',
  1,
  () => renameSync(join(root, 'copies', 'c1.bin'), join(root, 'copies', 'c1-renamed.bin')),
  (ls) => countOf(ls, 'renamed', (e) => e.to.endsWith('/c1-renamed.bin')),
);
await trap(
  'git checkout',
  5,
  () => git('checkout', '-q', 'other'),
  dupOf((e) => e.path.includes('/repo/sub/')),
);
const stopped = await w.stop();

// The polling the watch falls back to when the inotify limit is reached.
const pollCatalog = join(base, 'catalog-poll.db');
removeCatalog(pollCatalog);
const polled = startWatch(root, pollCatalog, ['--poll', '--poll-interval', '1000']);
await polled.until((ls) => ls.find((l) => l.event.type === 'ready'), 'ready (polling)');
{
  const from = polled.lines.length;
  copyFileSync(seedFiles[30], join(root, 'polled.bin'));
  await quiet(polled);
  await sleep(1500);
  traps.push({
    name: 'polling (the watch-limit fallback)',
    expected: 1,
    reported: countOf(polled.lines.slice(from), 'duplicate', (e) => e.path.endsWith('/polled.bin')),
  });
}
await polled.stop();
emit({
  bench: 'watch-traps',
  traps,
  missed: traps.reduce((n, t) => n + Math.max(0, t.expected - t.reported), 0),
  extra: traps.reduce((n, t) => n + Math.max(0, t.reported - t.expected), 0),
  exit: stopped,
});

// ---- (c) RSS while watching a large tree; peer: a full scan of it --------------------------------------------
const big = join(base, 'big');
if (!existsSync(join(big, '.done'))) {
  rmSync(big, { recursive: true, force: true });
  for (let d = 0; d < Math.ceil(FILES / 100); d++) {
    const folder = join(big, `d${Math.floor(d / 10)}`, `e${d}`);
    mkdirSync(folder, { recursive: true });
    for (let f = 0; f < 100 && d * 100 + f < FILES; f++) {
      const n = d * 100 + f;
      writeFileSync(join(folder, `f${f}.txt`), `file number ${n} `.repeat(1 + (n % 7)));
    }
  }
  writeFileSync(join(big, '.done'), '');
}
const bigCatalog = join(base, 'catalog-big.db');
removeCatalog(bigCatalog);
const fullScan = timed(
  process.execPath,
  [NODUPE_BIN, 'scan', big, '--catalog', bigCatalog, '--no-progress'],
  { stdout: 'ignore' },
);
const started = performance.now();
const bw = startWatch(big, bigCatalog);
await bw.until((ls) => ls.find((l) => l.event.type === 'ready'), 'ready (big tree)', 600_000);
const readyS = (performance.now() - started) / 1000;
const ready = bw.lines.find((l) => l.event.type === 'ready').event;
// One copy lands in the big tree before RSS is read: what looking up its size's files costs is in the figure.
const landed = join(big, 'landed.txt');
copyFileSync(join(big, 'd0', 'e0', 'f3.txt'), landed);
await bw.until(
  (ls) => ls.find((l) => l.event.type === 'duplicate' && l.event.path === landed),
  'duplicate (big tree)',
);
rmSync(landed);
await sleep(2000);
const rssAfterStartMb = status(bw.child.pid, 'VmRSS') / 1024;
// What the startup scan held is given back once V8's heap shrinks, idle, some seconds later: the steady figure.
await sleep(STEADY_SECONDS * 1000);
const rssMb = status(bw.child.pid, 'VmRSS') / 1024;
const peakMb = status(bw.child.pid, 'VmHWM') / 1024;
await bw.stop();
emit({
  bench: 'watch-rss',
  files: FILES,
  watch: {
    readyS: round(readyS, 2),
    bytesReadToCatchUp: ready.bytesRead,
    rssAfterStartMb: round(rssAfterStartMb, 1),
    rssMb: round(rssMb, 1),
    steadyAfterS: STEADY_SECONDS + 2,
    peakMb: round(peakMb, 1),
  },
  peerFullScan: { wallS: round(fullScan.wallS, 2), rssMb: fullScan.rssMb },
  readyVsFullScan: round(readyS / fullScan.wallS, 2),
  targetRssMb: TARGET_RSS_MB,
  ok: rssMb <= TARGET_RSS_MB,
});
spawnSync('true');
