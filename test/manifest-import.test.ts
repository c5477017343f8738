// `nodupe scan --from-manifest` end to end: the manifest of a tree B, written on another catalog, is imported after
// B is gone (a disk not mounted now); `dupes --manifests` over a tree A shows A's files with their copies listed in
// B's manifest (LABEL:/path); a plan neither acts on nor keeps anything of B; a bad manifest is refused with exit 2
// and the catalog unchanged; importing the same label again replaces; another algorithm groups nothing, said.
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, scratchEnv } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

const nodupe = (args: string[], catalog = 'c.db') =>
  runCli([...args, '--catalog', dir.path(catalog), '--no-progress'], { env: scratchEnv(dir) });

interface JsonDupes {
  summary: { groups: number; members?: number };
  groups: {
    files: { path: string }[];
    members?: { path: string; manifest?: { label: string; path: string }; archive?: unknown }[];
  }[];
}

const dupesJson = async (args: string[]): Promise<JsonDupes> => {
  const run = await nodupe(['dupes', '--format', 'json', ...args]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as JsonDupes;
};

/** Each group as its sorted names: loose paths relative to the scratch folder, a manifest's files as LABEL:/path. */
const named = (doc: JsonDupes) =>
  doc.groups
    .map((g) =>
      [
        ...g.files.map((f) => f.path.slice(dir.root.length + 1)),
        ...(g.members ?? []).map((m) => m.path),
      ].sort(),
    )
    .sort((a, b) => a[0]!.localeCompare(b[0]!));

/** Writes the manifest of `tree` to `file` on a catalog of its own (the backup disk was catalogued elsewhere). */
async function writeManifest(tree: string, file: string, extra: string[] = []): Promise<string> {
  const run = await nodupe(['manifest', 'write', dir.path(tree), '-o', dir.path(file), ...extra], 'other.db');
  expect(run.code, run.stderr).toBe(0);
  return dir.path(file);
}

describe('nodupe scan --from-manifest', () => {
  beforeEach(async () => {
    dir.write('a/one.txt', 'the first file, on A and on the backup disk');
    dir.write('a/sub/one-again.txt', 'the first file, on A and on the backup disk');
    dir.write('a/two.txt', 'the second file, on A and on the backup disk');
    dir.write('a/only-a.txt', 'only on A');
    dir.write('b/x/one-copy.txt', 'the first file, on A and on the backup disk');
    dir.write('b/two.txt', 'the second file, on A and on the backup disk');
    linkSync(dir.path('b/two.txt'), dir.path('b/two.txt.link'));
    dir.write('b/only-b.txt', 'only on the backup disk, twice');
    dir.write('b/only-b-again.txt', 'only on the backup disk, twice');
    writeFileSync(Buffer.from(`${dir.path('b')}/caf\xe9.txt`, 'latin1'), 'a name that is not UTF-8');
    const scan = await nodupe(['scan', dir.path('a')]);
    expect(scan.code, scan.stderr).toBe(0);
  });

  it('imports an unmounted tree, and dupes shows its copies beside the files of A', async () => {
    const manifest = await writeManifest('b', 'b.jsonl');
    rmSync(dir.path('b'), { recursive: true });

    const run = await nodupe(['scan', '--from-manifest', manifest]);
    expect(run.code, run.stderr).toBe(0);
    // Six listed: the hard link is one file, the name that is not UTF-8 is left out and said.
    expect(run.stdout).toContain('imported 4 files of the manifest "b" (xxh3');
    expect(run.stdout).toContain('read no file content');
    expect(run.stderr).toContain('1 file with a name that is not UTF-8 left out');

    // Without --manifests, only A's own group.
    expect(named(await dupesJson([]))).toEqual([['a/one.txt', 'a/sub/one-again.txt']]);
    // Over A: A's files with their copies on B; B's own duplicates lie under no root given.
    const overA = await dupesJson(['--manifests', dir.path('a')]);
    expect(named(overA)).toEqual([
      ['a/one.txt', 'a/sub/one-again.txt', 'b:/x/one-copy.txt'],
      ['a/two.txt', 'b:/two.txt'],
    ]);
    const member = overA.groups.flatMap((g) => g.members ?? []).find((m) => m.path === 'b:/two.txt')!;
    expect(member.manifest).toEqual({ label: 'b', path: 'two.txt' });
    expect(member.archive).toBeUndefined();
    // From the catalog: B's own duplicates too.
    expect(named(await dupesJson(['--manifests']))).toContainEqual(['b:/only-b-again.txt', 'b:/only-b.txt']);

    const text = await nodupe(['dupes', '--manifests', dir.path('a')]);
    expect(text.stdout).toContain(`${dir.path('a/two.txt')}\n[manifest] b:/two.txt\n`);
    expect(text.stdout).toContain('2 copies in imported manifests (read-only)');

    // `where` names them too, as copies on no machine here.
    const where = await nodupe(['where', dir.path('a/only-a.txt'), dir.path('a/two.txt')]);
    expect(where.code, where.stderr).toBe(0);
    expect(where.stdout).toContain(`${dir.path('a/only-a.txt')} (9 B): no other copy known\n`);
    expect(where.stdout).toContain(
      `${dir.path('a/two.txt')} (44 B): 1 other copy\n    (manifest)  b:/two.txt\n`,
    );
  });

  it('shows names from a manifest printable in where and dupes, and refuses a label that is not', async () => {
    const forged = 'e\u001b[31mX\u001b[0m\n  * here  /home/v/x';
    dir.write(`b/${forged}`, 'the second file, on A and on the backup disk');
    const manifest = await writeManifest('b', 'b.jsonl');
    rmSync(dir.path('b'), { recursive: true });
    expect((await nodupe(['scan', '--from-manifest', manifest])).code).toBe(0);
    const where = await nodupe(['where', dir.path('a/two.txt')]);
    const dupes = await nodupe(['dupes', '--manifests', dir.path('a')]);
    for (const run of [where, dupes]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('b:/e\\x1b[31mX\\x1b[0m\\x0a  * here  /home/v/x');
      expect(run.stdout).not.toContain('\u001b');
    }
    const bidi = await nodupe(['scan', '--from-manifest', manifest, '--label', 'disk\u202etxt']);
    expect(bidi.code).toBe(2);
    expect(bidi.stderr).toContain('holds a control character');
  });

  it('makes plans that never act on a manifest’s file and never keep one', async () => {
    const manifest = await writeManifest('b', 'b.jsonl');
    rmSync(dir.path('b'), { recursive: true });
    expect((await nodupe(['scan', '--from-manifest', manifest])).code).toBe(0);
    for (const args of [[dir.path('a')], []]) {
      const run = await nodupe(['plan', ...args, '--action', 'delete']);
      expect(run.code, run.stderr).toBe(0);
      const plan = JSON.parse(run.stdout) as {
        groups: { keepers: { path: string }[]; actions: { path: string }[] }[];
      };
      // One group, A's two copies; a.two.txt, whose only copy is on B, is in none.
      expect(plan.groups).toHaveLength(1);
      expect(plan.groups[0]!.keepers.map((k) => k.path)).toEqual([dir.path('a/one.txt')]);
      expect(plan.groups[0]!.actions.map((k) => k.path)).toEqual([dir.path('a/sub/one-again.txt')]);
      expect(run.stdout).not.toContain('b:/');
    }
  });

  it('refuses a bad manifest with exit 2 and leaves the catalog as it was', async () => {
    const manifest = await writeManifest('b', 'b.jsonl');
    expect((await nodupe(['scan', '--from-manifest', manifest])).code).toBe(0);
    const before = await dupesJson(['--manifests']);
    const lines = readFileSync(manifest, 'utf8').split('\n');
    // A line removed: the trailer's counts say so.
    writeFileSync(dir.path('cut.jsonl'), [...lines.slice(0, 2), ...lines.slice(3)].join('\n'));
    writeFileSync(
      dir.path('escape.jsonl'),
      readFileSync(manifest, 'utf8').replace('"two.txt"', '"../two.txt"'),
    );
    for (const [file, message] of [
      ['cut.jsonl', 'lines were added or removed'],
      ['escape.jsonl', 'has a ".." component'],
      ['missing.jsonl', 'there is no manifest at'],
    ] as const) {
      const run = await nodupe(['scan', '--from-manifest', dir.path(file), '--label', 'b']);
      expect(run.code, file).toBe(2);
      expect(run.stderr).toContain(message);
    }
    expect(await dupesJson(['--manifests'])).toEqual(before);
    // A bad combination is a usage error, said before anything is read.
    const both = await nodupe(['scan', '--from-manifest', manifest, dir.path('a')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give it no PATH');
    const none = await nodupe(['scan']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('scan needs a PATH');
  });

  it('replaces an import of the same label; another manifest of a folder of that name needs --label', async () => {
    const first = await writeManifest('b', 'b1.jsonl');
    rmSync(dir.path('b/two.txt'));
    rmSync(dir.path('b/two.txt.link'));
    const second = await writeManifest('b', 'b2.jsonl');
    // Another moment, whatever the clock said.
    writeFileSync(
      second,
      readFileSync(second, 'utf8').replace(/"createdAt":"[^"]*"/, '"createdAt":"2030-01-01T00:00:00.000Z"'),
    );
    rmSync(dir.path('b'), { recursive: true });

    expect((await nodupe(['scan', '--from-manifest', first])).code).toBe(0);
    // The same manifest again: replaced, as it says.
    const again = await nodupe(['scan', '--from-manifest', first]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('replaced the earlier import of 4 files');

    // Another manifest under the same default label: maybe another disk's folder of that name; refused.
    const refused = await nodupe(['scan', '--from-manifest', second]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('a manifest labelled "b" is already imported');
    expect(refused.stderr).toContain('hint: pass --label "b" to replace it');

    const replaced = await nodupe(['scan', '--from-manifest', second, '--label', 'b']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(named(await dupesJson(['--manifests', dir.path('a')]))).toEqual([
      ['a/one.txt', 'a/sub/one-again.txt', 'b:/x/one-copy.txt'],
    ]);

    // Both disks, under two labels; then one forgotten.
    expect((await nodupe(['scan', '--from-manifest', first, '--label', 'old disk'])).code).toBe(0);
    expect(named(await dupesJson(['--manifests', dir.path('a')]))).toEqual([
      ['a/one.txt', 'a/sub/one-again.txt', 'b:/x/one-copy.txt', 'old disk:/x/one-copy.txt'],
      ['a/two.txt', 'old disk:/two.txt'],
    ]);
    const forget = await nodupe(['scan', '--forget-manifest', 'old disk']);
    expect(forget.code, forget.stderr).toBe(0);
    expect(forget.stdout).toContain('forgot the manifest "old disk" (4 files)');
    const unknown = await nodupe(['scan', '--forget-manifest', 'old disk']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('hint: imported: b');
  });

  it('groups nothing from a manifest hashed by another algorithm, and says so', async () => {
    const manifest = await writeManifest('b', 'b.jsonl', ['--hash', 'sha256']);
    rmSync(dir.path('b'), { recursive: true });
    const run = await nodupe(['scan', '--from-manifest', manifest]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('the manifest is hashed by sha256 and the catalog');
    const dupes = await nodupe(['dupes', '--manifests', '--format', 'json', dir.path('a')]);
    expect(dupes.code, dupes.stderr).toBe(0);
    expect(dupes.stderr).toContain('the manifest "b" is hashed by sha256, the groups by xxh3');
    expect(named(JSON.parse(dupes.stdout) as JsonDupes)).toEqual([['a/one.txt', 'a/sub/one-again.txt']]);
  });
});
