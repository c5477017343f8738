import { chmodSync, chownSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
let plugins: string;
beforeEach(() => {
  dir = scratch();
  env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
  dir.write('t/a', 'same');
  dir.write('t/b', 'same');
  plugins = dir.path('plugins');
  format('good');
  format('bad');
});
afterEach(() => dir.remove());

const cli = (...args: string[]) =>
  runCli([...args, '--plugins', plugins, '--no-progress'], { cwd: dir.root, env });

/** A plugin file in the plugin folder providing an output format of its name. */
function format(name: string): string {
  return dir.write(
    `plugins/${name}.mjs`,
    `export default { name: '${name}', version: '1.0.0', api: '^1',
  provides: { formats: [{ name: '${name}', render: (report, out) => out.write('${name} format\\n') }] } };\n`,
  );
}

/** The plugins `plugins list` shows, with their states. */
async function states(...args: string[]): Promise<string[]> {
  const r = await cli('plugins', 'list', ...args);
  expect(r.code).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split('\t'))
    .filter(([name]) => !name!.startsWith('nodupe.'))
    .map(([name, , state]) => `${name!.replace(plugins, '<plugins>')} ${state!}`)
    .sort();
}

describe('plugins that other users could change', () => {
  it('a world-writable plugin file is refused, with the reason and the fix; the others load', async () => {
    chmodSync(dir.path('plugins/bad.mjs'), 0o666);
    const r = await cli('dupes', '--format', 'good', 't');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('good format\n');
    expect(r.stderr).toContain(
      `nodupe: plugin ${dir.path('plugins/bad.mjs')}: the plugin file ${dir.path('plugins/bad.mjs')} is ` +
        `writable by other users (mode 0666): refused; fix with \`chmod go-w ${dir.path('plugins/bad.mjs')}\`, ` +
        'or pass --allow-unsafe-plugins',
    );
    const refused = await cli('dupes', '--format', 'bad', 't');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/unknown format "bad"/);
  });

  it('a plugin folder that others can write to: none of its plugins load', async () => {
    chmodSync(plugins, 0o777);
    expect(await states()).toEqual(['<plugins>/bad.mjs failed', '<plugins>/good.mjs failed']);
    const r = await cli('plugins', 'info', `${plugins}/good.mjs`);
    expect(r.stdout).toContain(
      `error:      the plugin folder ${plugins} is writable by other users (mode 0777)`,
    );
  });

  it('a folder plugin with a file its group can write to is refused', async () => {
    dir.write('plugins/folder/package.json', '{ "main": "index.mjs" }');
    dir.write('plugins/folder/index.mjs', "export { default } from './lib.mjs';\n");
    dir.write('plugins/folder/lib.mjs', "export default { name: 'folder', version: '1.0.0', api: '^1' };\n");
    chmodSync(dir.path('plugins/folder/lib.mjs'), 0o664);
    const r = await cli('plugins', 'list');
    expect(r.stdout).toContain(
      `the file ${dir.path('plugins/folder/lib.mjs')} is writable by its group (mode 0664)`,
    );
    chmodSync(dir.path('plugins/folder/lib.mjs'), 0o644);
    expect(await states()).toEqual(['bad active', 'folder active', 'good active']);
  });

  it('--allow-unsafe-plugins, or plugins.allow_unsafe in the config, loads them all the same', async () => {
    chmodSync(dir.path('plugins/bad.mjs'), 0o666);
    chmodSync(plugins, 0o777);
    expect(await states('--allow-unsafe-plugins')).toEqual(['bad active', 'good active']);
    dir.write('config/nodupe/config.toml', '[plugins]\nallow_unsafe = true\n');
    expect(await states()).toEqual(['bad active', 'good active']);
  });

  it.runIf(process.geteuid?.() === 0)('as root, a plugin another user owns is refused', async () => {
    chownSync(dir.path('plugins/bad.mjs'), 12345, 12345);
    const r = await cli('dupes', '--format', 'good', 't');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `the plugin file ${dir.path('plugins/bad.mjs')} is owned by uid 12345, and nodupe runs as root, which ` +
        `loads only what root owns: refused; fix with \`chown root ${dir.path('plugins/bad.mjs')}\``,
    );
    expect(await states()).toEqual(['<plugins>/bad.mjs failed', 'good active']);
  });
});
