import { describe, expect, it } from 'vitest';
import type { JobView, MethodName, Methods } from '../serve/protocol.js';
import type { SimilarGroupsResult } from '../serve/similar-protocol.js';
import { Actions } from './actions.js';
import { RpcFailure, type Call } from './rpc.js';
import { SimilarActions } from './similar-actions.js';
import { formatDistance, percentAlike } from './similar-state.js';
import { Store } from './store.js';

const finished = (job: JobView) => ({
  id: 9,
  at: '2024-01-01T00:00:00Z',
  type: 'job.finished' as const,
  job,
});

function result(total: number, next: string | null = null): SimilarGroupsResult {
  return {
    subject: 'images',
    detector: 'images.phash/1',
    preset: 'medium',
    maxDistance: 8,
    distanceUnit: 'bits',
    roots: [],
    finishedAt: '2024-01-01T00:00:00Z',
    generation: 1,
    stale: false,
    files: 3,
    read: 3,
    reused: 0,
    unique: 1,
    groups: [],
    next,
    total,
    reclaimable: 100,
    problems: [],
    problemCount: 0,
  };
}

/** A server that answers from `answers` and records each call. */
function fakeServer(answers: Partial<{ [M in MethodName]: (params: Methods[M]['params']) => unknown }>) {
  const calls: { method: MethodName; params: unknown }[] = [];
  const call = ((method: MethodName, params: unknown) => {
    calls.push({ method, params });
    const answer = answers[method] as ((p: unknown) => unknown) | undefined;
    return Promise.resolve().then(() => {
      if (!answer) throw new Error(`unexpected call ${method}`);
      return answer(params);
    });
  }) as Call;
  return { call, calls };
}

describe('the Similar view', () => {
  it('opens with the presets and "not run yet" (no result kept is no error), runs at the chosen level, and shows the result when its job ends', async () => {
    const store = new Store();
    const kept: { result?: SimilarGroupsResult } = {};
    const server = fakeServer({
      'similar.detectors': () => [
        {
          subject: 'images',
          detector: 'images.phash/1',
          description: '',
          distanceUnit: 'bits',
          presets: [
            { name: 'exact', maxDistance: 0 },
            { name: 'medium', maxDistance: 8 },
          ],
          defaultPreset: 'medium',
          maxDistance: 32,
        },
      ],
      'similar.groups': () => {
        if (!kept.result) throw new RpcFailure('none yet', -32003, { code: 'NOT_FOUND' });
        return kept.result;
      },
      similar: () => ({
        id: 'j1',
        kind: 'similar',
        state: 'running',
        startedAt: '',
        title: 'similar images',
      }),
    });
    const errors: unknown[] = [];
    const similar = new SimilarActions(store, server.call, (e) => errors.push(e));
    await similar.open();
    expect(store.state.view).toBe('similar');
    expect(store.state.similar.result).toBeUndefined();
    expect(errors).toEqual([]);

    similar.choosePreset('exact');
    await similar.run();
    expect(server.calls.at(-1)).toEqual({
      method: 'similar',
      params: { subject: 'images', similarity: 'exact' },
    });
    expect(store.state.similar.jobs.images).toBe('j1');
    expect(store.state.lastJob).toBe('j1');

    kept.result = result(2);
    await similar.handleEvent(
      finished({
        id: 'j1',
        kind: 'similar',
        state: 'done',
        startedAt: '',
        title: '',
        result: { subject: 'images' },
      }),
    );
    expect(store.state.similar.result?.total).toBe(2);
  });

  it('a similar job ending does not rebuild the plan nor reload the duplicate groups', async () => {
    const store = new Store();
    const server = fakeServer({});
    const actions = new Actions(store, server.call);
    await actions.handleEvent(
      finished({ id: 'j1', kind: 'similar', state: 'done', startedAt: '', title: '' }),
    );
    expect(server.calls).toEqual([]);
    expect(store.state.rebuilding).toBe(false);
  });

  it('says how far and how alike, in the detector’s unit', () => {
    expect(formatDistance(3, 'bits')).toBe('3 bits apart');
    expect(formatDistance(1, 'bits')).toBe('1 bit apart');
    expect(formatDistance(0.1234, '1 - Jaccard')).toBe('0.123 apart (1 − Jaccard)');
    expect(percentAlike({ distance: 0, score: 1 })).toBe('100 % alike');
    expect(percentAlike({ distance: 1, score: 0.999 })).toBe('99 % alike');
    expect(percentAlike({ distance: 8, score: 0.875 })).toBe('87 % alike');
  });
});
