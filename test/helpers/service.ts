import { expect } from 'vitest';
import { SqliteCatalog } from '../../src/catalog/sqlite/sqlite-store.js';
import { systemClock } from '../../src/core/clock.js';
import { NodupeError } from '../../src/core/errors.js';
import { FakeClock } from '../../src/core/fake-clock.js';
import { builtinCandidates } from '../../src/plugins/builtins.js';
import { PluginHost } from '../../src/plugins/host.js';
import { scan } from '../../src/scan/scan.js';
import type { EventBody, JobView } from '../../src/serve/protocol.js';
import { Service } from '../../src/service/service.js';
import { bytes, scratch } from './tree.js';

/**
 * A small real tree with duplicates, scanned into a real catalog in a temporary folder: a group of three photos,
 * two text files, two songs, and `extra` groups of two `.dat` files of sizes 100, 101, ... `plugins` are plugin
 * files (name → source) written to `plugins/` and loaded besides the built-in ones.
 */
export async function serviceFixture(options: { extra?: number; plugins?: Record<string, string> } = {}) {
  const dir = scratch();
  const photo = bytes(3000, 1);
  dir.write('t/a/photo.jpg', photo);
  dir.write('t/b/photo.jpg', photo);
  dir.write('t/b/copy.jpg', photo);
  dir.write('t/docs/x.txt', bytes(1000, 2));
  dir.write('t/docs/y.txt', bytes(1000, 2));
  dir.write('t/m/song.mp3', bytes(500, 3));
  dir.write('t/n/song.mp3', bytes(500, 3));
  dir.write('t/u/unique.bin', bytes(700, 4));
  for (let i = 0; i < (options.extra ?? 0); i++) {
    dir.write(`t/g/${i}-a.dat`, bytes(100 + i, 10 + i));
    dir.write(`t/g/${i}-b.dat`, bytes(100 + i, 10 + i));
  }
  const catalogPath = dir.path('catalog.db');
  const catalog = SqliteCatalog.open(catalogPath);
  await scan({ roots: [dir.path('t')], catalog, threads: 1 });
  catalog.close();
  const clock = new FakeClock({ wallNow: Date.UTC(2026, 5, 1) });
  const files = Object.entries(options.plugins ?? {}).map(([name, source]) => ({
    path: dir.write(`plugins/${name}`, source),
  }));
  // A plugin file loads in a worker of its own, in real time: the host's timeouts run on the real clock then.
  const plugins = new PluginHost({ clock: files.length > 0 ? systemClock : clock });
  await plugins.start([...builtinCandidates(), ...files]);
  const events: EventBody[] = [];
  const open = async () => {
    const service = await Service.open({ catalogPath, env: {}, clock, dataDir: dir.path('data'), plugins });
    service.events.on((e) => events.push(e));
    return service;
  };
  let service = await open();
  return {
    dir,
    clock,
    events,
    get service() {
      return service;
    },
    /** Closes the service and opens it again on the same catalog. */
    async reopen() {
      await service.close();
      service = await open();
      return service;
    },
    /** Resolves with the job's view once it has finished (its job.finished event). */
    finished: (job: JobView): Promise<JobView> => jobFinished(service, job),
    async close() {
      await service.close();
      await plugins.stop();
      dir.remove();
    },
  };
}

/** Resolves with the job's view once it has finished (its job.finished event, or already over when asked). */
export function jobFinished(service: Service, job: JobView): Promise<JobView> {
  return new Promise((resolve, reject) => {
    const off = service.events.on((e) => {
      if (e.type === 'job.finished' && e.job.id === job.id) {
        off();
        resolve(e.job);
      }
    });
    service.call('job', { id: job.id }).then((now) => {
      if (now.state === 'running') return;
      off();
      resolve(now);
    }, reject);
  });
}

/** The NodupeError `work` is refused with (the test fails when it is not refused so). */
export async function refusal(work: Promise<unknown>): Promise<NodupeError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NodupeError);
  return error as NodupeError;
}
