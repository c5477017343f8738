// The crash test at scale: apply runs in a child process that is killed with SIGKILL at a random point, then
// resume or undo runs; after every trial every original content must exist at least once and
// `verify --mode consistency` must pass. Kill points are chosen two ways: at a random file system call (every
// step of a run can be hit) and after a random delay (whatever the process was doing, SQLite included).
//
//   npm run bench:crash            TRIALS=50 TIMED=20 SEED=1 npm run bench:crash
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit } from './lib.mjs';
import { CRASH_OPS, prepareTrial, recoverAndCheck, runVictim } from '../test/fixtures/crash-trial.mjs';

const TRIALS = Number(process.env.TRIALS ?? 50);
const TIMED = Number(process.env.TIMED ?? 20);
let seed = Number(process.env.SEED ?? 1);
const random = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const VICTIM = fileURLToPath(new URL('../test/fixtures/crashing-apply.mjs', import.meta.url));

async function trial(index, op, recovery, kill) {
  const workdir = mkdtempSync(join(tmpdir(), 'nodupe-crash-'));
  try {
    const t = await prepareTrial(workdir, op, index + 1);
    const killed = await kill(t);
    const result = await recoverAndCheck(t, recovery);
    const ok = result.missing === 0 && result.unrestored === 0 && result.consistencyErrors.length === 0;
    return { index, op, recovery, killed, ...result, ok };
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

// How many file system calls a whole run makes, per action.
const calls = {};
for (const op of CRASH_OPS) {
  const workdir = mkdtempSync(join(tmpdir(), 'nodupe-crash-'));
  calls[op] = runVictim(await prepareTrial(workdir, op, 999), 1e9).calls;
  rmSync(workdir, { recursive: true, force: true });
}
emit({ bench: 'crash/calls-per-run', ...calls });

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
    const child = spawn(process.execPath, [VICTIM, t.catalogPath, t.dataDir, t.planFile, '0'], {
      stdio: 'ignore',
    });
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
