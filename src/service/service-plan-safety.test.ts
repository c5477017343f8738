import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../catalog/sqlite/sqlite-store.js';
import { refusal, serviceFixture } from '../../test/helpers/service.js';

let fixture: Awaited<ReturnType<typeof serviceFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** The first member of the photo group acted on by `plan`: an edit to make. */
async function keepOne(f: NonNullable<typeof fixture>, plan: string) {
  const photos = (await f.service.call('groups', { kind: 'image' })).groups[0]!;
  const members = (await f.service.call('group', { key: photos.key, plan })).members;
  const acted = members.find((m) => m.plan?.role === 'action')!;
  return [{ op: 'keep' as const, file: acted.id }];
}

describe('editing a plan that is being applied, or was', () => {
  it('is refused as BUSY while its apply runs, naming the job, and as BAD_INPUT once it ran', async () => {
    const f = (fixture = await serviceFixture());
    const plan = await f.service.call('plan.build', {});
    const edits = await keepOne(f, plan.id);

    const job = await f.service.call('apply', { plan: plan.id });
    const busy = await refusal(f.service.call('plan.edit', { id: plan.id, edits }));
    expect(busy.code).toBe('BUSY');
    expect(busy.message).toBe(
      `cannot edit plan ${plan.id}: apply plan ${plan.id} is running (job ${job.id})`,
    );
    expect(await f.finished(job)).toMatchObject({ state: 'done', result: { done: 4 } });

    const applied = await refusal(f.service.call('plan.edit', { id: plan.id, edits }));
    expect(applied.code).toBe('BAD_INPUT');
    expect(applied.message).toMatch(/was applied \(run 1\): it cannot be edited/);
  });

  it('is refused while a dry run of it runs, and allowed once it ended (a dry run applies nothing)', async () => {
    const f = (fixture = await serviceFixture());
    const plan = await f.service.call('plan.build', {});
    const edits = await keepOne(f, plan.id);
    const job = await f.service.call('apply', { plan: plan.id, dryRun: true });
    const busy = await refusal(f.service.call('plan.edit', { id: plan.id, edits }));
    expect(busy.code).toBe('BUSY');
    expect(busy.message).toContain(`dry run of plan ${plan.id} is running (job ${job.id})`);
    await f.finished(job);
    expect((await f.service.call('plan.edit', { id: plan.id, edits })).summary.actions).toBe(3);
  });

  it('is refused for a plan whose run was interrupted, as apply refuses it', async () => {
    const f = (fixture = await serviceFixture());
    const plan = await f.service.call('plan.build', {});
    const edits = await keepOne(f, plan.id);
    // A `nodupe apply` of the downloaded plan that was killed: its run stays marked running.
    const catalog = SqliteCatalog.open(f.dir.path('catalog.db'));
    catalog.journal().startRun(plan.id, f.service.planText(plan.id)!, 0, {});
    catalog.close();

    const partly = await refusal(f.service.call('plan.edit', { id: plan.id, edits }));
    expect(partly.code).toBe('BAD_INPUT');
    expect(partly.message).toBe(
      `plan ${plan.id} was partly applied (run 1 was interrupted): it cannot be edited`,
    );
    expect((partly as { hint?: string }).hint).toContain('nodupe apply --resume');
    expect((await refusal(f.service.call('apply', { plan: plan.id }))).code).toBe('BAD_INPUT');
  });
});

describe('plan files', () => {
  it('are written when a plan is edited or applied, not when it is built, and read again after a restart', async () => {
    const f = (fixture = await serviceFixture());
    const plans = f.dir.path('data/plans');
    const files = () => (existsSync(plans) ? readdirSync(plans).sort() : []);
    const built = [];
    for (let i = 0; i < 5; i++) built.push(await f.service.call('plan.build', {}));
    expect(files()).toEqual([]);

    const edited = built[1]!;
    const afterEdit = await f.service.call('plan.edit', {
      id: edited.id,
      edits: await keepOne(f, edited.id),
    });
    const applied = built[2]!;
    expect(files()).toEqual([`${edited.id}.json`]);
    await f.finished(await f.service.call('apply', { plan: applied.id }));
    expect(files()).toEqual([`${edited.id}.json`, `${applied.id}.json`].sort());

    const again = await f.reopen();
    expect(await again.call('plan.get', { id: edited.id })).toEqual(afterEdit);
    expect(await again.call('plan.get', { id: applied.id })).toMatchObject({ id: applied.id, applied: true });
    expect((await refusal(again.call('plan.get', { id: built[0]!.id }))).code).toBe('NOT_FOUND');
    // The run undoes after the restart: the journal holds its plan.
    expect(await f.finished(await again.call('undo', {}))).toMatchObject({
      state: 'done',
      result: { undone: 4, complete: true },
    });
  });
});
