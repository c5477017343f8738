import { renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { FakeClock } from '../src/core/fake-clock.js';
import { PluginHost, type HostEvent } from '../src/plugins/host.js';
import { HotReloader, type ReloaderEvent } from '../src/plugins/hot-reload.js';
import { watchFolders } from '../src/plugins/watcher.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let host: PluginHost;
let reloader: HotReloader | undefined;
/** Listeners of the reloader's own events (unchanged saves, fallbacks). */
const waiters: ((event: ReloaderEvent) => void)[] = [];

beforeEach(() => {
  dir = scratch();
  waiters.length = 0;
});
afterEach(async () => {
  reloader?.close();
  reloader = undefined;
  await host.stop();
  dir.remove();
});

const source = (version: string) =>
  `export default { name: 'live', version: '${version}', api: '^1',
    provides: { formats: [{ name: 'live', render: (r, out) => out.write('${version}') }] } };\n`;

function render(): string {
  let out = '';
  host.registry.get('formats', 'live')?.render({} as never, { write: (c) => void (out += c.toString()) });
  return out;
}

/** Resolves at the first host event that matches: tests wait for the event, never for a fixed time. */
function next(type: HostEvent['type']): Promise<HostEvent> {
  return new Promise((resolve) => {
    const off = host.on((e) => {
      if (e.type === type) {
        off();
        resolve(e);
      }
    });
  });
}

async function startWatching(options: { clock?: FakeClock; poll?: boolean } = {}) {
  const file = dir.write('plugins/live.mjs', source('1.0.0'));
  // The host's own timeouts run on the real clock: loading a plugin takes real time in its worker.
  host = new PluginHost({ clock: systemClock });
  await host.start([{ path: file }]);
  reloader = new HotReloader({
    host,
    folders: [dir.path('plugins')],
    clock: options.clock ?? systemClock,
    debounceMs: 20,
    ...(options.poll ? { poll: true, pollIntervalMs: 100 } : {}),
    onEvent: (e) => waiters.forEach((w) => w(e)),
  });
  const backend = reloader.start();
  return { file, backend };
}

describe('hot reload through fs.watch (inotify)', () => {
  it('a write reloads the plugin: the host calls the new code', async () => {
    const { file, backend } = await startWatching();
    expect(backend).toBe('fs.watch');
    const reloaded = next('reloaded');
    writeFileSync(file, source('2.0.0'));
    expect(await reloaded).toMatchObject({ plugin: 'live', from: '1.0.0', to: '2.0.0' });
    expect(render()).toBe('2.0.0');
  });

  it('an editor-style save (a temporary file renamed over) is seen; a broken one keeps the old version', async () => {
    const { file } = await startWatching();
    const reloaded = next('reloaded');
    writeFileSync(`${file}.swp`, source('2.0.0'));
    renameSync(`${file}.swp`, file);
    await reloaded;
    const failed = next('failed');
    writeFileSync(file, 'export default {');
    expect(await failed).toMatchObject({ plugin: 'live', kept: '2.0.0' });
    expect(render()).toBe('2.0.0');
  });

  it('a save that leaves the bytes as they were reloads nothing; a burst of writes reloads once', async () => {
    const { file } = await startWatching();
    const reloads: HostEvent[] = [];
    host.on((e) => e.type === 'reloaded' && reloads.push(e));
    const unchanged = new Promise<void>((resolve) =>
      waiters.push((e) => e.type === 'unchanged' && resolve()),
    );
    writeFileSync(file, source('1.0.0'));
    await unchanged;
    expect(reloads).toEqual([]);
    const reloaded = next('reloaded');
    for (let i = 0; i < 5; i++) writeFileSync(file, source(`3.0.${i}`));
    await reloaded;
    expect(render()).toBe('3.0.4');
    expect(reloads).toHaveLength(1);
  });

  it('a deleted plugin is torn down and unloaded; a new file is loaded', async () => {
    const { file } = await startWatching();
    const unloaded = next('unloaded');
    unlinkSync(file);
    expect(await unloaded).toMatchObject({ plugin: 'live', reason: 'its file was removed' });
    expect(host.registry.get('formats', 'live')).toBeUndefined();
    const loaded = next('loaded');
    writeFileSync(dir.path('plugins/again.mjs'), source('4.0.0'));
    expect(await loaded).toMatchObject({ plugin: 'live', version: '4.0.0' });
  });
});

describe('hot reload of folder plugins', () => {
  it('reloads when any file of the folder changes, and after the folder is removed and made again', async () => {
    const folder = dir.path('plugins/fp');
    const write = (version: string) => {
      dir.write('plugins/fp/package.json', JSON.stringify({ main: 'index.mjs' }));
      dir.write('plugins/fp/helper.mjs', `export const v = '${version}';\n`);
      dir.write(
        'plugins/fp/index.mjs',
        source('1.0.0')
          .replace("version: '1.0.0'", 'version: v')
          .replace(/^/, "import { v } from './helper.mjs';\n"),
      );
    };
    write('1.0.0');
    host = new PluginHost({ clock: systemClock });
    await host.start([{ path: join(folder, 'index.mjs') }]);
    reloader = new HotReloader({ host, folders: [dir.path('plugins')], clock: systemClock, debounceMs: 20 });
    reloader.start();
    let reloaded = next('reloaded');
    dir.write('plugins/fp/helper.mjs', "export const v = '2.0.0';\n");
    expect(await reloaded).toMatchObject({ to: '2.0.0' });
    const unloaded = next('unloaded');
    rmSync(folder, { recursive: true });
    await unloaded;
    const loaded = next('loaded');
    write('3.0.0');
    expect(await loaded).toMatchObject({ version: '3.0.0' });
    reloaded = next('reloaded');
    dir.write('plugins/fp/helper.mjs', "export const v = '4.0.0';\n");
    expect(await reloaded).toMatchObject({ to: '4.0.0' });
  });
});

describe('hot reload by polling', () => {
  it('polls on the clock: a change is picked up at the next poll, then debounced', async () => {
    const clock = new FakeClock();
    const { file, backend } = await startWatching({ clock, poll: true });
    expect(backend).toBe('polling');
    const state = { done: false };
    const reloaded = next('reloaded').then(() => (state.done = true));
    writeFileSync(file, source('2.0.0'));
    // Time moves only when the test moves it; between steps, the real import gets its turn.
    while (!state.done) {
      await clock.advanceAsync(20);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await reloaded;
    expect(render()).toBe('2.0.0');
    expect(clock.now()).toBeGreaterThanOrEqual(120);
  });

  it('falls back to polling when fs.watch fails (the inotify limit), and says why', () => {
    const reasons: string[] = [];
    dir.write('plugins/p.mjs', 'export default {};');
    const watcher = watchFolders([dir.path('plugins')], {
      clock: new FakeClock(),
      onChange: () => undefined,
      onFallback: (reason) => reasons.push(reason),
      watch: () => {
        throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
          code: 'ENOSPC',
        });
      },
    });
    expect(watcher.backend).toBe('polling');
    expect(reasons[0]).toMatch(/fs\.watch failed: ENOSPC/);
    watcher.close();
    host = new PluginHost({ clock: systemClock });
  });
});
