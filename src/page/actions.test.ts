import { describe, expect, it } from 'vitest';
import type {
  GroupDetails,
  GroupSummary,
  JobView,
  MemberView,
  Methods,
  MethodName,
  PlanView,
} from '../serve/protocol.js';
import { Actions } from './actions.js';
import { RpcFailure, type Call } from './rpc.js';
import { Store } from './store.js';

function group(n: number): GroupSummary {
  return {
    key: `${n}:h${n}`,
    size: n,
    hash: `h${n}`,
    files: 2,
    paths: 2,
    reclaimable: n,
    first: { text: `/photos/${n}.jpg` },
    kind: 'image',
    ignored: false,
  };
}

function plan(id: string, action: PlanView['action'] = 'quarantine', irreversible = 0): PlanView {
  return {
    id,
    createdAt: '2024-01-01T00:00:00Z',
    action,
    policy: { rules: [], protect: [], onlyFrom: [], keepN: 1 },
    summary: { groups: 1, actions: 1, bytes: 10, freedNow: 0, freedAfterPurge: 10, irreversible },
    warnings: [],
    applied: false,
  };
}

function member(id: number, role: 'keeper' | 'action'): MemberView {
  return {
    id,
    paths: [{ text: `/photos/${id}.jpg` }],
    size: 10,
    mtime: '2024-01-01T00:00:00Z',
    owner: { uid: 1000, name: 'ann' },
    changed: false,
    kind: 'image',
    plan:
      role === 'keeper'
        ? { role, reason: 'newest', protected: false }
        : { role, op: 'quarantine', reason: '' },
  };
}

function job(id: string, kind: JobView['kind'], state: JobView['state'] = 'running'): JobView {
  return { id, kind, state, startedAt: '2024-01-01T00:00:00Z', title: `${kind} job` };
}

/** A fake server: answers per method, records every call. */
function fakeServer(answers: { [M in MethodName]?: (params: Methods[M]['params']) => Methods[M]['result'] }) {
  const calls: { method: string; params: unknown }[] = [];
  const call = ((method: MethodName, params: unknown) => {
    calls.push({ method, params });
    const answer = answers[method] as ((params: unknown) => unknown) | undefined;
    if (!answer) return Promise.reject(new RpcFailure(`no ${method}`, -32601));
    try {
      return Promise.resolve(answer(params));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }) as Call;
  return { call, calls };
}

const details = (key: string): GroupDetails => ({
  ...group(1),
  key,
  members: [member(1, 'keeper'), member(2, 'action')],
});

describe('the review page actions', () => {
  it('loads the first page, builds a plan, and pages on with the cursor', async () => {
    const server = fakeServer({
      groups: (params) =>
        params.cursor === undefined
          ? { groups: [group(3), group(2)], next: 'c1', total: 3, reclaimable: 6 }
          : { groups: [group(1)], next: null, total: 3, reclaimable: 6 },
      runs: () => [],
      'plan.build': () => plan('p1'),
    });
    const store = new Store();
    const actions = new Actions(store, server.call);
    await actions.start();
    expect(store.state.groups.map((g) => g.key)).toEqual(['3:h3', '2:h2']);
    expect(store.state.plan?.id).toBe('p1');
    expect(server.calls[0]).toEqual({
      method: 'groups',
      params: { sort: 'reclaimable', order: 'desc', limit: 100 },
    });
    await actions.loadMore();
    expect(store.state.groups.map((g) => g.key)).toEqual(['3:h3', '2:h2', '1:h1']);
    expect(server.calls.at(-1)).toMatchObject({ method: 'groups', params: { cursor: 'c1' } });
    await actions.loadMore();
    expect(server.calls.filter((c) => c.method === 'groups')).toHaveLength(2);
  });

  it('sends the filters with the groups request', async () => {
    const server = fakeServer({ groups: () => ({ groups: [], next: null, total: 0, reclaimable: 0 }) });
    const actions = new Actions(new Store(), server.call);
    await actions.setFilters({ path: '**/*.jpg', minSize: 1024, kind: 'image', sort: 'size' });
    expect(server.calls[0]!.params).toEqual({
      sort: 'size',
      order: 'desc',
      limit: 100,
      path: '**/*.jpg',
      minSize: 1024,
      kind: 'image',
    });
  });

  it('marks and unmarks a member with plan edits, and shows the group as the plan now has it', async () => {
    const server = fakeServer({ 'plan.edit': () => plan('p1'), group: (params) => details(params.key) });
    const store = new Store();
    store.update({ plan: plan('p1') });
    const actions = new Actions(store, server.call);
    await actions.openGroup('1:h1');
    await actions.mark(member(1, 'keeper'), true);
    await actions.mark(member(2, 'action'), false);
    const edits = server.calls.filter((c) => c.method === 'plan.edit').map((c) => c.params);
    expect(edits).toEqual([
      { id: 'p1', edits: [{ op: 'unkeep', file: 1 }] },
      { id: 'p1', edits: [{ op: 'keep', file: 2 }] },
    ]);
    expect(server.calls.filter((c) => c.method === 'group').at(-1)!.params).toEqual({
      key: '1:h1',
      plan: 'p1',
    });
  });

  it('marks by rule with a rebuild that keeps the reference folders, and inverts with an edit', async () => {
    const server = fakeServer({ 'plan.build': () => plan('p2'), 'plan.edit': () => plan('p2') });
    const store = new Store();
    store.update({ plan: plan('p1') });
    const actions = new Actions(store, server.call);
    await actions.addReference(' /photos/originals ');
    await actions.applyRule('prefer', '/photos/best', '');
    await actions.applyRule('invert', '', '');
    expect(server.calls.map((c) => c.params)).toEqual([
      { policy: { rules: [], protect: ['/photos/originals'] }, action: 'quarantine' },
      { policy: { rules: ['prefer:/photos/best'], protect: ['/photos/originals'] }, action: 'quarantine' },
      { id: 'p2', edits: [{ op: 'invert' }] },
    ]);
  });

  it('asks before a rule without its folder, and shows why', async () => {
    const server = fakeServer({});
    const store = new Store();
    await new Actions(store, server.call).applyRule('prefer-match', '', '');
    expect(server.calls).toEqual([]);
    expect(store.state.error?.message).toBe('No pattern to match.');
  });

  it('asks for a confirmation before applying a delete plan, then applies with confirm', async () => {
    const server = fakeServer({
      'plan.edit': () => plan('p1', 'delete', 1),
      'plan.get': () => plan('p1', 'delete', 1),
      runs: () => [],
      apply: () => job('j1', 'apply'),
    });
    const store = new Store();
    store.update({ plan: plan('p1') });
    const actions = new Actions(store, server.call);
    await actions.setAction('delete');
    await actions.reviewPlan();
    expect(store.state.reviewed?.summary.irreversible).toBe(1);
    await actions.startApply();
    expect(store.state.confirming).toBe(true);
    expect(server.calls.map((c) => c.method)).toEqual(['plan.edit', 'plan.get', 'runs']);
    await actions.startApply(true);
    expect(server.calls.at(-1)).toEqual({ method: 'apply', params: { plan: 'p1', confirm: true } });
    expect(store.state).toMatchObject({ confirming: false, applyJob: 'j1' });
  });

  it('applies a quarantine plan at once and follows its progress, steps and end by events', async () => {
    const server = fakeServer({
      apply: () => job('j1', 'apply'),
      groups: () => ({ groups: [], next: null, total: 0, reclaimable: 0 }),
      runs: () => [
        {
          id: 7,
          planId: 'p1',
          state: 'done',
          startedAt: '2024-01-01T00:00:00Z',
          entries: { done: 1 },
          undoable: true,
        },
      ],
      undo: () => job('j2', 'undo'),
      'plan.get': () => ({ ...plan('p1'), applied: applied > 0 }),
    });
    let applied = 0;
    const store = new Store();
    store.update({ plan: plan('p1') });
    const actions = new Actions(store, server.call);
    await actions.reviewPlan();
    // The first step can come before apply's own answer.
    const step = {
      seq: 1,
      op: 'quarantine' as const,
      path: { text: '/a' },
      keeper: { text: '/b' },
      outcome: 'done' as const,
    };
    await actions.handleEvent({ id: 1, at: '', type: 'job.step', jobId: 'j1', step });
    await actions.startApply();
    expect(server.calls.at(-1)).toEqual({ method: 'apply', params: { plan: 'p1' } });
    applied++;
    await actions.handleEvent({
      id: 2,
      at: '',
      type: 'job.finished',
      job: { ...job('j1', 'apply'), state: 'done' },
    });
    expect(store.state.jobs['j1']?.state).toBe('done');
    // The review still shows the plan that ran, now applied.
    expect(store.state.reviewed).toMatchObject({ id: 'p1', applied: true });
    expect(store.state.steps['j1']).toEqual([step]);
    expect(store.state.runs.map((run) => run.id)).toEqual([7]);
    await actions.startUndo();
    expect(server.calls.at(-1)).toEqual({ method: 'undo', params: { run: 7 } });
    expect(store.state.undoJob).toBe('j2');
  });

  it('shows a refused call with its message and hint', async () => {
    const server = fakeServer({
      'plan.edit': () => {
        throw new RpcFailure('That is the last keeper of its group', -32000, {
          code: 'BAD_INPUT',
          hint: 'Keep another copy first.',
        });
      },
    });
    const store = new Store();
    store.update({ plan: plan('p1') });
    await new Actions(store, server.call).mark(member(1, 'keeper'), true);
    expect(store.state.error).toEqual({
      message: 'That is the last keeper of its group',
      hint: 'Keep another copy first.',
    });
  });

  it('ignores a group: the plan forgets it, the detail closes, the list reloads', async () => {
    const server = fakeServer({
      'plan.edit': () => plan('p1'),
      groups: () => ({ groups: [group(2)], next: null, total: 1, reclaimable: 2 }),
      group: (params) => details(params.key),
    });
    const store = new Store();
    store.update({ plan: plan('p1') });
    const actions = new Actions(store, server.call);
    await actions.openGroup('1:h1');
    await actions.ignoreGroup('1:h1');
    expect(server.calls.find((c) => c.method === 'plan.edit')!.params).toEqual({
      id: 'p1',
      edits: [{ op: 'ignore', group: '1:h1' }],
    });
    expect(store.state).toMatchObject({ view: 'none', open: undefined, total: 1 });
  });

  it('moves the selection within the list and opens the selected group', async () => {
    const server = fakeServer({
      groups: () => ({ groups: [group(3), group(2), group(1)], next: null, total: 3, reclaimable: 6 }),
      group: (params) => details(params.key),
    });
    const store = new Store();
    const actions = new Actions(store, server.call);
    await actions.reloadGroups();
    actions.select(5);
    expect(store.state.selected).toBe(2);
    actions.select(-1);
    actions.select(1);
    await actions.openSelected();
    expect(store.state).toMatchObject({ view: 'group', open: { key: '2:h2' } });
    actions.back();
    expect(store.state.view).toBe('none');
  });

  it('shows the runs as soon as an apply starts, not only when it ends', async () => {
    const runs = [
      { id: 7, planId: 'p1', state: 'running', startedAt: '', entries: { intent: 2 }, undoable: true },
    ];
    const server = fakeServer({ runs: () => runs });
    const store = new Store();
    const actions = new Actions(store, server.call);
    await actions.handleEvent({ id: 1, at: '', type: 'job.started', job: job('j1', 'apply') });
    expect(store.state.runs).toEqual(runs);
  });

  it('says the plan is being rebuilt after a job, until the new one comes', async () => {
    let answer: (plan: PlanView) => void = () => {};
    const built = new Promise<PlanView>((resolve) => (answer = resolve));
    const server = fakeServer({
      groups: () => ({ groups: [group(1)], next: null, total: 1, reclaimable: 1 }),
      runs: () => [],
      'plan.build': (() => built) as unknown as () => PlanView,
    });
    const store = new Store();
    store.update({ plan: plan('p1') });
    const actions = new Actions(store, server.call);
    const handled = actions.handleEvent({
      id: 1,
      at: '',
      type: 'job.finished',
      job: { ...job('j1', 'undo'), state: 'done' },
    });
    expect(store.state.rebuilding).toBe(true);
    answer(plan('p2'));
    await handled;
    expect(store.state).toMatchObject({ rebuilding: false, plan: { id: 'p2' } });
  });

  it('says when the server is gone, and fetches what happened meanwhile when it is back', async () => {
    const server = fakeServer({
      jobs: () => [],
      groups: () => ({ groups: [], next: null, total: 0, reclaimable: 0 }),
      runs: () => [],
    });
    const store = new Store();
    store.update({ jobs: { j1: job('j1', 'apply') } });
    const actions = new Actions(store, server.call);
    await actions.connection('lost');
    expect(store.state.error?.message).toBe('The connection to nodupe serve is lost.');
    await actions.connection('back');
    expect(store.state.error).toBeUndefined();
    expect(store.state.jobs['j1']?.state).toBe('cancelled');
    expect(server.calls.map((c) => c.method)).toEqual(['jobs', 'groups', 'runs']);
  });
});
