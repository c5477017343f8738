import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// A plain ESM fixture, shared with bench/crash.mjs.
import { CRASH_OPS, prepareTrial, recoverAndCheck, runVictim } from './fixtures/crash-trial.mjs';
import { systemProgram } from './helpers/system-programs.js';

// The trials of keepers inside an archive zip the tree with Debian's zip.
const zip = systemProgram(['zip'], 'zip', 'the crash trials of keepers inside an archive');

interface Trial {
  op: string;
}
const prepare = prepareTrial as (workdir: string, op: string, seed: number) => Promise<Trial>;
const victim = runVictim as (trial: Trial, killAt: number) => { killed: boolean };
const recover = recoverAndCheck as (
  trial: Trial,
  recovery: 'resume' | 'undo',
) => Promise<{ missing: number; unrestored: number; consistencyErrors: string[]; runState: string }>;

// A handful of kill points spread over a run (bench/crash.mjs runs 50 and more, at random points).
const TRIALS: { killAt: number; recovery: 'resume' | 'undo' }[] = [
  { killAt: 9, recovery: 'resume' },
  { killAt: 31, recovery: 'undo' },
  { killAt: 57, recovery: 'resume' },
  { killAt: 88, recovery: 'undo' },
  { killAt: 110, recovery: 'undo' },
  { killAt: 40, recovery: 'undo' },
  { killAt: 75, recovery: 'resume' },
];

describe('crash: apply killed with SIGKILL, then resume or undo', () => {
  TRIALS.forEach(({ killAt, recovery }, i) => {
    const op = CRASH_OPS[i % CRASH_OPS.length] as string;
    it.skipIf(op.endsWith('-in-archive') && zip === undefined)(
      `${op}, killed at file system call ${killAt}, then ${recovery}: nothing lost, journal consistent`,
      async () => {
        const workdir = mkdtempSync(join(tmpdir(), 'nodupe-crash-'));
        try {
          const trial = await prepare(workdir, op, i + 1);
          const { killed } = victim(trial, killAt);
          expect(killed).toBe(true);
          const result = await recover(trial, recovery);
          expect(result.missing).toBe(0);
          expect(result.consistencyErrors).toEqual([]);
          expect(result.unrestored).toBe(0);
        } finally {
          rmSync(workdir, { recursive: true, force: true });
        }
      },
    );
  });
});
