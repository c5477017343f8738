import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { GroupSummary } from '../serve/protocol.js';
import { refusal, serviceFixture } from '../../test/helpers/service.js';

let fixture: Awaited<ReturnType<typeof serviceFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function setUp(extra = 0) {
  fixture = await serviceFixture({ extra });
  return fixture;
}

describe('groups', () => {
  it('pages through every group exactly once, largest reclaimable first', async () => {
    const { service } = await setUp(20);
    const seen: GroupSummary[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await service.call('groups', { limit: 7, ...(cursor ? { cursor } : {}) });
      expect(page.total).toBe(23);
      seen.push(...page.groups);
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor !== undefined);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(23);
    expect(new Set(seen.map((g) => g.key)).size).toBe(23);
    expect(seen[0]).toMatchObject({ size: 3000, files: 3, reclaimable: 6000, kind: 'image', ignored: false });
    const reclaimable = seen.map((g) => g.reclaimable);
    expect(reclaimable).toEqual([...reclaimable].sort((a, b) => b - a));
  });

  it('refuses a cursor made before the catalog changed', async () => {
    const { service } = await setUp(5);
    const first = await service.call('groups', { limit: 2 });
    await service.call('group.ignore', { key: first.groups[0]!.key, ignored: true });
    const error = await refusal(service.call('groups', { limit: 2, cursor: first.next! }));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain('the groups changed: start from the first page');
    expect((await refusal(service.call('groups', { cursor: 'nonsense' }))).code).toBe('BAD_INPUT');
  });

  it('filters by path glob, kind and size, and sorts by path', async () => {
    const { service } = await setUp(3);
    const docs = await service.call('groups', { path: '**/docs/**' });
    expect(docs.groups.map((g) => g.first.text)).toEqual([expect.stringMatching(/docs\/x\.txt$/)]);
    expect(docs).toMatchObject({ total: 1, reclaimable: 1000 });
    expect((await service.call('groups', { kind: 'audio' })).groups.map((g) => g.size)).toEqual([500]);
    const small = await service.call('groups', { minSize: 100, maxSize: 101 });
    expect(small.groups.map((g) => g.size).sort()).toEqual([100, 101]);
    const byPath = await service.call('groups', { sort: 'path' });
    const firsts = byPath.groups.map((g) => g.first.text);
    expect(firsts).toEqual([...firsts].sort());
  });

  it('remembers a group marked "not duplicates" across a restart, and leaves it out', async () => {
    const f = await setUp();
    const photos = (await f.service.call('groups', { kind: 'image' })).groups[0]!;
    await f.service.call('group.ignore', { key: photos.key, ignored: true });
    expect(f.events).toContainEqual({ type: 'catalog.changed', generation: 2 });
    const again = await f.reopen();
    const keys = (await again.call('groups', {})).groups.map((g) => g.key);
    expect(keys).not.toContain(photos.key);
    const all = await again.call('groups', { includeIgnored: true });
    expect(all.groups.find((g) => g.key === photos.key)).toMatchObject({ ignored: true });
    expect(await again.call('stats', {})).toMatchObject({ groups: 2, ignoredGroups: 1, files: 8 });
  });

  it('shows a group with its members, owners, and files changed on disk', async () => {
    const { service, dir } = await setUp();
    const key = (await service.call('groups', { kind: 'text' })).groups[0]!.key;
    const group = await service.call('group', { key });
    expect(group.members.map((m) => m.paths[0]!.text)).toEqual([
      dir.path('t/docs/x.txt'),
      dir.path('t/docs/y.txt'),
    ]);
    expect(group.members[0]).toMatchObject({
      size: 1000,
      kind: 'text',
      changed: false,
      owner: { uid: process.getuid!() },
    });
    writeFileSync(dir.path('t/docs/y.txt'), 'edited');
    expect((await service.call('group', { key })).members[1]!.changed).toBe(true);
    expect((await refusal(service.call('group', { key: '1:nope' }))).code).toBe('NOT_FOUND');
  });
});

describe('params', () => {
  it('refuses unknown params and wrong types as USAGE (JSON-RPC: invalid params), naming what was expected', async () => {
    const { service } = await setUp();
    const unknown = await refusal(service.call('groups', { colour: 'red' } as never));
    expect(unknown).toMatchObject({ code: 'USAGE' });
    expect(unknown.message).toContain('unknown param "colour"');
    const limit = await refusal(service.call('groups', { limit: 0 }));
    expect(limit.message).toBe('groups: limit: expected an integer from 1 to 500, received 0');
    expect((await refusal(service.call('plan.build', { action: 'shred' as never }))).code).toBe('USAGE');
  });
});

describe('plans', () => {
  it('builds a plan that leaves ignored groups out, and keeps it in memory', async () => {
    const { service, dir } = await setUp();
    const photos = (await service.call('groups', { kind: 'image' })).groups[0]!;
    await service.call('group.ignore', { key: photos.key, ignored: true });
    const plan = await service.call('plan.build', { policy: { rules: ['shortest-path'] } });
    expect(plan.summary).toMatchObject({
      groups: 2,
      actions: 2,
      bytes: 1500,
      freedNow: 0,
      freedAfterPurge: 1500,
    });
    expect(plan.applied).toBe(false);
    expect(existsSync(dir.path(`data/plans/${plan.id}.json`))).toBe(false);
    expect(JSON.parse(service.planText(plan.id)!)).toMatchObject({ schema: 'nodupe.plan/1', id: plan.id });
    expect(await service.call('plan.get', { id: plan.id })).toEqual(plan);
  });

  it('edits keepers and actions, and refuses edits that would break the plan', async () => {
    const { service, dir } = await setUp();
    const photos = (await service.call('groups', { kind: 'image' })).groups[0]!;
    const plan = await service.call('plan.build', { policy: { protect: [dir.path('t/a')] } });
    const members = (await service.call('group', { key: photos.key, plan: plan.id })).members;
    const byName = (end: string) => members.find((m) => m.paths[0]!.text.endsWith(end))!;
    expect(byName('a/photo.jpg').plan).toMatchObject({ role: 'keeper', protected: true });
    expect(byName('b/copy.jpg').plan).toMatchObject({ role: 'action', op: 'quarantine' });

    // The protected file is never acted on; the last keeper of a group stays.
    const protectedRefusal = await refusal(
      service.call('plan.edit', { id: plan.id, edits: [{ op: 'unkeep', file: byName('a/photo.jpg').id }] }),
    );
    expect(protectedRefusal.message).toContain('protected');
    const text = (await service.call('groups', { kind: 'text' })).groups[0]!;
    const textMembers = (await service.call('group', { key: text.key, plan: plan.id })).members;
    const keeper = textMembers.find((m) => m.plan?.role === 'keeper')!;
    const last = await refusal(
      service.call('plan.edit', { id: plan.id, edits: [{ op: 'unkeep', file: keeper.id }] }),
    );
    expect(last.message).toContain('last keeper');

    // Keep a copy, act on another file by delete: the summary follows.
    const edited = await service.call('plan.edit', {
      id: plan.id,
      edits: [
        { op: 'keep', file: byName('b/copy.jpg').id },
        { op: 'action', action: 'delete', file: byName('b/photo.jpg').id },
      ],
    });
    expect(edited.summary).toMatchObject({ groups: 3, actions: 3, irreversible: 1, freedNow: 3000 });
    expect(edited.warnings.join(' ')).toContain('delete cannot be undone');
    const after = (await service.call('group', { key: photos.key, plan: plan.id })).members;
    expect(after.map((m) => m.plan?.role)).toEqual(['keeper', 'keeper', 'action']);

    // Invert the text group: the keeper goes, the copy stays.
    const inverted = await service.call('plan.edit', {
      id: plan.id,
      edits: [{ op: 'invert', group: text.key }],
    });
    expect(inverted.summary.actions).toBe(3);
    const flipped = (await service.call('group', { key: text.key, plan: plan.id })).members;
    expect(flipped.find((m) => m.id === keeper.id)!.plan).toMatchObject({ role: 'action' });

    // "Not duplicates" takes the group out of the plan and remembers it.
    const ignored = await service.call('plan.edit', {
      id: plan.id,
      edits: [{ op: 'ignore', group: text.key }],
    });
    expect(ignored.summary.groups).toBe(2);
    expect((await service.call('groups', {})).groups.map((g) => g.key)).not.toContain(text.key);
    // The edited file still reads as a plan, with the same checks apply makes.
    expect((JSON.parse(service.planText(plan.id)!) as { groups: unknown[] }).groups).toHaveLength(2);
  });
});

describe('apply and undo', () => {
  it('applies an edited plan to quarantine and undo brings the files back', async () => {
    const f = await setUp();
    const { service, dir, events } = f;
    const plan = await service.call('plan.build', { policy: { rules: ['shortest-path'] } });
    const photos = (await service.call('groups', { kind: 'image' })).groups[0]!;
    const members = (await service.call('group', { key: photos.key, plan: plan.id })).members;
    // shortest-path keeps b/copy.jpg; b/photo.jpg is kept by hand too.
    const kept = members.find((m) => m.paths[0]!.text.endsWith('b/photo.jpg'))!;
    expect(kept.plan).toMatchObject({ role: 'action' });
    await service.call('plan.edit', { id: plan.id, edits: [{ op: 'keep', file: kept.id }] });

    const job = await service.call('apply', { plan: plan.id });
    expect(job).toMatchObject({ kind: 'apply', state: 'running' });
    const done = await f.finished(job);
    expect(done).toMatchObject({ state: 'done', result: { done: 3, skipped: 0 } });
    expect(existsSync(dir.path('t/b/copy.jpg'))).toBe(true);
    expect(existsSync(dir.path('t/b/photo.jpg'))).toBe(true);
    expect(existsSync(dir.path('t/a/photo.jpg'))).toBe(false);
    expect([dir.path('t/docs/x.txt'), dir.path('t/docs/y.txt')].filter(existsSync)).toHaveLength(1);
    expect(events.filter((e) => e.type === 'job.step')).toHaveLength(3);
    expect(events.map((e) => e.type)).toContain('catalog.changed');
    expect((await service.call('plan.get', { id: plan.id })).applied).toBe(true);
    const runs = await service.call('runs', {});
    expect(runs).toMatchObject([{ planId: plan.id, state: 'finished', undoable: true }]);
    expect((await service.call('stats', {})).groups).toBe(1);

    const undo = await f.finished(await service.call('undo', {}));
    expect(undo).toMatchObject({ state: 'done', result: { undone: 3, complete: true } });
    for (const name of [
      'a/photo.jpg',
      'b/photo.jpg',
      'b/copy.jpg',
      'docs/x.txt',
      'docs/y.txt',
      'm/song.mp3',
      'n/song.mp3',
    ]) {
      expect(existsSync(dir.path('t', name))).toBe(true);
    }
    expect(readFileSync(dir.path('t/docs/y.txt'))).toEqual(readFileSync(dir.path('t/docs/x.txt')));
    expect((await service.call('stats', {})).groups).toBe(3);
  });

  it('asks for confirm before a plan that deletes, and refuses a second mutating job (BUSY)', async () => {
    const f = await setUp();
    const { service, dir } = f;
    const plan = await service.call('plan.build', { action: 'delete' });
    const confirm = await refusal(service.call('apply', { plan: plan.id }));
    expect(confirm.code).toBe('CONFIRM');
    expect(existsSync(dir.path('t/b/photo.jpg'))).toBe(true);

    const job = await service.call('apply', { plan: plan.id, confirm: true });
    const busy = await refusal(service.call('scan', { paths: [dir.path('t')] }));
    expect(busy.code).toBe('BUSY');
    expect(busy.message).toContain(job.id);
    expect((await refusal(service.call('undo', {}))).code).toBe('BUSY');
    // Reads go on meanwhile.
    expect(await service.call('jobs', {})).toContainEqual(
      expect.objectContaining({ id: job.id, kind: 'apply' }),
    );
    expect(await f.finished(job)).toMatchObject({ state: 'done', result: { done: 4 } });
  });

  it('a dry run changes nothing', async () => {
    const f = await setUp();
    const { service, dir } = f;
    const plan = await service.call('plan.build', {});
    const job = await f.finished(await service.call('apply', { plan: plan.id, dryRun: true }));
    expect(job).toMatchObject({ state: 'done', result: { dryRun: true, done: 4 } });
    expect(existsSync(dir.path('t/b/photo.jpg'))).toBe(true);
    expect((await service.call('plan.get', { id: plan.id })).applied).toBe(false);
  });
});

describe('scan, verify, reports', () => {
  it('scans on a thread of its own and the catalog changes', async () => {
    const f = await setUp();
    const { service, dir, events } = f;
    dir.write('t/z/another.jpg', readFileSync(dir.path('t/a/photo.jpg')));
    const job = await service.call('scan', { paths: [dir.path('t')] });
    const done = await f.finished(job);
    expect(done).toMatchObject({ kind: 'scan', state: 'done', result: { files: 9, groups: 3 } });
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['job.started', 'job.finished', 'catalog.changed']),
    );
    const photos = (await service.call('groups', { kind: 'image' })).groups[0]!;
    expect(photos.files).toBe(4);
  });

  it('cancels a scan job', async () => {
    const f = await setUp();
    const { service, dir } = f;
    const job = await service.call('scan', { paths: [dir.path('t')] });
    const cancelled = await service.call('job.cancel', { id: job.id });
    expect(cancelled.state).toBe('cancelled');
    expect(await f.finished(job)).toMatchObject({ state: 'cancelled' });
    // The service is free for the next job.
    expect(await f.finished(await service.call('scan', { paths: [dir.path('t')] }))).toMatchObject({
      state: 'done',
    });
  });

  it('refuses a scan of a path that is not there', async () => {
    const { service, dir } = await setUp();
    expect((await refusal(service.call('scan', { paths: [dir.path('nowhere')] }))).code).toBe('BAD_INPUT');
    expect((await refusal(service.call('scan', { paths: ['relative'] }))).code).toBe('BAD_INPUT');
  });

  it('verifies as a job whose result is the JSON `verify --format json` prints', async () => {
    const f = await setUp();
    const { service } = f;
    const job = await f.finished(await service.call('verify', { mode: 'integrity' }));
    expect(job).toMatchObject({
      state: 'done',
      result: { schema: 'nodupe.verify/1', modes: ['integrity'], ok: true, checked: { integrity: 8 } },
    });
  });

  it('prints the report in every built-in format, and previews name catalog files only', async () => {
    const { service, dir } = await setUp();
    const json = JSON.parse(String(await service.reportText('json'))) as { groups: unknown[] };
    expect(json.groups).toHaveLength(3);
    expect(String(await service.reportText('fdupes'))).toContain(dir.path('t/docs/x.txt'));
    expect((await refusal(service.reportText('nope'))).code).toBe('BAD_INPUT');
    const member = (
      await service.call('group', { key: (await service.call('groups', { kind: 'text' })).groups[0]!.key })
    ).members[0]!;
    expect(service.fileForPreview(member.id)).toMatchObject({
      path: dir.path('t/docs/x.txt'),
      size: 1000,
      kind: 'text',
    });
    expect(service.fileForPreview(999_999)).toBeUndefined();
  });

  it('lists the plugins', async () => {
    const { service } = await setUp();
    const plugins = await service.call('plugins.list', {});
    expect(plugins.length).toBeGreaterThan(0);
    expect(plugins.every((p) => p.state === 'active')).toBe(true);
  });
});
