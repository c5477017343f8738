import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, scratchEnv } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

const EXAMPLES = fileURLToPath(new URL('../examples', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/plugins', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = scratch();
  env = scratchEnv(dir);
  const big = bytes(70_000, 3);
  dir.write('t/a/<one>.jpg', big);
  dir.write('t/b/one.jpg', big);
  dir.write('t/a/small', 'same');
  dir.write('t/b/small', 'same');
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env });

describe('nodupe plugins', () => {
  it('list shows the built-in plugins and those in --plugins folders, with what each provides', async () => {
    const r = await cli('plugins', 'list', '--plugins', EXAMPLES);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split('\t').slice(0, 3).join(' '))).toEqual([
      'nodupe.hashers 1.1.0 active',
      'nodupe.formats 1.1.0 active',
      'nodupe.rules 1.1.0 active',
      'nodupe.detectors 1.1.0 active',
      'html-format 1.0.0 active',
    ]);
    expect(lines[3]).toContain('detector images.phash, detector docs.minhash');
    expect(lines[4]).toContain('format html');
  });

  it('info describes one plugin; an unknown name is exit 2', async () => {
    const r = await cli('plugins', 'info', 'nodupe.rules');
    expect(r.stdout).toMatch(/^name: +nodupe\.rules$/m);
    expect(r.stdout).toMatch(/^rules: +newest \(the most recently modified copy\); oldest/m);
    const missing = await cli('plugins', 'info', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no plugin named "nope"; loaded: nodupe\.hashers/);
  });

  it('the example plugin adds an output format: dupes --format html', async () => {
    const r = await cli('dupes', '--plugins', EXAMPLES, '--format', 'html', '--no-progress', 't');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>/);
    expect(r.stdout).toContain(`<li>${dir.path('t/a/&lt;one&gt;.jpg')}</li>`);
    const without = await cli('dupes', '--format', 'html', 't');
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/unknown format "html"; known: text, json, csv, fdupes, ndjson/);
  });

  it('a third-party hasher runs in the hashing workers: groups by it, stores it, verifies with it', async () => {
    const r = await cli(
      'dupes',
      '--plugins',
      FIXTURES,
      '--hash',
      'fnv1a64',
      '--format',
      'json',
      '--no-progress',
      't',
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { algorithm: string; groups: { hash: string }[] };
    expect(doc.algorithm).toBe('fnv1a64');
    expect(doc.groups).toHaveLength(2);
    expect(doc.groups.every((g) => /^[0-9a-f]{16}$/.test(g.hash))).toBe(true);
    const verified = await cli('verify', '--mode', 'checksums', '--plugins', FIXTURES, '--no-progress');
    expect(verified.stdout).toMatch(/verified \(checksums 4\): 0 errors/);
    // Without the plugin, those hashes cannot be checked, and verify says so.
    const unknown = await cli('verify', '--mode', 'checksums', '--no-progress');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('unknown-hash');
  });

  it('a broken plugin is reported and the command goes on without it', async () => {
    dir.write('plugins/broken.mjs', 'export default { name: "broken", version: "x" };');
    const r = await cli('dupes', '--plugins', dir.path('plugins'), '--no-progress', 't');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/plugin .*broken\.mjs: plugin "broken": version must be a semver version/);
    expect(r.stdout).toContain('2 groups');
  });

  it('plugin folders and plugin settings come from the config file too', async () => {
    dir.write(
      'config/nodupe/config.toml',
      `[plugins]\ndirs = ["${EXAMPLES}"]\n\n[plugin.html-format]\ntitle = "mine"\n`,
    );
    const r = await cli('plugins', 'list');
    expect(r.stdout).toContain('html-format');
  });
});

describe('nodupe plugins watch', () => {
  it('prints loads and reloads as they happen, until interrupted', async () => {
    const file = dir.write('plugins/live.mjs', source('1.0.0'));
    const child = spawn(process.execPath, [BIN, 'plugins', 'watch', '--plugins', dir.path('plugins')], {
      env: { ...process.env, ...env },
    });
    const lines: string[] = [];
    const waitFor = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (lines.some((l) => pattern.test(l))) {
            child.stdout.off('data', onData);
            resolve();
          }
        };
        const onData = (chunk: Buffer) => {
          lines.push(...chunk.toString().split('\n'));
          check();
        };
        child.stdout.on('data', onData);
        check();
      });
    await waitFor(/watching .* \(fs\.watch\)/);
    expect(lines.join('\n')).toMatch(/loaded live 1\.0\.0/);
    writeFileSync(file, source('2.0.0'));
    await waitFor(/reloaded live 1\.0\.0 → 2\.0\.0/);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    // Ctrl-C is how a watch ends: a normal end, exit 0.
    expect(code).toBe(0);
  });
});

function source(version: string): string {
  return `export default { name: 'live', version: '${version}', api: '^1' };\n`;
}

describe('nodupe plugins, failing plugins', () => {
  it('a plugin that fails on a dependency leaves no thread behind: the command exits', () => {
    dir.write(
      'plugins/orphan.mjs',
      "export default { name: 'orphan', version: '1.0.0', api: '^1', dependsOn: ['nobody'] };",
    );
    dir.write(
      'plugins/x.mjs',
      "export default { name: 'x', version: '1.0.0', api: '^1', dependsOn: ['y'] };",
    );
    dir.write(
      'plugins/y.mjs',
      "export default { name: 'y', version: '1.0.0', api: '^1', dependsOn: ['x'] };",
    );
    const r = spawnSync(process.execPath, [BIN, 'plugins', 'list', '--plugins', dir.path('plugins')], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/orphan\t1\.0\.0\tfailed\t.*depends on "nobody", which is not installed/);
  });
});
