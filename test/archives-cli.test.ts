// `--archives` end to end: a scan catalogues the members of zip and tar.gz files as read-only entries, `dupes`
// groups them with loose files (ARCHIVE!/member), an unchanged archive is not read again, a changed one is read
// again and its old members go, a corrupt one is a problem of the scan, and a plan never acts on a member.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, scratchEnv } from './helpers/cli.js';
import { systemProgram } from './helpers/system-programs.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

const nodupe = (args: string[]) =>
  runCli([...args, '--catalog', dir.path('c.db'), '--no-progress'], { env: scratchEnv(dir) });

/** Zips `files` (relative to `from`) into `zip` with the zip command, names as given. */
function zip(from: string, zipPath: string, files: string[]): void {
  execFileSync('zip', ['-q', '-r', '-X', zipPath, ...files], { cwd: dir.path(from) });
}

function tarGz(from: string, archive: string, files: string[]): void {
  execFileSync('tar', ['-czf', archive, ...files], { cwd: dir.path(from) });
}

interface JsonDupes {
  summary: { groups: number; files: number; members?: number };
  groups: {
    size: number;
    files: { path: string }[];
    members?: { path: string; archive: { path: string; member: string } }[];
  }[];
  sameFolders?: { archive: { path: string }; folder: { path: string }; files: number }[];
}

const dupesJson = async (args: string[]): Promise<JsonDupes> => {
  const run = await nodupe(['dupes', '--archives', '--format', 'json', ...args]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as JsonDupes;
};

/** Each group as its sorted names: loose paths relative to the scratch folder, members as ARCHIVE!/member. */
const named = (doc: JsonDupes) =>
  doc.groups
    .map((g) =>
      [...g.files.map((f) => f.path), ...(g.members ?? []).map((m) => m.path)]
        .map((p) => p.slice(dir.root.length + 1))
        .sort(),
    )
    .sort((a, b) => a[0]!.localeCompare(b[0]!));

describe.skipIf(!systemProgram(['zip'], 'zip', 'the archive CLI tests'))('nodupe scan --archives', () => {
  beforeEach(() => {
    dir.write('tree/docs/a.txt', 'the first document, kept loose and in the archive');
    dir.write('tree/docs/b.txt', 'the second document');
    dir.write('tree/alone.txt', 'a loose file alone of its size in the walk');
    dir.write('src/alone.txt', 'a loose file alone of its size in the walk');
    dir.write('src/other.bin', 'only inside the archives, twice');
  });

  it('groups a loose file with the member of an archive, and archives holding the same members', async () => {
    zip('src', dir.path('tree/backup.zip'), ['alone.txt', 'other.bin']);
    tarGz('src', dir.path('tree/backup.tar.gz'), ['other.bin']);
    zip('tree', dir.path('tree/docs.zip'), ['docs']);
    const scan = await nodupe(['scan', '--archives', dir.path('tree')]);
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.stdout).toContain('3 archives read (5 members)');

    const doc = await dupesJson([]);
    expect(named(doc)).toEqual([
      ['tree/alone.txt', 'tree/backup.zip!/alone.txt'],
      ['tree/backup.tar.gz!/other.bin', 'tree/backup.zip!/other.bin'],
      ['tree/docs.zip!/docs/a.txt', 'tree/docs/a.txt'],
      ['tree/docs.zip!/docs/b.txt', 'tree/docs/b.txt'],
    ]);
    const member = doc.groups.flatMap((g) => g.members ?? []).find((m) => m.path.endsWith('other.bin'))!;
    expect(member.archive.member).toBe('other.bin');
    expect(member.archive.path).toMatch(/tree\/backup\.(zip|tar\.gz)$/);
    // Members are read-only: nothing of theirs is counted as reclaimable.
    expect(doc.summary).toMatchObject({ groups: 4, files: 3, redundant: 0, reclaimableBytes: 0, members: 5 });
    // docs.zip holds docs/ and nothing else: the folder and the archive hold the same files.
    expect(doc.sameFolders).toEqual([
      { archive: { path: dir.path('tree/docs.zip') }, folder: { path: dir.path('tree/docs') }, files: 2 },
    ]);

    const text = await nodupe(['dupes', '--archives']);
    expect(text.stdout).toContain(`[archive] ${dir.path('tree/backup.zip')}!/alone.txt\n`);
    expect(text.stdout).toContain(
      `same files: ${dir.path('tree/docs.zip')} and the folder ${dir.path('tree/docs')}`,
    );
    expect(text.stdout).toContain('5 archive members (read-only)');
    // A scan of the tree and the catalog agree; without --archives, dupes shows loose groups only.
    expect(named(await dupesJson([dir.path('tree')]))).toEqual(named(doc));
    const plain = await nodupe(['dupes', '--format', 'json']);
    expect((JSON.parse(plain.stdout) as JsonDupes).groups).toEqual([]);

    // One more file in the folder: no longer the same files.
    dir.write('tree/docs/c.txt', 'a third document, in the folder only');
    expect((await nodupe(['scan', '--archives', dir.path('tree')])).code).toBe(0);
    expect((await dupesJson([])).sameFolders).toBeUndefined();
  });

  it('does not read an unchanged archive again; reads a changed one again, and its old members go', async () => {
    zip('src', dir.path('tree/backup.zip'), ['alone.txt', 'other.bin']);
    expect((await nodupe(['scan', '--archives', dir.path('tree')])).code).toBe(0);

    const again = await nodupe(['scan', '--archives', dir.path('tree')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('read 0 B;');
    expect(again.stdout).toContain('0 archives read (0 members), 1 archive unchanged');

    // Rewritten with other members: read again, and only its new members are left.
    dir.write('src/new.txt', 'the second document');
    execFileSync('rm', [dir.path('tree/backup.zip')]);
    zip('src', dir.path('tree/backup.zip'), ['new.txt']);
    const changed = await nodupe(['scan', '--archives', dir.path('tree')]);
    expect(changed.stdout).toContain('1 archive read (1 member)');
    expect(named(await dupesJson([]))).toEqual([['tree/backup.zip!/new.txt', 'tree/docs/b.txt']]);

    // Gone: its members go with it.
    execFileSync('rm', [dir.path('tree/backup.zip')]);
    expect((await nodupe(['scan', '--archives', dir.path('tree')])).code).toBe(0);
    expect((await dupesJson([])).groups).toEqual([]);
  });

  it('reports a corrupt archive as a problem of the scan, and goes on', async () => {
    zip('src', dir.path('tree/backup.zip'), ['alone.txt', 'other.bin']);
    const whole = readFileSync(dir.path('tree/backup.zip'));
    // Cut short: the central directory is gone.
    writeFileSync(dir.path('tree/cut.zip'), whole.subarray(0, whole.length - 60));
    writeFileSync(dir.path('tree/fake.tar.gz'), 'not gzip at all');
    const scan = await nodupe(['scan', '--archives', dir.path('tree')]);
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.stderr).toMatch(/2 archives could not be read to the end/);
    expect(scan.stderr).toContain(dir.path('tree/cut.zip'));
    expect(scan.stderr).toContain(dir.path('tree/fake.tar.gz'));
    expect(scan.stdout).toContain('2 archives with a problem');
    // The whole archive still groups.
    expect(named(await dupesJson([]))).toContainEqual(['tree/alone.txt', 'tree/backup.zip!/alone.txt']);
  });

  it('makes plans that never act on a member, nor on a loose file for a member’s sake', async () => {
    zip('src', dir.path('tree/backup.zip'), ['alone.txt', 'other.bin']);
    dir.write('tree/copy-of-other.bin', 'only inside the archives, twice');
    dir.write('tree/again-other.bin', 'only inside the archives, twice');
    const run = await nodupe(['plan', '--archives', dir.path('tree'), '--action', 'delete']);
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as {
      groups: { keepers: { path: string }[]; actions: { path: string }[] }[];
    };
    const named = plan.groups.flatMap((g) => [...g.keepers, ...g.actions].map((f) => f.path));
    // One group, the two loose copies: alone.txt (whose only copy is a member) is in none, and no member is.
    expect(plan.groups).toHaveLength(1);
    expect(named.sort()).toEqual([dir.path('tree/again-other.bin'), dir.path('tree/copy-of-other.bin')]);
    expect(run.stdout).not.toContain('!/');
    expect(run.stderr).toContain('archive members are never acted on');
  });

  it('takes `archives = true` from the config file, and refuses another value', async () => {
    zip('src', dir.path('tree/backup.zip'), ['alone.txt']);
    dir.write('config/nodupe/config.toml', 'archives = true\n');
    const scan = await nodupe(['scan', dir.path('tree')]);
    expect(scan.stdout).toContain('1 archive read (1 member)');
    dir.write('config/nodupe/config.toml', 'archives = "yes"\n');
    const bad = await nodupe(['scan', dir.path('tree')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('archives must be true or false');
  });
});
