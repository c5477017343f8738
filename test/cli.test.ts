import { spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Database } from '../src/catalog/sqlite/driver.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import { runCli } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let catalogPath: string;

beforeEach(() => {
  dir = scratch();
  catalogPath = dir.path('state', 'catalog.db');
  mkdirSync(dir.path('state'));
  const big = bytes(20_000, 1);
  dir.write('t/a/one.jpg', big);
  dir.write('t/b/one copy.jpg', big);
  dir.write('t/b/one again.jpg', big);
  dir.write('t/a/two', 'two');
  dir.write('t/b/two', 'two');
  dir.write('t/a/unique', 'unique');
  linkSync(dir.path('t/a/two'), dir.path('t/a/two-link'));
});
afterEach(() => dir.remove());

const cli = (command: string, ...args: string[]) =>
  runCli([command, '--catalog', catalogPath, ...args], { cwd: dir.root });

describe('nodupe dupes', () => {
  it('prints groups, largest reclaimable first, then a summary', async () => {
    const { code, stdout } = await runCli(['dupes', '--catalog', catalogPath, 't'], { cwd: dir.root });
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        dir.path('t/a/one.jpg'),
        dir.path('t/b/one again.jpg'),
        dir.path('t/b/one copy.jpg'),
        '',
        dir.path('t/a/two'),
        `  = ${dir.path('t/a/two-link')}`,
        dir.path('t/b/two'),
        '',
        '2 groups, 3 redundant files, 39.1 KiB reclaimable (scanned 6 files, 58.6 KiB)',
        '',
      ].join('\n'),
    );
  });

  it('takes `nodupe PATH` as `nodupe dupes PATH`, and lists from the catalog without PATHs', async () => {
    const direct = await runCli(['--catalog', catalogPath, 't'], { cwd: dir.root });
    expect(direct.code).toBe(0);
    const fromCatalog = await runCli(['dupes', '--catalog', catalogPath, '--format', 'fdupes'], {
      cwd: dir.root,
    });
    expect(fromCatalog.code).toBe(0);
    expect(fromCatalog.stdout.split('\n\n').length).toBe(3);
  });

  it('writes fdupes, csv, json and ndjson', async () => {
    const fdupes = await runCli(['dupes', '--catalog', catalogPath, '--format', 'fdupes', 't'], {
      cwd: dir.root,
    });
    // Paths spelled from the root as typed (`t`), as fdupes and jdupes print them.
    expect(fdupes.stdout).toBe('t/a/one.jpg\nt/b/one again.jpg\nt/b/one copy.jpg\n\nt/a/two\nt/b/two\n\n');
    const csv = await runCli(['dupes', '--catalog', catalogPath, '--format', 'csv', 't'], { cwd: dir.root });
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe('group,size,hash,path,hardlink,type,extension_mismatch');
    expect(rows).toHaveLength(1 + 3 + 3);
    expect(rows.filter((r) => r.endsWith(',yes,,no'))).toEqual([expect.stringContaining('two-link')]);
    const json = JSON.parse(
      (await runCli(['dupes', '--catalog', catalogPath, '--format', 'json', 't'], { cwd: dir.root })).stdout,
    ) as {
      schema: string;
      summary: { groups: number; redundant: number; reclaimableBytes: number };
      groups: { size: number; files: { path: string; links: { path: string }[] }[] }[];
    };
    expect(json.schema).toBe('nodupe.dupes/1');
    expect(json.summary).toEqual({ groups: 2, files: 5, redundant: 3, reclaimableBytes: 40_003 });
    expect(json.groups[1]!.files[0]!.links).toEqual([{ path: dir.path('t/a/two-link') }]);
    const ndjson = await runCli(['dupes', '--catalog', catalogPath, '--format', 'ndjson', 't'], {
      cwd: dir.root,
    });
    expect(
      ndjson.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { size: number }).size),
    ).toEqual([20_000, 3]);
  });

  it('writes paths that are not UTF-8 raw in fdupes output and with their bytes in JSON', async () => {
    const odd = Buffer.concat([Buffer.from(dir.path('t/b/')), Buffer.of(0x66, 0xff, 0x6f)]);
    writeFileSync(odd, 'two');
    const fdupes = await runCli(['dupes', '--catalog', catalogPath, '--format', 'fdupes', 't'], {
      cwd: dir.root,
    });
    expect(
      fdupes.bytes.includes(Buffer.concat([Buffer.from('\nt/b/f'), Buffer.of(0xff), Buffer.from('o\n')])),
    ).toBe(true);
    const json = JSON.parse(
      (await runCli(['dupes', '--catalog', catalogPath, '--format', 'json', 't'], { cwd: dir.root })).stdout,
    ) as {
      groups: { files: { path: string; pathBytes?: string }[] }[];
    };
    const entry = json.groups.flatMap((g) => g.files).find((f) => f.pathBytes !== undefined);
    expect(Buffer.from(entry!.pathBytes!, 'base64').equals(odd)).toBe(true);
    expect(entry!.path).toBe(`${dir.path('t/b/')}f\ufffdo`);
  });

  it('defaults the catalog to $XDG_DATA_HOME/nodupe/catalog.db', async () => {
    const { code } = await runCli(['dupes', 't'], { cwd: dir.root, env: { XDG_DATA_HOME: dir.path('xdg') } });
    expect(code).toBe(0);
    expect(readFileSync(dir.path('xdg/nodupe/catalog.db')).subarray(0, 15).toString()).toBe(
      'SQLite format 3',
    );
  });

  it('prints per-phase timings with --profile and writes a CPU profile with --cpu-prof', async () => {
    const { code, stderr } = await cli('scan', '--profile', '--cpu-prof', 'scan.cpuprofile', 't');
    expect(code).toBe(0);
    expect(stderr).toMatch(/^phase\s+time\s+share\s+µs\/file\s+main$/m);
    // Each phase: its time, its share, its cost per file, and how much of it the main thread was busy.
    expect(stderr).toMatch(/^walk\s+[\d.]+ ms\s+[\d.]+ %\s+[\d.]+\s+[\d.]+ %/m);
    expect(stderr).toMatch(/^6 files; main: /m);
    const profile = JSON.parse(readFileSync(dir.path('scan.cpuprofile'), 'utf8')) as { nodes: unknown[] };
    expect(profile.nodes.length).toBeGreaterThan(0);
  });

  it('scan indexes into the catalog and says what it did', async () => {
    const { code, stdout } = await cli('scan', 't');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^scanned 6 files .* 2 duplicate groups; catalog: /);
  });
});

describe('bad input: a clear message, exit 2, nothing touched', () => {
  /** Runs `dupes` on the catalog as it is: exit 2, the message, and the catalog file byte for byte unchanged. */
  async function expectRefused(message: string | RegExp) {
    const before = readFileSync(catalogPath);
    const { code, stderr } = await cli('dupes', 't');
    expect(code).toBe(2);
    if (typeof message === 'string') expect(stderr).toContain(message);
    else expect(stderr).toMatch(message);
    expect(readFileSync(catalogPath).equals(before)).toBe(true);
  }

  it('refuses a path that does not exist', async () => {
    const { code, stderr, stdout } = await cli('dupes', 't', 'missing');
    expect(code).toBe(2);
    expect(stderr).toContain('missing: no such file or directory');
    expect(stdout).toBe('');
  });

  it('refuses a corrupt catalog and leaves it as it was', async () => {
    const garbage = Buffer.concat([Buffer.from('SQLite format 3\0'), bytes(8192, 3)]);
    writeFileSync(catalogPath, garbage);
    await expectRefused(/catalog .* (corrupt|not a database)/);
  });

  it('refuses an SQLite database that is not a nodupe catalog', async () => {
    const db = new Database(catalogPath);
    db.exec('CREATE TABLE photos (id INTEGER)');
    db.close();
    await expectRefused('not a nodupe catalog');
  });

  it('refuses a catalog from a newer nodupe and leaves it as it was', async () => {
    SqliteCatalog.open(catalogPath).close();
    const db = new Database(catalogPath);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)').run();
    db.close();
    await expectRefused('schema version 99, newer than this nodupe knows');
  });
});

describe('unreadable files and folders', () => {
  // Root reads everything (CAP_DAC_OVERRIDE), so as root the built command runs without the capabilities
  // that bypass file modes; it still owns, and so reads, the project's own files wherever they are cloned.
  const asRoot = process.getuid?.() === 0;
  const bin = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));

  it('counts and reports them, lists them with --verbose, and never aborts the scan', () => {
    dir.write('t/locked/secret', 'two');
    dir.write('t/a/private', 'two');
    chmodSync(dir.path('t/locked'), 0o000);
    chmodSync(dir.path('t/a/private'), 0o000);
    const command = asRoot
      ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', process.execPath]
      : [process.execPath];
    try {
      const result = spawnSync(
        command[0]!,
        [...command.slice(1), bin, 'dupes', '--verbose', '--catalog', catalogPath, dir.path('t')],
        {
          encoding: 'utf8',
          env: { PATH: process.env.PATH },
        },
      );
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toContain('2 files or folders could not be read');
      expect(result.stderr).toContain(`${dir.path('t/locked')}: permission denied (readdir)`);
      expect(result.stderr).toContain(`${dir.path('t/a/private')}: permission denied`);
      expect(result.stdout).toContain(dir.path('t/b/two'));

      // A root that cannot be read is bad input: exit 2, before anything is scanned.
      const refused = spawnSync(
        command[0]!,
        [...command.slice(1), bin, 'dupes', '--catalog', catalogPath, dir.path('t/locked')],
        {
          encoding: 'utf8',
          env: { PATH: process.env.PATH },
        },
      );
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain(`${dir.path('t/locked')}: permission denied`);
    } finally {
      chmodSync(dir.path('t/locked'), 0o755);
    }
  });
});
