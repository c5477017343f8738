// `plan --keeper-in-archive`: a copy inside an archive may be a group's keeper, and the loose copies may then be
// acted on. Apply, and a later purge, stream the member out of the very archive planned and compare its bytes with
// the file's right before acting: a changed, replaced or damaged archive, another user's archive (for a delete),
// or a tampered plan leaves the file where it is.
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { applyPlan } from '../src/apply/apply.js';
import { openCatalog } from '../src/catalog/open-catalog.js';
import { FakeClock } from '../src/core/fake-clock.js';
import { nodeFileOps, type FileOps } from '../src/fs/file-ops.js';
import { readPlan } from '../src/plan/plan-json.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, scratchEnv } from './helpers/cli.js';
import { gzipSync } from 'node:zlib';
import { noise, tarOf, zipOf } from './helpers/archives.js';
import { systemProgram } from './helpers/system-programs.js';
import { scratch } from './helpers/tree.js';

const asRoot = process.getuid?.() === 0;
const sevenZip = systemProgram(['7zz', '7z'], '7zip', 'the tests of keepers inside a 7z');

let dir: ReturnType<typeof scratch>;
const cli = (...args: string[]) =>
  runCli([...args, '--catalog', dir.path('c.db'), '--no-progress'], { cwd: dir.root, env: scratchEnv(dir) });

const photo = noise(120_000, 7);
const letter = noise(40_000, 8);

interface PlanDoc {
  policy: { keeperInArchive?: boolean };
  warning?: string;
  groups: {
    keepers: { path: string; member?: string; size: number }[];
    actions: { op: string; path: string; keeper: string; keeperMember?: string }[];
  }[];
}

beforeEach(() => {
  dir = scratch();
  dir.write(
    't/backup.zip',
    zipOf([
      { name: 'photos/p.jpg', data: photo },
      { name: 'l.txt', data: letter },
    ]),
  );
  dir.write('t/p.jpg', photo);
  dir.write('t/again/p.jpg', photo);
  dir.write('t/l.txt', letter);
});
afterEach(() => dir.remove());

async function plan(...args: string[]): Promise<PlanDoc> {
  const run = await cli('plan', '--archives', '--keeper-in-archive', 't', '-o', 'plan.json', ...args);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(readFileSync(dir.path('plan.json'), 'utf8')) as PlanDoc;
}

/** The plan file as written, edited by `change`, for the tampering tests. */
function tamper(change: (doc: PlanDoc) => void): void {
  const doc = JSON.parse(readFileSync(dir.path('plan.json'), 'utf8')) as PlanDoc;
  change(doc);
  writeFileSync(dir.path('plan.json'), JSON.stringify(doc));
}

describe('plan --keeper-in-archive', () => {
  it('keeps the member and acts on every loose copy; --keep-n 2 keeps one loose copy too', async () => {
    const doc = await plan();
    expect(doc.policy.keeperInArchive).toBe(true);
    const zip = dir.path('t/backup.zip');
    const photos = doc.groups.find((g) => g.keepers[0]!.member === 'photos/p.jpg')!;
    expect(photos.keepers).toEqual([expect.objectContaining({ path: zip, member: 'photos/p.jpg' })]);
    expect(photos.actions.map((a) => [a.path, a.keeper, a.keeperMember]).sort()).toEqual([
      [dir.path('t/again/p.jpg'), zip, 'photos/p.jpg'],
      [dir.path('t/p.jpg'), zip, 'photos/p.jpg'],
    ]);
    expect(doc.warning).toContain('in 2 groups the only copy kept is inside an archive');

    const two = await plan('--keep-n', '2');
    const kept = two.groups.find((g) => g.keepers[0]!.member === 'photos/p.jpg')!;
    expect(kept.keepers.map((k) => k.member ?? k.path)).toEqual(['photos/p.jpg', dir.path('t/again/p.jpg')]);
    expect(kept.actions.map((a) => a.path)).toEqual([dir.path('t/p.jpg')]);
    // l.txt has one loose copy, kept: nothing to do in its group.
    expect(two.groups).toHaveLength(1);
  });

  it('is refused, exit 2, without --archives or with an action that would link to the member', async () => {
    const noArchives = await cli('plan', '--keeper-in-archive', 't');
    expect(noArchives.code).toBe(2);
    expect(noArchives.stderr).toContain('--keeper-in-archive keeps copies inside archives');
    const link = await cli('plan', '--archives', '--keeper-in-archive', 't', '--action', 'hardlink');
    expect(link.code).toBe(2);
    expect(link.stderr).toContain('a keeper inside an archive is no file to link to or clone');
  });

  it('never keeps a tar’s member (some of its headers are read otherwise than tar reads them)', async () => {
    dir.write('t/a.tar.gz', gzipSync(tarOf([{ name: 'photos/p.jpg', data: photo }])));
    const doc = await plan();
    const photos = doc.groups.find((g) => g.keepers[0]!.member === 'photos/p.jpg')!;
    expect(photos.keepers[0]!.path).toBe(dir.path('t/backup.zip'));

    dir.write('t/backup.zip', zipOf([{ name: 'other', data: noise(10) }]));
    const tarOnly = await plan();
    expect(tarOnly.groups.flatMap((g) => g.keepers).filter((k) => k.member !== undefined)).toEqual([]);
  });

  it.skipIf(sevenZip === undefined)(
    'never keeps a 7z’s member (its names come from 7-Zip’s listing)',
    async () => {
      dir.write('t/backup.zip', zipOf([{ name: 'other', data: noise(10) }]));
      dir.write('src/photos/p.jpg', photo);
      execFileSync(sevenZip!, ['a', '-bd', '-bso0', '-t7z', dir.path('t/b.7z'), 'photos'], {
        cwd: dir.path('src'),
      });
      const doc = await plan();
      expect(doc.groups.flatMap((g) => g.keepers).filter((k) => k.member !== undefined)).toEqual([]);
      expect(doc.groups.flatMap((g) => g.actions.map((a) => a.path))).toEqual([dir.path('t/p.jpg')]);
    },
  );

  it('never keeps a member of an archive that is not plain (here an unsafe name unzip would turn into it)', async () => {
    dir.write(
      't/backup.zip',
      zipOf([
        { name: 'photos/p.jpg', data: photo },
        { name: '/photos/p.jpg', data: noise(120_000, 9) },
      ]),
    );
    const doc = await plan();
    expect(doc.groups.flatMap((g) => g.keepers).filter((k) => k.member !== undefined)).toEqual([]);
    // The loose copies keep one of their own, as without the option.
    expect(doc.groups.flatMap((g) => g.actions.map((a) => a.path))).toEqual([dir.path('t/p.jpg')]);
  });

  it('never keeps a member of an archive the plan acts on (a copy of another archive)', async () => {
    // backup.zip and its copy group together: one of them is acted on, and only the other may keep members.
    dir.write('t/backup-copy.zip', readFileSync(dir.path('t/backup.zip')));
    const doc = await plan();
    const acted = new Set(doc.groups.flatMap((g) => g.actions.map((a) => a.path)));
    const keptIn = doc.groups.flatMap((g) =>
      g.keepers.filter((k) => k.member !== undefined).map((k) => k.path),
    );
    expect(keptIn.length).toBeGreaterThan(0);
    for (const archive of keptIn) expect(acted.has(archive)).toBe(false);
    const archives = [dir.path('t/backup.zip'), dir.path('t/backup-copy.zip')];
    expect(archives.filter((a) => acted.has(a))).toHaveLength(1);
  });
});

describe('apply against a keeper inside an archive', () => {
  it('quarantines the loose copies after comparing each with the member; undo puts them back', async () => {
    await plan();
    const apply = await cli('apply', 'plan.json');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toContain('3 done, 0 skipped');
    expect(existsSync(dir.path('t/p.jpg'))).toBe(false);
    expect(existsSync(dir.path('t/backup.zip'))).toBe(true);
    expect((await cli('undo', '1')).code).toBe(0);
    expect(readFileSync(dir.path('t/p.jpg')).equals(photo)).toBe(true);
  });

  it('leaves every file when an equal archive was put in its place (another file: not the keeper planned)', async () => {
    await plan();
    const zip = dir.path('t/backup.zip');
    const bytes = readFileSync(zip);
    // An equal archive at the path is another file: not the keeper planned.
    writeFileSync(dir.path('t/new.zip'), bytes);
    renameSync(dir.path('t/new.zip'), zip);
    const replaced = await cli('apply', 'plan.json');
    expect(replaced.code).toBe(1);
    expect(replaced.stdout).toContain('0 done, 3 skipped');
    expect(replaced.stdout).toContain(`the keeper ${zip} was replaced by another file since the plan`);
    expect(existsSync(dir.path('t/p.jpg'))).toBe(true);
  });

  it('leaves the file when a tampered plan names a member of the same size with other bytes', async () => {
    dir.write(
      't/backup.zip',
      zipOf([
        { name: 'photos/p.jpg', data: photo },
        { name: 'decoy', data: noise(120_000, 9) },
      ]),
    );
    await plan();
    tamper((doc) => {
      for (const g of doc.groups) {
        for (const k of g.keepers) if (k.member !== undefined) k.member = 'decoy';
        for (const a of g.actions) if (a.keeperMember !== undefined) a.keeperMember = 'decoy';
      }
    });
    const apply = await cli('apply', 'plan.json');
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain("its bytes differ from the keeper's in the archive (at offset 0)");
    expect(existsSync(dir.path('t/p.jpg'))).toBe(true);
    expect(existsSync(dir.path('t/again/p.jpg'))).toBe(true);
  });

  it('refuses, exit 2 and nothing touched, a plan that links to a member or acts on an archive holding a keeper', async () => {
    await plan();
    tamper((doc) => {
      doc.groups[0]!.actions[0]!.op = 'hardlink';
    });
    const link = await cli('apply', 'plan.json');
    expect(link.code).toBe(2);
    expect(link.stderr).toContain('a keeper inside an archive is no file to link to or clone');

    await plan();
    tamper((doc) => {
      const a = doc.groups[0]!.actions[0]!;
      doc.groups[0]!.actions.push({ ...a, path: dir.path('t/backup.zip') });
    });
    const archive = await cli('apply', 'plan.json');
    expect(archive.code).toBe(2);
    expect(archive.stderr).toContain(`${dir.path('t/backup.zip')} holds a keeper`);

    await plan();
    tamper((doc) => {
      doc.groups[0]!.actions[0]!.keeperMember = 'photos/other.jpg';
    });
    const other = await cli('apply', 'plan.json');
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('which is not a keeper of that group');
    expect(existsSync(dir.path('t/p.jpg'))).toBe(true);
  });

  it('deletes against the member, and a purge frees a quarantined copy only while the member holds its bytes', async () => {
    await plan('--action', 'delete');
    const apply = await cli('apply', 'plan.json', '--yes');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(existsSync(dir.path('t/l.txt'))).toBe(false);

    dir.write('t/l.txt', letter);
    dir.write('t/p.jpg', photo);
    await plan();
    expect((await cli('apply', 'plan.json')).code).toBe(0);
    // The archive is rewritten in place (the same inode) with the letter changed: its quarantined copy may be the
    // last one, and only the compare can tell.
    const changed = Buffer.from(letter);
    changed[10] = changed[10]! ^ 1;
    dir.write(
      't/backup.zip',
      zipOf([
        { name: 'photos/p.jpg', data: photo },
        { name: 'l.txt', data: changed },
      ]),
    );
    const kept = await cli('quarantine', 'purge', '--older-than', '0');
    expect(kept.code).toBe(1);
    expect(kept.stdout).toMatch(
      /not purged .*l\.txt: its bytes differ from the keeper's in the archive \(at offset 10\): the quarantined copy stays/,
    );
    expect(kept.stdout).toContain('purged 1 file');
  });
});

describe.runIf(asRoot)('a keeper inside another user’s archive', () => {
  it('is no keeper for a delete (that user could remove it with the last copy), as for any keeper', async () => {
    chownSync(dir.path('t/backup.zip'), 1002, 1002);
    await plan('--action', 'delete');
    const apply = await cli('apply', 'plan.json', '--yes');
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain('the keeper belongs to another user (uid 1002');
    expect(existsSync(dir.path('t/p.jpg'))).toBe(true);
  });
});

describe('a purge against a keeper inside an archive', () => {
  it('frees the quarantined copies after comparing each with the member', async () => {
    await plan();
    expect((await cli('apply', 'plan.json')).code).toBe(0);
    const purge = await cli('quarantine', 'purge', '--older-than', '0');
    expect(purge.code, purge.stdout + purge.stderr).toBe(0);
    expect(purge.stdout).toContain('purged 3 files');
    expect(readdirSync(dir.path('t'))).toEqual(['again', 'backup.zip']);
  });
});

describe('the archive changed while the member is compared', () => {
  /**
   * Deletes against the member with `change` done to the archive at the first read of the file's bytes (the
   * compare under way, the member streaming from the archive opened): the report of the run.
   */
  async function deleteWhile(change: () => void) {
    await plan('--action', 'delete');
    let changed = false;
    const ops: FileOps = {
      ...nodeFileOps,
      read: (...args) => {
        if (!changed) {
          changed = true;
          change();
        }
        return nodeFileOps.read(...args);
      },
    };
    const catalog = openCatalog(dir.path('c.db'));
    try {
      const text = readFileSync(dir.path('plan.json'), 'utf8');
      return await applyPlan(readPlan(text, 'plan.json'), text, {
        catalog,
        clock: new FakeClock(),
        dataDir: dir.path('data'),
        ops,
      });
    } finally {
      catalog.close();
    }
  }

  it('rewritten in place, its mtime set back: the file stays (a write moves the ctime)', async () => {
    const zip = dir.path('t/backup.zip');
    const report = await deleteWhile(() => {
      const { mtimeNs } = statSync(zip, { bigint: true });
      const changed = Buffer.from(photo);
      changed[5] = changed[5]! ^ 1;
      writeFileSync(
        zip,
        zipOf([
          { name: 'photos/p.jpg', data: changed },
          { name: 'l.txt', data: letter },
        ]),
      );
      // Its mtime set back to the nanosecond (GNU touch), as a tool that hides an edit would.
      const at = `@${mtimeNs / 1_000_000_000n}.${String(mtimeNs % 1_000_000_000n).padStart(9, '0')}`;
      execFileSync('touch', ['-m', '-d', at, zip]);
      expect(statSync(zip, { bigint: true }).mtimeNs).toBe(mtimeNs);
    });
    expect(report.skips.map((x) => x.reason)).toEqual([
      expect.stringMatching(/ctime moved|its bytes differ/),
      expect.stringMatching(/its ctime moved.* since the plan/),
      expect.stringMatching(/its ctime moved.* since the plan/),
    ]);
    // The first file compared stays; the rest meet an archive that is not the one planned.
    expect(report.done).toBe(0);
    expect(existsSync(dir.path('t/p.jpg')) && existsSync(dir.path('t/again/p.jpg'))).toBe(true);
    expect(existsSync(dir.path('t/l.txt'))).toBe(true);
  });

  it('replaced by another archive with the same member: the file stays (the name no longer leads to it)', async () => {
    const zip = dir.path('t/backup.zip');
    const report = await deleteWhile(() => {
      writeFileSync(dir.path('t/other.zip'), readFileSync(zip));
      renameSync(dir.path('t/other.zip'), zip);
    });
    expect(report.done).toBe(0);
    expect(report.skips.map((x) => x.reason)).toEqual([
      'the keeper was changed (its ctime moved: written, renamed, linked or its mode changed) while being compared',
      `the keeper ${zip} was replaced by another file since the plan`,
      `the keeper ${zip} was replaced by another file since the plan`,
    ]);
    expect(existsSync(dir.path('t/p.jpg')) && existsSync(dir.path('t/l.txt'))).toBe(true);
  });
});
