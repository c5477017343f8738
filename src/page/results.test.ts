import { describe, expect, it } from 'vitest';
import type { JobView, RunView } from '../serve/protocol.js';
import { applySummary, keeping, runOutcome, runState, undoSummary } from './results.js';

const job = (kind: JobView['kind'], result: Record<string, unknown>): JobView => ({
  id: 'j1',
  kind,
  state: 'done',
  startedAt: '2024-01-01T00:00:00Z',
  title: `${kind} job`,
  result,
});

const run = (state: string, entries: Record<string, number>): RunView => ({
  id: 1,
  planId: 'p1',
  state,
  startedAt: '2024-01-01T00:00:00Z',
  entries,
  undoable: true,
});

describe('results in words', () => {
  it('says what an apply did, with its bytes readable', () => {
    const result = {
      runId: 1,
      dryRun: false,
      done: 3,
      skipped: 0,
      bytes: 133846,
      alreadySettled: 0,
      stopped: false,
    };
    expect(applySummary(job('apply', result), 'quarantine')).toBe(
      'Run 1: 3 files moved to quarantine (131 KiB), 0 skipped',
    );
    expect(applySummary(job('apply', { ...result, dryRun: true, runId: null }), 'delete')).toBe(
      'Dry run: 3 files would be deleted (131 KiB), 0 skipped',
    );
    expect(applySummary(job('apply', { ...result, stopped: true }), 'quarantine')).toContain(
      'Stopped part way: `nodupe apply --resume` finishes it.',
    );
  });

  it('says what an undo put back, and what no undo brings back', () => {
    const result = { runId: 1, undone: 3, already: 0, notUndone: 0, deleted: 0, purged: 0, gone: 0 };
    expect(undoSummary(job('undo', result))).toBe('Undone: 3 files back in place');
    expect(undoSummary(job('undo', { ...result, undone: 1, notUndone: 2, purged: 1 }))).toBe(
      'Undone: 1 file back in place, 1 file purged from the quarantine: no undo brings them back, ' +
        '1 file not put back yet: undo again to retry',
    );
  });

  it('tells a run cut short from one under way, and what a run did', () => {
    expect(runState(run('running', {}), true)).toBe('running');
    expect(runState(run('running', {}), false)).toBe('stopped part way');
    expect(runOutcome(run('finished', { intent: 0, done: 3, skipped: 1, undone: 0, purged: 0 }))).toBe(
      '3 done, 1 skipped',
    );
    expect(runOutcome(run('undone', { intent: 0, done: 0, undone: 3 }))).toBe('3 undone');
  });

  it('names the keeper rules of a plan, and says when there is none', () => {
    expect(keeping([])).toBe('Keeps the first path of each group (no rule chosen)');
    expect(keeping(['prefer /photos', 'newest'])).toBe('Keeps the one in /photos, then the newest');
  });
});
