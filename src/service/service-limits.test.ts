import { afterEach, describe, expect, it } from 'vitest';
import { refusal, serviceFixture } from '../../test/helpers/service.js';
import { EDIT_LIMITS } from './plan-edit.js';
import { POLICY_LIMITS } from './policy-params.js';

let fixture: Awaited<ReturnType<typeof serviceFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** A glob within every bound on its own that matches no path: each costs its full length on every path. */
const costly = (n: number) =>
  `avoid-match {${Array.from({ length: 60 }, (_, i) => `**/*${i}/Q${n}`).join(',')}}`;

describe('what one request may make the service do in one step', () => {
  it('plan.build: at most so many rules and folders, and the globs of its rules bounded together', async () => {
    const f = (fixture = await serviceFixture());
    const rules = Array.from({ length: POLICY_LIMITS.maxRules + 1 }, () => 'newest');
    expect((await refusal(f.service.call('plan.build', { policy: { rules } }))).message).toBe(
      `plan.build: policy: rules: expected at most ${POLICY_LIMITS.maxRules} items, received ${rules.length}`,
    );
    const protect = Array.from({ length: POLICY_LIMITS.maxFolders + 1 }, () => f.dir.path('t'));
    expect((await refusal(f.service.call('plan.build', { policy: { protect } }))).message).toContain(
      `protect: expected at most ${POLICY_LIMITS.maxFolders} items`,
    );
    // One such glob is fine; three together are a thousand characters of alternatives tried on every path.
    await f.service.call('plan.build', { policy: { rules: [costly(1)] } });
    const refused = await refusal(
      f.service.call('plan.build', { policy: { rules: [costly(1), costly(2), costly(3)] } }),
    );
    expect(refused.code).toBe('BAD_INPUT');
    expect(refused.message).toMatch(
      /^plan\.build: policy\.rules: the globs of the rules expand to more than 1024/,
    );
  });

  it('plan.edit: at most so many edits a batch, and one edit of the whole plan', async () => {
    const f = (fixture = await serviceFixture());
    const plan = await f.service.call('plan.build', {});
    const many = Array.from({ length: EDIT_LIMITS.maxEdits + 1 }, () => ({
      op: 'invert' as const,
      group: 'x',
    }));
    expect((await refusal(f.service.call('plan.edit', { id: plan.id, edits: many }))).message).toBe(
      `plan.edit: edits: expected at most ${EDIT_LIMITS.maxEdits} items, received ${many.length}`,
    );
    const twice = [{ op: 'invert' as const }, { op: 'action' as const, action: 'quarantine' as const }];
    const refused = await refusal(f.service.call('plan.edit', { id: plan.id, edits: twice }));
    expect(refused.message).toMatch(/^plan\.edit: edits: at most 1 edit of the whole plan/);
    // Nothing was changed by the refused batches; one whole-plan edit alone is taken.
    expect((await f.service.call('plan.get', { id: plan.id })).summary).toEqual(plan.summary);
    const inverted = await f.service.call('plan.edit', { id: plan.id, edits: [{ op: 'invert' }] });
    expect(inverted.summary).not.toEqual(plan.summary);
  });

  it('plan.build matches its glob rules a few milliseconds a turn: a request sent after it is answered first', async () => {
    const f = (fixture = await serviceFixture({ extra: 20 }));
    const order: string[] = [];
    const plan = f.service
      .call('plan.build', { policy: { rules: ['avoid-match **/b/*.jpg'] } })
      .then((view) => (order.push('plan.build'), view));
    const stats = f.service.call('stats', {}).then(() => order.push('stats'));
    const [view] = await Promise.all([plan, stats]);
    expect(order).toEqual(['stats', 'plan.build']);
    expect(view.warnings).toEqual([]);
    // The rule decided as from the command line: the photo under a/ is kept, those under b/ go.
    const photos = (await f.service.call('groups', { kind: 'image' })).groups[0]!;
    const members = (await f.service.call('group', { key: photos.key, plan: view.id })).members;
    const roles = Object.fromEntries(
      members.map((m) => [m.paths[0]!.text.split('/t/')[1]!, m.plan?.role] as const),
    );
    expect(roles).toEqual({ 'a/photo.jpg': 'keeper', 'b/copy.jpg': 'action', 'b/photo.jpg': 'action' });
  });
});
