// `nodupe serve` on a shared PostgreSQL catalog: the service opens the server's catalog as this machine, its scan
// job runs on a thread of its own with its own connection, and the page's groups, plan, apply and undo work on
// this machine's files.
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/core/fake-clock.js';
import { builtinCandidates } from '../src/plugins/builtins.js';
import { PluginHost } from '../src/plugins/host.js';
import type { JobView } from '../src/serve/protocol.js';
import { Service } from '../src/service/service.js';
import { postgresAvailable } from './helpers/postgres.js';
import { jobFinished } from './helpers/service.js';
import { scratchDatabase, type ScratchDatabase } from './helpers/postgres-database.js';
import { bytes, scratch } from './helpers/tree.js';

describe.skipIf(!postgresAvailable())('nodupe serve on a shared PostgreSQL catalog', () => {
  let db: ScratchDatabase;
  let dir: ReturnType<typeof scratch>;
  let service: Service;
  let plugins: PluginHost;

  beforeEach(async () => {
    db = await scratchDatabase();
    dir = scratch();
    const clock = new FakeClock({ wallNow: Date.UTC(2026, 5, 1) });
    plugins = new PluginHost({ clock });
    await plugins.start(builtinCandidates());
    service = await Service.open({
      catalogPath: db.url,
      env: { NODUPE_MACHINE_ID: 'laptop', XDG_STATE_HOME: dir.path('state') },
      clock,
      dataDir: dir.path('data'),
      plugins,
    });
  });
  afterEach(async () => {
    await service.close();
    await plugins.stop();
    await db.drop();
    dir.remove();
  });

  const finished = (job: JobView): Promise<JobView> => jobFinished(service, job);

  it('scans on its own thread, lists the groups, applies a plan and undoes it', async () => {
    const photo = bytes(3000, 1);
    dir.write('t/a/photo.jpg', photo);
    dir.write('t/b/photo.jpg', photo);
    dir.write('t/u/unique.bin', bytes(700, 4));
    const scanned = await finished(await service.call('scan', { paths: [dir.path('t')] }));
    expect(scanned.state).toBe('done');
    const page = await service.call('groups', {});
    expect(page.groups.map((g) => [g.size, g.files])).toEqual([[3000, 2]]);
    const plan = await service.call('plan.build', {});
    const applied = await finished(await service.call('apply', { plan: plan.id }));
    expect(applied.state).toBe('done');
    const left = [dir.path('t/a/photo.jpg'), dir.path('t/b/photo.jpg')].filter((p) => existsSync(p));
    expect(left).toHaveLength(1);
    const undone = await finished(await service.call('undo', {}));
    expect(undone.state).toBe('done');
    expect(existsSync(dir.path('t/a/photo.jpg')) && existsSync(dir.path('t/b/photo.jpg'))).toBe(true);
  });
});
