// File types on the command line: detected from the first bytes the scan reads anyway, kept in the catalog,
// shown by `dupes`, filtered with `--type`, and used by the keeper rules `matching-extension` and `prefer-type`.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, scratchEnv } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';

const sample = (name: string) => readFileSync(new URL(`./fixtures/types/${name}`, import.meta.url));

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
  dir.write('photos/beach.png', sample('sample.png'));
  // The same PNG under a name that promises a JPEG.
  dir.write('backup/beach.jpg', sample('sample.png'));
  dir.write('photos/lone.gif', sample('sample.gif'));
  dir.write('docs/a.gz', sample('sample.gz'));
  dir.write('backup/a-copy.gz', sample('sample.gz'));
  dir.write('docs/notes.txt', 'plain text, no signature');
  dir.write('backup/notes.txt', 'plain text, no signature');
});
afterEach(() => dir.remove());

const nodupe = (args: string[]) =>
  runCli([...args, '--catalog', dir.path('c.db'), '--no-progress'], { env: scratchEnv(dir) });

interface JsonReport {
  summary: { groups: number; extensionMismatches?: number };
  groups: { type: string | null; files: { path: string; extensionMismatch: boolean }[] }[];
}

describe('file types', () => {
  it('shows each group’s type and marks a name whose extension promises another', async () => {
    const run = await nodupe(['dupes', dir.root]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `type: image/png\n${dir.path('backup/beach.jpg')}\n  ! its extension does not match its content (image/png)\n` +
        `${dir.path('photos/beach.png')}\n\n`,
    );
    expect(run.stdout).toContain(`type: application/gzip\n${dir.path('backup/a-copy.gz')}\n`);
    // Text has no signature: its group has no type line.
    expect(run.stdout).toContain(`\n\n${dir.path('backup/notes.txt')}\n${dir.path('docs/notes.txt')}\n\n`);
    expect(run.stdout).toMatch(/3 groups, .* reclaimable, 1 extension mismatch \(scanned 7 files/);

    const json = JSON.parse((await nodupe(['dupes', '--format', 'json'])).stdout) as JsonReport;
    expect(json.summary.extensionMismatches).toBe(1);
    expect(json.groups.map((g) => g.type).sort()).toEqual([null, 'application/gzip', 'image/png'].sort());
    const png = json.groups.find((g) => g.type === 'image/png')!;
    expect(png.files.map((f) => [f.path, f.extensionMismatch])).toEqual([
      [dir.path('backup/beach.jpg'), true],
      [dir.path('photos/beach.png'), false],
    ]);

    const csv = (await nodupe(['dupes', '--format', 'csv'])).stdout.trim().split('\n');
    expect(csv[0]).toBe('group,size,hash,path,hardlink,type,extension_mismatch');
    expect(csv.filter((line) => line.includes('beach.jpg'))).toEqual([
      expect.stringMatching(/,no,image\/png,yes$/),
    ]);
  });

  it('keeps only the groups of the types asked for, from a scan or from the catalog', async () => {
    const images = await nodupe(['dupes', '--type', 'image', dir.root]);
    expect(images.code).toBe(0);
    expect(images.stdout).toContain('type: image/png');
    expect(images.stdout).not.toContain('.gz');
    expect(images.stdout).not.toContain('notes.txt');
    expect(images.stdout).toMatch(/^1 group, 1 redundant file/m);

    const json = async (...types: string[]) =>
      JSON.parse((await nodupe(['dupes', '--format', 'json', ...types])).stdout) as JsonReport;
    expect((await json('--type', 'application/*,video/mp4')).groups.map((g) => g.type)).toEqual([
      'application/gzip',
    ]);
    expect((await json('--type', 'image/png', '--type', 'application/gzip')).summary.groups).toBe(2);
    expect((await json('--type', 'audio')).groups).toEqual([]);
  });

  it('keeps the types of unchanged files on a rescan that reads nothing', async () => {
    expect((await nodupe(['scan', dir.root])).code).toBe(0);
    const again = await nodupe(['scan', dir.root]);
    expect(again.stdout).toContain('read 0 B');
    const json = JSON.parse(
      (await nodupe(['dupes', '--format', 'json', '--type', 'image'])).stdout,
    ) as JsonReport;
    expect(json.groups.map((g) => g.type)).toEqual(['image/png']);
  });

  it('chooses keepers by whether the extension matches the content, or by the type a name promises', async () => {
    expect((await nodupe(['scan', dir.root])).code).toBe(0);
    const keeper = async (...rules: string[]) => {
      const run = await nodupe(['plan', '--type', 'image', ...rules]);
      expect(run.code).toBe(0);
      const plan = JSON.parse(run.stdout) as {
        policy: { rules: string[] };
        groups: { keepers: { path: string }[] }[];
      };
      expect(plan.groups).toHaveLength(1);
      return { rules: plan.policy.rules, kept: plan.groups[0]!.keepers.map((k) => k.path) };
    };
    expect(await keeper('--keep', 'matching-extension')).toEqual({
      rules: ['matching-extension'],
      kept: [dir.path('photos/beach.png')],
    });
    expect(await keeper('--prefer-type', 'image/jpeg')).toEqual({
      rules: ['prefer-type image/jpeg'],
      kept: [dir.path('backup/beach.jpg')],
    });
  });

  it('refuses a type that is none, with exit code 2', async () => {
    const bad = await nodupe(['dupes', '--type', 'imgae']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected a type such as image, 'video/*' or application/pdf");
    expect(bad.stderr).toContain("received 'imgae'");
    expect((await nodupe(['dupes', '--type', 'image,'])).code).toBe(2);
    expect((await nodupe(['plan', '--type', 'video/'])).code).toBe(2);
    const rule = await nodupe(['plan', '--prefer-type', 'pictures']);
    expect(rule.code).toBe(2);
    expect(rule.stderr).toContain('keeper rule "prefer-type pictures"');
  });
});
