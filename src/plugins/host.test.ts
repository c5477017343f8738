import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch } from '../../test/helpers/tree.js';
import { FakeClock } from '../core/fake-clock.js';
import { systemClock } from '../core/clock.js';
import { PLUGIN_API_VERSION } from './api.js';
import { BUILTIN_PLUGINS, builtinCandidates } from './builtins.js';
import { apiSatisfies, checkManifest } from './manifest.js';
import { PluginHost, type HostEvent } from './host.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => (dir = scratch()));
afterEach(() => dir.remove());

/** A plugin file providing a format whose output says which version rendered it. */
function plugin(
  name: string,
  options: {
    version?: string;
    api?: string;
    dependsOn?: string[];
    setup?: string;
    teardown?: string;
    body?: string;
  } = {},
): string {
  const version = options.version ?? '1.0.0';
  return dir.write(
    `plugins/${name}.mjs`,
    `${options.body ?? ''}
export default {
  name: '${name}',
  version: '${version}',
  api: '${options.api ?? '^1'}',
  dependsOn: ${JSON.stringify(options.dependsOn ?? [])},
  provides: { formats: [{ name: 'fmt-${name}', render: (report, out) => out.write('${name} ${version}') }] },
  setup: async (ctx) => { ${options.setup ?? ''} },
  teardown: async () => { ${options.teardown ?? ''} },
};
`,
  );
}

function render(host: PluginHost, format: string): string {
  let out = '';
  host.registry.get('formats', format)?.render({} as never, { write: (c) => void (out += c.toString()) });
  return out;
}

function recording(host: PluginHost): HostEvent[] {
  const events: HostEvent[] = [];
  host.on((e) => events.push(e));
  return events;
}

describe('plugin host', () => {
  it("nodupe's own plugins are valid manifests for this API (the host does not re-check them at start-up)", () => {
    for (const definition of BUILTIN_PLUGINS) {
      expect(() => checkManifest(definition)).not.toThrow();
      expect(apiSatisfies(PLUGIN_API_VERSION, definition.api)).toBe(true);
    }
  });

  it('starts the built-ins and file plugins; each provides under its name', async () => {
    const host = new PluginHost({ clock: systemClock });
    await host.start([...builtinCandidates(), { path: plugin('alpha') }]);
    expect(host.list().map((p) => [p.name, p.state])).toEqual([
      ['nodupe.hashers', 'active'],
      ['nodupe.formats', 'active'],
      ['nodupe.rules', 'active'],
      ['nodupe.detectors', 'active'],
      ['alpha', 'active'],
    ]);
    expect(host.registry.names('hashers')).toEqual(['xxh3', 'xxh128', 'sha256', 'blake3']);
    expect(host.registry.providerOf('formats', 'fmt-alpha')).toBe('alpha');
    expect(render(host, 'fmt-alpha')).toBe('alpha 1.0.0');
  });

  it('a reload swaps the behaviour: the host calls the new code, then tears the old down', async () => {
    const host = new PluginHost({ clock: systemClock });
    const path = plugin('beta', {
      setup: 'globalThis.log = ctx.logger;',
      teardown: "globalThis.log.info('torn down');",
    });
    await host.start([{ path }]);
    plugin('beta', { version: '2.0.0' });
    const events = recording(host);
    await host.reloadFile(path);
    expect(render(host, 'fmt-beta')).toBe('beta 2.0.0');
    expect(events).toEqual([
      { type: 'reloaded', plugin: 'beta', from: '1.0.0', to: '2.0.0', path },
      { type: 'log', level: 'info', plugin: 'beta', message: 'torn down' },
    ]);
    expect(host.get('beta')).toMatchObject({ version: '2.0.0', loads: 2, state: 'active' });
  });

  it('a syntax error, or a setup that throws, keeps the old version active and says why', async () => {
    const host = new PluginHost({ clock: systemClock });
    const path = plugin('gamma');
    await host.start([{ path }]);
    const events = recording(host);
    writeFileSync(path, 'export default {{ broken');
    await host.reloadFile(path);
    plugin('gamma', { version: '3.0.0', setup: "throw new Error('no database');" });
    await host.reloadFile(path);
    expect(render(host, 'fmt-gamma')).toBe('gamma 1.0.0');
    expect(events.map((e) => e.type === 'failed' && [e.kept, e.error.split(':')[0]])).toEqual([
      ['1.0.0', `cannot load ${path}`],
      ['1.0.0', 'setup failed'],
    ]);
    expect(host.get('gamma')?.error).toMatch(
      /the last reload failed, version 1.0.0 stays active: setup failed: no database/,
    );
  });

  it('unloading a plugin removes what it provided, and its dependents', async () => {
    const host = new PluginHost({ clock: systemClock });
    const base = plugin('base');
    await host.start([{ path: base }, { path: plugin('child', { dependsOn: ['base'] }) }]);
    await host.unloadFile(base);
    expect(host.registry.get('formats', 'fmt-base')).toBeUndefined();
    expect(host.registry.get('formats', 'fmt-child')).toBeUndefined();
    expect(host.list()).toEqual([]);
  });

  it('dependents unloaded with their dependency come back when it does', async () => {
    const host = new PluginHost({ clock: systemClock });
    const base = plugin('base');
    await host.start([{ path: base }, { path: plugin('child', { dependsOn: ['base'] }) }]);
    await host.unloadFile(base);
    expect(host.get('child')).toBeUndefined();
    const childBack = new Promise((resolve) =>
      host.on((e) => e.type === 'loaded' && e.plugin === 'child' && resolve(e)),
    );
    await host.reloadFile(base);
    await childBack;
    expect(host.registry.get('formats', 'fmt-child')).toBeDefined();
    await host.stop();
  });

  it('orders by dependencies; a cycle, a missing dependency and an API mismatch are clear errors naming the plugins', async () => {
    const host = new PluginHost({ clock: systemClock });
    const events = recording(host);
    await host.start([
      { path: plugin('needs-a', { dependsOn: ['a'], setup: "ctx.logger.info('set up');" }) },
      {
        path: plugin('a', {
          setup: "await Promise.resolve(); ctx.logger.info('set up');",
        }),
      },
      { path: plugin('x', { dependsOn: ['y'] }) },
      { path: plugin('y', { dependsOn: ['x'] }) },
      { path: plugin('orphan', { dependsOn: ['nobody'] }) },
      { path: plugin('future', { api: '^2' }) },
      { path: plugin('after-failed', { dependsOn: ['future'] }) },
    ]);
    const state = Object.fromEntries(host.list().map((p) => [p.name, p.error ?? p.state]));
    expect(state).toMatchObject({
      'needs-a': 'active',
      a: 'active',
      x: 'dependency cycle: x → y → x',
      y: 'dependency cycle: x → y → x',
      orphan: 'depends on "nobody", which is not installed',
    });
    const future = dir.path('plugins/future.mjs');
    expect(state[future]).toBe(
      `${future}: plugin "future" needs plugin API "^2", but this nodupe provides ${PLUGIN_API_VERSION}`,
    );
    expect(state['after-failed']).toBe('depends on "future", which is not installed');
    expect(events.filter((e) => e.type === 'log').map((e) => e.plugin)).toEqual(['a', 'needs-a']);
  });

  it('one failing plugin does not stop the others; a name another plugin holds is refused', async () => {
    const host = new PluginHost({ clock: systemClock });
    writeFileSync(dir.write('plugins/broken.mjs', ''), 'export default 42;');
    const thief = dir.write(
      'plugins/thief.mjs',
      "export default { name: 'thief', version: '1.0.0', api: '^1', provides: { formats: [{ name: 'text', render() {} }] } };",
    );
    await host.start([
      ...builtinCandidates(),
      { path: dir.path('plugins/broken.mjs') },
      { path: thief },
      { path: plugin('good') },
    ]);
    const byName = Object.fromEntries(host.list().map((p) => [p.name, p]));
    expect(byName.good?.state).toBe('active');
    expect(byName[dir.path('plugins/broken.mjs')]?.error).toMatch(
      /plugin: expected an object from definePlugin/,
    );
    expect(byName.thief?.error).toBe('format "text" is already provided by plugin "nodupe.formats"');
    expect(host.registry.providerOf('formats', 'text')).toBe('nodupe.formats');
  });

  it('a setup that never finishes fails its plugin when the timeout passes on the clock', async () => {
    const clock = new FakeClock();
    const host = new PluginHost({ clock, timeoutMs: 1000 });
    // The fake clock stands still while a plugin's setup runs for real in its worker: time moves only below.
    await host.start([{ path: plugin('fine') }]);
    const starting = host.start([{ path: plugin('stuck', { setup: 'await new Promise(() => {});' }) }]);
    // Loading is real work in a worker; the clock moves once setup has begun.
    while (host.get('stuck')?.state !== 'loading') await new Promise((resolve) => setImmediate(resolve));
    while (host.get('stuck')?.state !== 'failed') {
      await clock.advanceAsync(100);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await starting;
    expect(host.get('stuck')?.error).toBe('setup failed: setup of "stuck" did not finish within 1000 ms');
    expect(host.get('fine')?.state).toBe('active');
  });
});

describe('plugin host after the review', () => {
  it('a plugin whose module never finishes loading fails when the timeout passes; the others start', async () => {
    const clock = new FakeClock();
    const host = new PluginHost({ clock, timeoutMs: 1000 });
    const endless = dir.write('plugins/endless.mjs', 'while (true) {}\nexport default {};');
    // Loading takes real time in a worker while the fake clock stands still: 'fine' loads first, untimed.
    await host.start([{ path: plugin('fine') }]);
    const state = { done: false };
    const starting = host.start([{ path: endless }]).then(() => (state.done = true));
    while (!state.done) {
      await clock.advanceAsync(100);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await starting;
    expect(host.get(endless)?.error).toBe(`cannot load ${endless}: loading did not finish within 1000 ms`);
    expect(host.get('fine')?.state).toBe('active');
    await host.stop();
  });

  it('a plugin whose worker dies after setup is failed and its contributions go', async () => {
    const host = new PluginHost({ clock: systemClock });
    const events = recording(host);
    const failed = new Promise((resolve) => host.on((e) => e.type === 'failed' && resolve(e)));
    // The worker dies after a call it answered, so surely after setup.
    const fragile = dir.write(
      'plugins/fragile.mjs',
      `export default {
  name: 'fragile', version: '1.0.0', api: '^1',
  provides: { formats: [{ name: 'fmt-fragile', render: (report, out) => {
    out.write('ok');
    setImmediate(() => { throw new Error('boom'); });
  } }] },
};`,
    );
    await host.start([{ path: fragile }]);
    expect(host.get('fragile')?.state).toBe('active');
    try {
      host.registry.get('formats', 'fmt-fragile')!.render({} as never, { write: () => undefined });
    } catch (error) {
      // The worker may die before its answer is read: the call then says so. Either way it dies after setup.
      expect((error as Error).message).toBe('plugin "fragile": its worker exited');
    }
    await failed;
    expect(host.get('fragile')).toMatchObject({ state: 'failed' });
    expect(host.get('fragile')?.error).toMatch(/it stopped working: its worker (failed: boom|exited)/);
    expect(host.registry.get('formats', 'fmt-fragile')).toBeUndefined();
    expect(events.some((e) => e.type === 'loaded')).toBe(true);
    await host.stop();
  });
});
