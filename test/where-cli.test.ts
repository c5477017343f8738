// `nodupe where FILE...` and `dupes --all-machines` on the embedded catalog (one machine): where else a file's
// content is, read from the catalog when it holds the file unchanged, else by hashing it.
import { linkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, scratchEnv } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

const nodupe = (args: string[]) =>
  runCli([...args, '--catalog', dir.path('c.db'), '--no-progress'], {
    env: { ...scratchEnv(dir), NODUPE_MACHINE_NAME: 'laptop' },
  });

describe('nodupe where', () => {
  beforeEach(async () => {
    dir.write('photos/a.jpg', 'holiday picture');
    dir.write('backup/a-copy.jpg', 'holiday picture');
    dir.write('photos/b.jpg', 'only one of these');
    expect((await nodupe(['scan', dir.path('photos'), dir.path('backup')])).code).toBe(0);
  });

  it('lists the other copies of a file the catalog holds, and says when there is none', async () => {
    const run = await nodupe(['where', dir.path('photos/a.jpg'), dir.path('photos/b.jpg')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${dir.path('photos/a.jpg')} (15 B): 1 other copy\n`);
    expect(run.stdout).toContain(`  * laptop  ${dir.path('backup/a-copy.jpg')}\n`);
    expect(run.stdout).toContain(`${dir.path('photos/b.jpg')} (17 B): no other copy known\n`);
  });

  it('hashes a file the catalog does not hold, and finds its copies', async () => {
    dir.write('downloads/new.jpg', 'holiday picture');
    const run = await nodupe(['where', dir.path('downloads/new.jpg'), '--format', 'json']);
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as {
      schema: string;
      files: { path: string; hash: string; copies: { path: string; local: boolean; machine: string }[] }[];
    };
    expect(answer.schema).toBe('nodupe.where/1');
    expect(answer.files[0]!.copies.map((c) => c.path).sort()).toEqual([
      dir.path('backup/a-copy.jpg'),
      dir.path('photos/a.jpg'),
    ]);
    expect(answer.files[0]!.copies.every((c) => c.local && c.machine === 'laptop')).toBe(true);
  });

  it('does not count the same file under another name (a hard link) as a copy', async () => {
    linkSync(dir.path('photos/a.jpg'), dir.path('photos/a-link.jpg'));
    expect((await nodupe(['scan', dir.path('photos'), dir.path('backup')])).code).toBe(0);
    const run = await nodupe(['where', dir.path('photos/a.jpg')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${dir.path('photos/a.jpg')} (15 B): 1 other copy\n`);
    expect(run.stdout).toContain(
      `  (the same file under another name or mount, not a copy: laptop ${dir.path('photos/a-link.jpg')})\n`,
    );
    // Across machines, the same: two names of one file and one copy are two copies.
    const all = await nodupe(['dupes', '--all-machines']);
    expect(all.stdout).toMatch(/^2 copies of 15 B \(2 on this machine\)/);
    expect(all.stdout).toMatch(
      /photos\/a(-link)?\.jpg {2}\(the same file as a line above: inode and time match\)\n/,
    );
  });

  it('refuses a missing file or a folder with exit 2, before opening the catalog', async () => {
    const missing = await nodupe(['where', dir.path('nope.jpg')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jpg: no such file or directory/);
    const folder = await nodupe(['where', dir.path('photos')]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/not a regular file/);
    expect(folder.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('nodupe dupes --all-machines', () => {
  it('lists the groups with every copy marked as on this machine, as text and as ndjson', async () => {
    dir.write('x/1.bin', 'same bytes');
    dir.write('x/2.bin', 'same bytes');
    dir.write('x/3.bin', 'different');
    expect((await nodupe(['scan', dir.path('x')])).code).toBe(0);
    const text = await nodupe(['dupes', '--all-machines']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^2 copies of 10 B \(2 on this machine\), [0-9a-f]+:\n/);
    expect(text.stdout).toContain(`  * laptop  ${dir.path('x/1.bin')}\n`);
    const ndjson = await nodupe(['dupes', '--all-machines', '--format', 'ndjson']);
    const groups = ndjson.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { size: number; copies: { local: boolean }[] });
    expect(groups).toHaveLength(1);
    expect(groups[0]!.copies).toHaveLength(2);
  });

  it('refuses a format it cannot print with exit 2', async () => {
    const run = await nodupe(['dupes', '--all-machines', '--format', 'csv']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--all-machines prints text, json, ndjson/);
  });
});
