import { chmodSync, copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreBuffers } from '../src/plugins/plugin-paths.js';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';

const EXAMPLE = fileURLToPath(new URL('../examples/html-format.mjs', import.meta.url));

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
/** `t/a/f\xffo`: a name that is not UTF-8, and a copy of it at `t/b/plain`. */
let odd: Buffer;
beforeEach(() => {
  // The system's temporary folder: outside the repository, with no nodupe installed anywhere above it.
  dir = scratch();
  env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
  dir.write('t/b/plain', 'same content\n');
  mkdirSync(dir.path('t/a'));
  odd = Buffer.concat([Buffer.from(dir.path('t/a/')), Buffer.of(0x66, 0xff, 0x6f)]);
  writeFileSync(odd, 'same content\n');
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli([...args, '--no-progress'], { cwd: dir.root, env });
const shown = () => `${dir.path('t/a/')}f\ufffdo`;

describe('names that are not UTF-8 in csv output', () => {
  it('dupes --format csv writes the raw bytes of such a name, quoted as CSV requires', async () => {
    const quoted = Buffer.concat([
      Buffer.from(dir.path('q/')),
      Buffer.from('x,"', 'latin1'),
      Buffer.of(0xff),
    ]);
    dir.write('q/copy', 'other content\n');
    writeFileSync(quoted, 'other content\n');
    const r = await runCli(['dupes', '--format', 'csv', 't', 'q'], { cwd: dir.root, env });
    expect(r.code).toBe(0);
    expect(r.bytes.includes(Buffer.concat([Buffer.from(','), odd, Buffer.from(',no,,no\n')]))).toBe(true);
    const field = Buffer.concat([
      Buffer.from(`,"${dir.path('q/')}x,""`),
      Buffer.of(0xff),
      Buffer.from('",no,,no\n'),
    ]);
    expect(r.bytes.includes(field)).toBe(true);
    expect(r.bytes.includes(Buffer.from('\ufffd'))).toBe(false);
  });
});

describe('plugins in a folder of their own, without nodupe installed beside them', () => {
  it('the example html plugin, copied out, loads and shows a name that is not UTF-8 as text', async () => {
    mkdirSync(dir.path('plugins'));
    copyFileSync(EXAMPLE, dir.path('plugins/html-format.mjs'));
    chmodSync(dir.path('plugins/html-format.mjs'), 0o644);
    expect(existsSync(dir.path('node_modules'))).toBe(false);
    dir.write('config/nodupe/config.toml', '[plugin.html-format]\ntitle = "Mine & yours"\n');
    const r = await cli('dupes', '--plugins', dir.path('plugins'), '--format', 'html', 't');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('<title>Mine &amp; yours</title>');
    expect(r.stdout).toContain(`<li>${shown()}</li>`);
    expect(r.stdout).toContain(`<li>${dir.path('t/b/plain')}</li>`);
    // Before, such a path reached the plugin as a bare Uint8Array and printed as its byte values.
    expect(r.stdout).not.toMatch(/<li>47,/);
  });

  it('a format sees the paths through followed links (aliases) of such a name as text too', async () => {
    symlinkSync(dir.path('t/a'), dir.path('t/link'));
    dir.write(
      'plugins/aliases.mjs',
      `export default {
  name: 'aliases',
  version: '1.0.0',
  api: '^1.0.1',
  provides: {
    formats: [{
      name: 'aliases',
      render(report, out) {
        for (const g of report.groups) for (const f of g.files) for (const a of f.aliases ?? []) out.write(\`\${a}\\n\`);
      },
    }],
  },
};
`,
    );
    const r = await cli(
      'dupes',
      '--plugins',
      dir.path('plugins'),
      '--format',
      'aliases',
      '--follow-symlinks',
      't',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${dir.path('t/link/')}f\ufffdo\n`);
  });

  it('a keeper rule sees such a name as text (a Buffer), in compare and in show', async () => {
    dir.write(
      'plugins/readable.mjs',
      `import { definePlugin } from 'nodupe/plugin';
const garbled = (f) => (String(f.paths[0]).includes('\\uFFFD') ? 1 : 0);
export default definePlugin({
  name: 'readable-names',
  version: '1.0.0',
  api: '^1.0.1',
  provides: {
    rules: [{
      name: 'readable-name',
      compare: (a, b) => garbled(a) - garbled(b),
      show: (f) => \`\${Buffer.isBuffer(f.paths[0]) ? 'bytes' : 'text'} \${f.paths[0]}\`,
    }],
  },
});
`,
    );
    const r = await cli(
      'plan',
      '--plugins',
      dir.path('plugins'),
      '--keep',
      'readable-name',
      '--explain',
      't',
    );
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { groups: { keepers: { path: string }[] }[] };
    // Without the rule the first path (t/a/…) would be kept.
    expect(plan.groups[0]!.keepers[0]!.path).toBe(dir.path('t/b/plain'));
    expect(r.stderr).toContain(`readable-name: text ${dir.path('t/b/plain')} over bytes ${shown()}`);
  });

  it('a hasher whose module imports nodupe/plugin hashes in the hashing workers', async () => {
    // One file: the plugin is its own hashing module, so every hashing worker imports nodupe/plugin too.
    dir.write(
      'plugins/fnv32.mjs',
      `import { definePlugin } from 'nodupe/plugin';
export function createHashState() {
  let h = 0x811c9dc5;
  return {
    reset: () => void (h = 0x811c9dc5),
    update: (bytes) => { for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0; },
    digest: () => h.toString(16).padStart(8, '0'),
  };
}
export default definePlugin({
  name: 'fnv32',
  version: '1.0.0',
  api: '^1',
  provides: { hashers: [{ name: 'fnv1a32', module: './fnv32.mjs' }] },
});
`,
    );
    const r = await cli(
      'dupes',
      '--plugins',
      dir.path('plugins'),
      '--hash',
      'fnv1a32',
      '--format',
      'json',
      't',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { algorithm: string; groups: { hash: string }[] };
    expect(doc.algorithm).toBe('fnv1a32');
    expect(doc.groups.map((g) => g.hash)).toEqual([fnv1a32('same content\n')]);
  });
});

describe('what crosses into a plugin', () => {
  it("every path is a Buffer again after the worker boundary, a file's aliases too", () => {
    const bytes = Buffer.of(0x2f, 0x66, 0xff);
    const crossed = structuredClone({ groups: [{ files: [{ paths: ['/a', bytes], aliases: [bytes] }] }] });
    const file = restoreBuffers(crossed).groups[0]!.files[0]!;
    expect(Buffer.isBuffer(file.paths[1])).toBe(true);
    expect(Buffer.isBuffer(file.aliases[0])).toBe(true);
    expect(String(file.paths[1])).toBe('/f\ufffd');
    expect(file.paths[0]).toBe('/a');
  });
});

function fnv1a32(text: string): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
