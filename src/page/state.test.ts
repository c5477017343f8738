import { describe, expect, it } from 'vitest';
import type { JobView } from '../serve/protocol.js';
import {
  applyEvent,
  initialState,
  lastUndoableRun,
  ruleChoiceOf,
  ruleRequest,
  settleJobs,
  withJob,
} from './state.js';

const running: JobView = { id: 'j1', kind: 'scan', state: 'running', startedAt: '', title: 'scan /photos' };

describe('state', () => {
  it('keeps the finished state of a job whose end came before the call that started it answered', () => {
    const finished = applyEvent(initialState(), {
      id: 1,
      at: '',
      type: 'job.finished',
      job: { ...running, state: 'done' },
    });
    expect(withJob(finished, running).jobs['j1']?.state).toBe('done');
  });

  it('puts progress on the job it belongs to', () => {
    const started = applyEvent(initialState(), { id: 1, at: '', type: 'job.started', job: running });
    const progress = { current: undefined, phases: [], elapsedMs: 5 };
    const next = applyEvent(started, { id: 2, at: '', type: 'job.progress', jobId: 'j1', progress });
    expect(next.jobs['j1']?.progress).toBe(progress);
    expect(next.lastJob).toBe('j1');
  });

  it('turns each rule choice into the CLI rule words', () => {
    expect(ruleRequest('shortest-path', '', '')).toEqual({ kind: 'rebuild', rules: ['shortest-path'] });
    expect(ruleRequest('prefer', ' /keep ', '')).toEqual({ kind: 'rebuild', rules: ['prefer:/keep'] });
    expect(ruleRequest('prefer-match', '', '**/best/**')).toEqual({
      kind: 'rebuild',
      rules: ['prefer-match:**/best/**'],
    });
    expect(ruleRequest('invert', '', '')).toEqual({ kind: 'invert' });
    expect(ruleRequest('prefer', '', '')).toMatchObject({ kind: 'invalid' });
  });

  it('undoes the latest run that can still be undone', () => {
    const run = (id: number, undoable: boolean) => ({
      id,
      planId: 'p',
      state: 'done',
      startedAt: '',
      entries: {},
      undoable,
    });
    expect(lastUndoableRun([run(1, true), run(3, false), run(2, true)])?.id).toBe(2);
    expect(lastUndoableRun([run(1, false)])).toBeUndefined();
  });

  it('shows in the rule picker the rule the plan was built with, and none before a rule is chosen', () => {
    expect(ruleChoiceOf([])).toBeUndefined();
    expect(ruleChoiceOf(['oldest'])).toEqual({ choice: 'oldest', argument: '' });
    expect(ruleChoiceOf(['prefer:/photos/best'])).toEqual({ choice: 'prefer', argument: '/photos/best' });
  });

  it('marks a job the server no longer knows (it stopped) as ended, with how to finish an apply', () => {
    const apply: JobView = { ...running, id: 'j2', kind: 'apply', title: 'apply plan p1' };
    const state = { ...initialState(), jobs: { j1: running, j2: apply } };
    const settled = settleJobs(state, [{ ...running, state: 'done' }]);
    expect(settled.jobs['j1']?.state).toBe('done');
    expect(settled.jobs['j2']).toMatchObject({
      state: 'cancelled',
      error: { hint: '`nodupe apply --resume` finishes the run' },
    });
  });
});
