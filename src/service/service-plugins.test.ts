import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceFixture } from '../../test/helpers/service.js';

let fixture: Awaited<ReturnType<typeof serviceFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** A keeper rule `live` that keeps the photo whose path contains `favourite`. */
const rule = (version: string, favourite: string) =>
  `const rank = (f) => (String(f.paths[0]).includes(${JSON.stringify(favourite)}) ? 0 : 1);
export default { name: 'live-rule', version: '${version}', api: '^1',
  provides: { rules: [{ name: 'live', compare: (a, b) => rank(a) - rank(b) }] } };
`;

describe('plugins.reload', () => {
  it('reloads the plugin files, says so in one event, and the next plan uses the new rule', async () => {
    const f = (fixture = await serviceFixture({ plugins: { 'live.mjs': rule('1.0.0', '/b/copy') } }));
    const { service, dir, events } = f;
    const keeperOfPhotos = async () => {
      const plan = await service.call('plan.build', { policy: { rules: ['live'] } });
      const photos = (await service.call('groups', { kind: 'image' })).groups[0]!;
      const members = (await service.call('group', { key: photos.key, plan: plan.id })).members;
      return members.find((m) => m.plan?.role === 'keeper')!.paths[0]!.text;
    };
    expect(await keeperOfPhotos()).toBe(dir.path('t/b/copy.jpg'));

    writeFileSync(dir.path('plugins/live.mjs'), rule('2.0.0', '/a/'));
    const plugins = await service.call('plugins.reload', {});
    expect(plugins).toContainEqual(
      expect.objectContaining({
        name: 'live-rule',
        version: '2.0.0',
        state: 'active',
        provides: ['rule live'],
      }),
    );
    const reloaded = events.filter((e) => e.type === 'plugins.reloaded');
    expect(reloaded).toEqual([{ type: 'plugins.reloaded', plugins }]);
    expect(await keeperOfPhotos()).toBe(dir.path('t/a/photo.jpg'));
  });

  it('a broken new version keeps the old one, and says why', async () => {
    const f = (fixture = await serviceFixture({ plugins: { 'live.mjs': rule('1.0.0', '/b/copy') } }));
    const { service, dir } = f;
    writeFileSync(dir.path('plugins/live.mjs'), 'export default {');
    const plugins = await service.call('plugins.reload', {});
    expect(plugins.find((p) => p.name === 'live-rule')).toMatchObject({ version: '1.0.0', state: 'active' });
    const plan = await service.call('plan.build', { policy: { rules: ['live'] } });
    expect(plan.summary.groups).toBe(3);
  });
});
