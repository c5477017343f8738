import { existsSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, scratchEnv } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';
import { picture } from './helpers/pictures.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

const similar = (args: string[]) =>
  runCli(['similar', ...args, '--catalog', dir.path('c.db'), '--threads', '1', '--no-progress'], {
    env: scratchEnv(dir),
  });

describe('nodupe similar images', () => {
  it('groups a picture with its edited copies, keeps the largest, reports what it cannot read, and reads nothing the next time', async () => {
    const original = await picture(1);
    dir.write('p/original.png', original);
    dir.write('p/smaller.jpg', await sharp(original).resize(160).jpeg({ quality: 60 }).toBuffer());
    dir.write('p/mirrored.webp', await sharp(original).flop().webp().toBuffer());
    dir.write('p/turned.png', await sharp(original).rotate(90).png().toBuffer());
    dir.write('p/other.png', await picture(3));
    dir.write('p/broken.jpg', 'not a picture');
    dir.write('p/notes.txt', 'not looked at');
    const run = await similar(['images', dir.path('p'), '--format', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      schema: string;
      summary: { files: number; read: number };
      groups: { members: { path: string; keep: boolean; distance: number }[] }[];
      problems: { path: string; reason: string }[];
    };
    expect(report.schema).toBe('nodupe.similar/1');
    expect(report.groups).toHaveLength(1);
    const members = report.groups[0]!.members;
    expect(members.map((m) => m.path.split('/').pop()).sort()).toEqual(
      ['mirrored.webp', 'original.png', 'smaller.jpg', 'turned.png'].sort(),
    );
    expect(members.filter((m) => m.keep).map((m) => m.path)).toEqual([members[0]!.path]);
    expect(members.every((m) => m.distance <= 8)).toBe(true);
    expect(report.problems).toEqual([
      {
        path: dir.path('p/broken.jpg'),
        reason: expect.stringMatching(/^not an image format sharp can decode/) as string,
      },
    ]);
    expect(report.summary).toMatchObject({ files: 6, read: 6 });

    // Nothing changed: no picture is read again, the answer is the same.
    const again = await similar(['images', dir.path('p'), '--format', 'json']);
    const second = JSON.parse(again.stdout) as typeof report;
    expect(second.summary).toMatchObject({ files: 6, read: 0 });
    expect(second.groups).toEqual(report.groups);
  });

  it('without rotations, a turned copy is not matched; at --similarity exact only the same picture is', async () => {
    const original = await picture(2);
    dir.write('p/a.png', original);
    dir.write('p/turned.png', await sharp(original).rotate(90).png().toBuffer());
    // The same pixels, encoded otherwise; and a smaller copy, a few bits away.
    dir.write('p/copy.png', await sharp(original).png({ compressionLevel: 0 }).toBuffer());
    dir.write('p/small.jpg', await sharp(original).resize(100).jpeg({ quality: 50 }).toBuffer());
    const upright = await similar(['images', dir.path('p'), '--no-rotations', '--format', 'csv']);
    expect(upright.code).toBe(0);
    expect(upright.stdout).not.toContain('turned.png');
    expect(upright.stdout).toContain('copy.png');
    const exact = await similar(['images', dir.path('p'), '--similarity', '0', '--format', 'ndjson']);
    const groups = exact.stdout
      .trim()
      .split('\n')
      .map((l) =>
        (JSON.parse(l) as { members: { path: string }[] }).members.map((m) => m.path.split('/').pop()),
      );
    expect(groups).toHaveLength(1);
    expect(groups[0]).toEqual(expect.arrayContaining(['a.png', 'copy.png']));
    expect(groups[0]).not.toContain('small.jpg');
  });

  it('refuses a level it does not know, or a format, with exit 2 and nothing touched', async () => {
    dir.write('p/a.png', await picture(1));
    for (const args of [
      ['--similarity', 'very'],
      ['--similarity', '65'],
      ['--similarity', '2.5'],
      ['--format', 'fdupes'],
    ]) {
      const run = await similar(['images', dir.path('p'), ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^nodupe: --(similarity|format)/);
      expect(run.stdout).toBe('');
    }
    // Refused before the catalog was made.
    expect(existsSync(dir.path('c.db'))).toBe(false);
  });

  it('writes a review-first plan that apply carries out (quarantine) and undo reverses', async () => {
    const original = await picture(1);
    dir.write('p/original.png', original);
    dir.write('p/smaller.jpg', await sharp(original).resize(160).jpeg({ quality: 60 }).toBuffer());
    const made = await similar([
      'images',
      dir.path('p'),
      '--plan',
      dir.path('plan.json'),
      '--format',
      'json',
    ]);
    expect(made.code).toBe(0);
    expect(made.stderr).toMatch(/plan .*: 1 group, 1 file to quarantine/);
    const plan = JSON.parse(readFileSync(dir.path('plan.json'), 'utf8')) as {
      basis: { kind: string };
      groups: { actions: { op: string; path: string }[] }[];
    };
    expect(plan.basis.kind).toBe('similar');
    expect(plan.groups[0]!.actions.map((a) => [a.op, a.path])).toEqual([
      ['quarantine', dir.path('p/smaller.jpg')],
    ]);
    const cli = (args: string[]) =>
      runCli([...args, '--catalog', dir.path('c.db'), '--no-progress'], { env: scratchEnv(dir) });
    const applied = await cli(['apply', dir.path('plan.json')]);
    expect(applied.code).toBe(0);
    expect(applied.stdout + applied.stderr).toContain('near-duplicates are never purged');
    expect(existsSync(dir.path('p/smaller.jpg'))).toBe(false);
    expect(existsSync(dir.path('p/original.png'))).toBe(true);
    const runs = await cli(['runs']);
    expect(runs.stdout).toContain('near-duplicates are never purged');
    const undone = await cli(['undo']);
    expect(undone.code).toBe(0);
    expect(existsSync(dir.path('p/smaller.jpg'))).toBe(true);
    // What a plan does is said only with a plan: bad input, nothing written.
    for (const args of [
      ['--action', 'move'],
      ['--to', dir.path('x')],
      ['--plan', dir.path('m.json'), '--action', 'move'],
    ]) {
      const refused = await similar(['images', dir.path('p'), ...args]);
      expect(refused.code).toBe(2);
      expect(existsSync(dir.path('m.json'))).toBe(false);
    }
  });
});
