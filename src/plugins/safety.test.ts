import { chmodSync, chownSync, existsSync, lchownSync, mkdirSync, symlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch } from '../../test/helpers/tree.js';
import { systemClock } from '../core/clock.js';
import { PluginHost, type HostEvent } from './host.js';
import { unsafePlugin } from './safety.js';

let dir: ReturnType<typeof scratch>;
let folder: string;
const uid = process.geteuid!();
const asRoot = uid === 0;
/** Someone else: a uid that owns nothing here. */
const OTHER = 12345;

beforeEach(() => {
  dir = scratch();
  folder = dir.path('plugins');
  mkdirSync(folder, { mode: 0o755 });
});
afterEach(() => dir.remove());

const judge = (path: string, options: { uid?: number; folders?: string[] } = {}) =>
  unsafePlugin(path, { folders: options.folders ?? [folder], uid: options.uid ?? uid });

function file(relative: string, mode = 0o644): string {
  const path = dir.write(relative, 'export default {};\n');
  chmodSync(path, mode);
  return path;
}

describe('unsafePlugin', () => {
  it('passes a plugin file, its folder and a folder plugin that only their owner can change', () => {
    expect(judge(file('plugins/a.mjs'))).toBeUndefined();
    file('plugins/b/package.json');
    expect(judge(file('plugins/b/lib/index.mjs'))).toBeUndefined();
  });

  it('refuses a plugin file writable by others or by its group, with the mode and the fix', () => {
    const path = file('plugins/a.mjs', 0o666);
    expect(judge(path)).toBe(
      `the plugin file ${path} is writable by other users (mode 0666): refused; fix with \`chmod go-w ${path}\`, ` +
        'or pass --allow-unsafe-plugins (plugins.allow_unsafe = true in the config)',
    );
    chmodSync(path, 0o664);
    expect(judge(path)).toMatch(/is writable by its group \(mode 0664\)/);
  });

  it('refuses every plugin of a plugin folder that others can write to', () => {
    const path = file('plugins/a.mjs');
    chmodSync(folder, 0o777);
    expect(judge(path)).toMatch(`the plugin folder ${folder} is writable by other users (mode 0777)`);
  });

  it('refuses a folder plugin when its folder, or any file or folder in it, can be changed by others', () => {
    const entry = file('plugins/b/index.mjs');
    file('plugins/b/lib/deep/helper.mjs', 0o646);
    expect(judge(entry)).toMatch(
      `the file ${dir.path('plugins/b/lib/deep/helper.mjs')} is writable by other users`,
    );
    chmodSync(dir.path('plugins/b/lib/deep/helper.mjs'), 0o644);
    chmodSync(dir.path('plugins/b/lib'), 0o775);
    expect(judge(entry)).toMatch(
      `the folder ${dir.path('plugins/b/lib')} is writable by its group (mode 0775)`,
    );
    chmodSync(dir.path('plugins/b/lib'), 0o755);
    chmodSync(dir.path('plugins/b'), 0o757);
    expect(judge(entry)).toMatch(`the folder plugin ${dir.path('plugins/b')} is writable by other users`);
  });

  it('judges a symbolic link and what it points to', () => {
    const target = file('elsewhere/real.mjs', 0o666);
    const link = dir.path('plugins/linked.mjs');
    symlinkSync(target, link);
    expect(judge(link)).toMatch(
      `the plugin link ${link} points to ${target}, which is writable by other users (mode 0666)`,
    );
    chmodSync(target, 0o644);
    expect(judge(link)).toBeUndefined();
  });

  it('judges a file outside every plugin folder (a hasher module named by path) with its folder', () => {
    const path = file('modules/state.mjs');
    expect(judge(path)).toBeUndefined();
    chmodSync(dir.path('modules'), 0o777);
    expect(judge(path)).toMatch(`the folder ${dir.path('modules')} is writable by other users`);
  });

  it('refuses what another user owns; root owns what everyone may load', () => {
    const path = file('plugins/a.mjs');
    // Judged as another user: the file is not theirs, and (unless it is root's) not root's.
    if (asRoot) expect(judge(path, { uid: OTHER })).toBeUndefined();
    else
      expect(judge(path, { uid: OTHER })).toMatch(
        `is owned by uid ${uid}, not by you (uid ${OTHER}) or root`,
      );
  });

  it.runIf(asRoot)(
    'as root, refuses a plugin file, a plugin folder and a link that another user owns',
    () => {
      const path = file('plugins/a.mjs');
      chownSync(path, OTHER, OTHER);
      expect(judge(path)).toBe(
        `the plugin file ${path} is owned by uid ${OTHER}, and nodupe runs as root, which loads only what root ` +
          `owns: refused; fix with \`chown root ${path}\`, or pass --allow-unsafe-plugins (plugins.allow_unsafe = ` +
          'true in the config)',
      );
      chownSync(path, 0, 0);
      chownSync(folder, OTHER, OTHER);
      expect(judge(path)).toMatch(`the plugin folder ${folder} is owned by uid ${OTHER}`);
      chownSync(folder, 0, 0);
      const link = dir.path('plugins/linked.mjs');
      symlinkSync(path, link);
      lchownSync(link, OTHER, OTHER);
      expect(judge(link)).toMatch(`the plugin link ${link} is owned by uid ${OTHER}`);
      expect(judge(link)).toContain(`\`chown -h root ${link}\``);
    },
  );
});

describe('the plugin host with a safety check', () => {
  const format = (name: string, module?: string) =>
    `export default { name: '${name}', version: '1.0.0', api: '^1', provides: { ${
      module === undefined
        ? `formats: [{ name: '${name}', render: (r, out) => out.write('${name}') }]`
        : `hashers: [{ name: '${name}', module: '${module}' }]`
    } } };\n`;

  async function start(...paths: string[]) {
    const host = new PluginHost({ clock: systemClock, safety: { folders: [folder], uid } });
    const events: HostEvent[] = [];
    host.on((e) => events.push(e));
    await host.start(paths.map((path) => ({ path })));
    return { host, events };
  }

  it('refuses an unsafe plugin with the reason, starts the others, and judges a reload again', async () => {
    const good = dir.write('plugins/good.mjs', format('good'));
    const bad = dir.write('plugins/bad.mjs', format('bad'));
    chmodSync(bad, 0o666);
    const { host, events } = await start(good, bad);
    try {
      expect(host.get('good')?.state, JSON.stringify(host.list())).toBe('active');
      const failed = events.filter((e) => e.type === 'failed');
      expect(failed).toMatchObject([{ type: 'failed', plugin: bad, path: bad }]);
      expect(failed[0]!.error).toContain(`the plugin file ${bad} is writable by other users (mode 0666)`);
      chmodSync(bad, 0o644);
      await host.reloadFile(bad);
      expect(host.get('bad')?.state, JSON.stringify(host.list())).toBe('active');
      chmodSync(good, 0o666);
      await host.reloadFile(good);
      expect(host.get('good')?.error).toMatch(
        /the last reload failed, version 1\.0\.0 stays active: .*writable/,
      );
    } finally {
      await host.stop();
    }
  });

  it('refuses a plugin whose hasher module others can change, before the module is imported', async () => {
    const marker = dir.path('imported');
    const module = dir.write(
      'modules/state.mjs',
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, '');\n`,
    );
    chmodSync(module, 0o666);
    const path = dir.write('plugins/hashes.mjs', format('hashes', module));
    const { host } = await start(path);
    try {
      expect(host.get('hashes')?.state).toBe('failed');
      expect(host.get('hashes')?.error).toMatch(
        `hasher "hashes": the file ${module} is writable by other users (mode 0666)`,
      );
      expect(host.registry.get('hashers', 'hashes')).toBeUndefined();
      expect(existsSync(marker)).toBe(false);
    } finally {
      await host.stop();
    }
  });
});
