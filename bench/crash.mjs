// The crash test at scale: apply runs in a child process that is killed with SIGKILL at a random point, then
// resume or undo runs; after every trial every original content must exist at least once and
// `verify --mode consistency` must pass. Kill points are chosen two ways: at a random file system call (every
// step of a run can be hit) and after a random delay (whatever the process was doing, SQLite included).
// CATALOG=postgres runs the same trials on the shared catalog on PostgreSQL, each in a schema of its own: the
// server is NODUPE_BENCH_POSTGRES_URL, else a throwaway cluster (scripts/postgres.mjs, syncing to disk as a real
// server does; needs root and PostgreSQL installed). Needs dist/ (npm run build).
//
//   npm run bench:crash            TRIALS=50 TIMED=20 SEED=1 npm run bench:crash       CATALOG=postgres npm run bench:crash
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, stopCluster } from '../scripts/postgres.mjs';
import { withClient } from './catalog-lib.mjs';
import { emit } from './lib.mjs';
import {
  CRASH_OPS,
  prepareTrial,
  recoverAndCheck,
  runVictim,
  victimCommand,
} from '../test/fixtures/crash-trial.mjs';

const TRIALS = Number(process.env.TRIALS ?? 50);
const TIMED = Number(process.env.TIMED ?? 20);
let seed = Number(process.env.SEED ?? 1);
const random = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const CATALOG = process.env.CATALOG ?? 'sqlite';
if (CATALOG !== 'sqlite' && CATALOG !== 'postgres')
  throw new Error(`CATALOG is sqlite or postgres, not ${CATALOG}`);

const given = process.env.NODUPE_BENCH_POSTGRES_URL;
const cluster = `nodupe_bench_crash_${process.pid}`;
const base =
  CATALOG === 'postgres'
    ? (given ?? (await startCluster(cluster, process.pid, { durable: true })))
    : undefined;

/** Runs `fn` with a catalog to use: a file in the trial's folder, or a fresh schema on the server (dropped after). */
async function withCatalog(fn) {
  if (base === undefined) return fn(undefined);
  const schema = `crash_${randomBytes(4).toString('hex')}`;
  await withClient(base, (c) => c.query(`CREATE SCHEMA ${schema}`));
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  try {
    return await fn(url.toString());
  } finally {
    await withClient(base, (c) => c.query(`DROP SCHEMA ${schema} CASCADE`));
  }
}

async function trial(index, op, recovery, kill) {
  const workdir = mkdtempSync(join(tmpdir(), 'nodupe-crash-'));
  try {
    return await withCatalog(async (url) => {
      const t = await prepareTrial(workdir, op, index + 1, url);
      const killed = await kill(t);
      const result = await recoverAndCheck(t, recovery);
      const ok = result.missing === 0 && result.unrestored === 0 && result.consistencyErrors.length === 0;
      return { catalog: CATALOG, index, op, recovery, killed, ...result, ok };
    });
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

try {
  // How many file system calls a whole run makes, per action.
  const calls = {};
  for (const op of CRASH_OPS) {
    const workdir = mkdtempSync(join(tmpdir(), 'nodupe-crash-'));
    calls[op] = await withCatalog(
      async (url) => runVictim(await prepareTrial(workdir, op, 999, url), 1e9).calls,
    );
    rmSync(workdir, { recursive: true, force: true });
  }
  emit({ bench: 'crash/calls-per-run', catalog: CATALOG, ...calls });

  const results = [];
  for (let i = 0; i < TRIALS; i++) {
    const op = CRASH_OPS[i % CRASH_OPS.length];
    const killAt = 1 + Math.floor(random() * calls[op]);
    const recovery = random() < 0.5 ? 'resume' : 'undo';
    const r = await trial(i, op, recovery, (t) => runVictim(t, killAt).killed);
    results.push({ ...r, killAt });
    if (!r.ok) emit({ bench: 'crash/failure', ...r, killAt });
  }
  for (let i = 0; i < TIMED; i++) {
    const op = CRASH_OPS[i % CRASH_OPS.length];
    const delayMs = 40 + Math.floor(random() * 400);
    const recovery = random() < 0.5 ? 'resume' : 'undo';
    const r = await trial(TRIALS + i, op, recovery, (t) => {
      const { args, env } = victimCommand(t, 0);
      const child = spawn(process.execPath, args, { stdio: 'ignore', env });
      const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      return new Promise((resolve) =>
        child.on('exit', (_code, signal) => {
          clearTimeout(timer);
          resolve(signal === 'SIGKILL');
        }),
      );
    });
    results.push({ ...r, delayMs });
    if (!r.ok) emit({ bench: 'crash/failure', ...r, delayMs });
  }
  const summary = (list) => ({
    catalog: CATALOG,
    trials: list.length,
    killedMidRun: list.filter((r) => r.killed).length,
    resumed: list.filter((r) => r.recovery === 'resume').length,
    undone: list.filter((r) => r.recovery === 'undo').length,
    contentLost: list.reduce((n, r) => n + r.missing, 0),
    notRestoredByUndo: list.reduce((n, r) => n + r.unrestored, 0),
    consistencyFailures: list.filter((r) => r.consistencyErrors.length > 0).length,
  });
  emit({ bench: 'crash/at-random-call', ...summary(results.slice(0, TRIALS)) });
  emit({ bench: 'crash/after-random-delay', ...summary(results.slice(TRIALS)) });
  emit({ bench: 'crash', pass: results.every((r) => r.ok), ...summary(results) });
} finally {
  if (base !== undefined && given === undefined) stopCluster(cluster);
}
