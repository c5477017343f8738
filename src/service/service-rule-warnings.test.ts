import { afterEach, describe, expect, it } from 'vitest';
import { serviceFixture } from '../../test/helpers/service.js';
import { RULE_WARNINGS_KEPT, RuleWarnings } from './plan-view.js';

let fixture: Awaited<ReturnType<typeof serviceFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const decidedNothing = (rule: string) =>
  `${rule}: the glob matched no file of any group, so the rule decided nothing`;

describe('keeper rules that match nothing, over the API', () => {
  it('are warned of by plan.build in the CLI words, and still after an edit and on plan.get', async () => {
    const f = (fixture = await serviceFixture());
    // Paths are absolute: a glob written relative to the scanned folder matches none of them.
    const plan = await f.service.call('plan.build', {
      policy: { rules: ['prefer-match:t/b/**', 'avoid-match **/n/*.mp3'] },
    });
    expect(plan.warnings).toEqual([decidedNothing('prefer-match t/b/**')]);

    const photos = (await f.service.call('groups', { kind: 'image' })).groups[0]!;
    const members = (await f.service.call('group', { key: photos.key, plan: plan.id })).members;
    const acted = members.find((m) => m.plan?.role === 'action')!;
    const edited = await f.service.call('plan.edit', {
      id: plan.id,
      edits: [{ op: 'keep', file: acted.id }],
    });
    expect(edited.warnings).toEqual([decidedNothing('prefer-match t/b/**')]);
    expect((await f.service.call('plan.get', { id: plan.id })).warnings).toEqual(edited.warnings);
  });

  it('come before the warnings of the plan itself, and are not said of a rule that matched', async () => {
    const f = (fixture = await serviceFixture());
    const plan = await f.service.call('plan.build', {
      action: 'delete',
      policy: { rules: ['prefer-match:**/b/**', 'avoid-match:*.png'] },
    });
    expect(plan.warnings).toHaveLength(2);
    expect(plan.warnings[0]).toBe(decidedNothing('avoid-match *.png'));
    expect(plan.warnings[1]).toMatch(/^this plan deletes files/);
    const plain = await f.service.call('plan.build', { policy: { rules: ['prefer-match:**/b/**'] } });
    expect(plain.warnings).toEqual([]);
  });
});

describe('RuleWarnings', () => {
  it('remembers the warnings of the newest plans only', () => {
    const warnings = new RuleWarnings();
    for (let i = 0; i <= RULE_WARNINGS_KEPT; i++) warnings.set(`plan-${i}`, [`rule ${i}`]);
    warnings.set('quiet', []);
    expect(warnings.of('plan-0')).toEqual([]);
    expect(warnings.of('plan-1')).toEqual(['rule 1']);
    expect(warnings.of(`plan-${RULE_WARNINGS_KEPT}`)).toEqual([`rule ${RULE_WARNINGS_KEPT}`]);
    expect(warnings.of('quiet')).toEqual([]);
  });
});
