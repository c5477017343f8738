// The attacks of the safety issue, each as it was reproduced against the old apply: a racing process, a hostile
// local user, a tampered plan. Each must leave every content in place and touch nothing it should not.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../src/apply/apply.js';
import { purgeQuarantine } from '../src/apply/purge.js';
import { runToUndo, undoRun } from '../src/apply/undo.js';
import { nodeFileOps, type FileOps } from '../src/fs/file-ops.js';
import { readPlan } from '../src/plan/plan-json.js';
import type { ActionOp } from '../src/plan/plan.js';
import { adversary, afterCompare } from './helpers/adversary.js';
import { applyWorkspace } from './helpers/apply.js';
import { planOf } from './helpers/plan-of.js';
import { bytes } from './helpers/tree.js';

const ws = applyWorkspace();
const { clock, options } = ws;
const asRoot = process.getuid?.() === 0;

/** A keeper and a copy of it: their paths and content. */
function pair(size = 40_000, seed = 7) {
  const content = bytes(size, seed);
  const keeper = ws.dir.write('t/keep/k', content);
  const file = ws.dir.write('t/copy/f', content);
  // Whole seconds, so that an edit can put the mtime back to the nanosecond (Node sets times as doubles).
  for (const path of [keeper, file]) utimesSync(path, 1_700_000_000, 1_700_000_000);
  return { keeper, file, content };
}

/** Rewrites a file in place with other bytes of the same size and puts its mtime back: only ctime tells. */
function editInPlace(path: string): void {
  const st = statSync(path);
  const changed = readFileSync(path);
  changed[0] = 0xff - changed[0]!;
  writeFileSync(path, changed);
  utimesSync(path, st.atime, st.mtime);
}

/** A pair whose copy is quarantined, and where it went. */
async function quarantinedPair() {
  const quarantined = pair();
  const { plan, text } = planOf(ws.catalog, 'quarantine', [[quarantined.keeper, quarantined.file]]);
  const report = await applyPlan(plan, text, options());
  return { ...quarantined, target: ws.catalog.journal().entries(report.runId!)[0]!.target as string };
}

async function applyAttacked(op: ActionOp, ops: FileOps, groups: string[][]) {
  const { plan, text } = planOf(ws.catalog, op, groups);
  return applyPlan(plan, text, options({ ops }));
}

describe('1. the keeper is proven right before the bytes go', () => {
  const attacks: [string, (keeper: string) => void][] = [
    ['deleted', (k) => unlinkSync(k)],
    ['moved away', (k) => renameSync(k, `${k}.moved`)],
    ['edited in place, mtime restored', editInPlace],
  ];
  for (const op of ['delete', 'hardlink', 'symlink'] as const) {
    for (const [what, attack] of attacks) {
      it(`${op}: a keeper ${what} after the compare leaves the file in place`, async () => {
        const { keeper, file, content } = pair();
        // Right after the compare, the file set aside: before the keeper is looked at one last time.
        const ops = adversary((call) => {
          if (!afterCompare(call)) return false;
          attack(keeper);
          return true;
        });
        const report = await applyAttacked(op, ops, [[keeper, file]]);
        expect(report.done).toBe(0);
        expect(report.skips[0]!.reason).toMatch(/keeper .* (is gone|was|changed)/);
        expect(lstatSync(file).isFile()).toBe(true); // not a dangling symlink, not a link
        expect(readFileSync(file)).toEqual(content);
        expect(readdirSync(dirname(file))).toEqual(['f']); // nothing set aside left behind
      });
    }
  }

  it('a keeper edited during the compare (mtime restored) is caught by its ctime', async () => {
    const { keeper, file, content } = pair(1_100_000);
    let reads = 0;
    const ops = adversary((call) => {
      if (call.name !== 'read' || ++reads !== 3) return false;
      editInPlace(keeper); // its first chunk was compared already
      return true;
    });
    const report = await applyAttacked('delete', ops, [[keeper, file]]);
    expect(report.done).toBe(0);
    expect(readFileSync(file)).toEqual(content);
  });
});

describe('3. stacking file systems', () => {
  it('never removes a file whose keeper is on an overlayfs view of another device', async () => {
    const lower = ws.dir.path('lower');
    const merged = ws.dir.path('merged');
    const content = bytes(10_000, 3);
    ws.dir.write('lower/f', content);
    for (const d of ['upper', 'work', 'merged']) mkdirSync(ws.dir.path(d), { recursive: true });
    let mounted = false;
    try {
      execFileSync(
        'mount',
        [
          '-t',
          'overlay',
          'overlay',
          '-o',
          `lowerdir=${lower},upperdir=${ws.dir.path('upper')},workdir=${ws.dir.path('work')}`,
          merged,
        ],
        { stdio: 'ignore' },
      );
      mounted = true;
    } catch {
      // No overlayfs here (not root, or no mount rights): the same case through the file system type alone.
      ws.dir.write('merged/f', content);
    }
    try {
      const ops: FileOps = mounted
        ? nodeFileOps
        : {
            ...nodeFileOps,
            fsType: (p) => (String(p).startsWith(merged) ? 0x794c7630 : nodeFileOps.fsType(p)),
          };
      for (const op of ['delete', 'hardlink'] as const) {
        const report = await applyAttacked(op, ops, [[join(merged, 'f'), join(lower, 'f')]]);
        expect(report.done).toBe(0);
        expect(report.skips[0]!.reason).toMatch(/stacking file system/);
        expect(readFileSync(join(lower, 'f'))).toEqual(content);
        expect(readFileSync(join(merged, 'f'))).toEqual(content);
      }
    } finally {
      if (mounted) execFileSync('umount', [merged]);
    }
  });
});

describe('4. a quarantine someone else prepared is not trusted', () => {
  const quarantine = () => ws.dir.path('q');

  it.runIf(asRoot)(
    'refuses a quarantine folder owned by another user, before touching anything',
    async () => {
      const { keeper, file, content } = pair();
      mkdirSync(quarantine(), { mode: 0o700 });
      chownSync(quarantine(), 4242, 4242);
      const { plan, text } = planOf(ws.catalog, 'quarantine', [[keeper, file]]);
      await expect(applyPlan(plan, text, options({ quarantineDir: quarantine() }))).rejects.toThrow(
        /belongs to another user \(uid 4242\)/,
      );
      expect(readFileSync(file)).toEqual(content);
      expect(readdirSync(quarantine())).toEqual([]);
    },
  );

  it('refuses a world-writable quarantine folder, and a symlink standing for one', async () => {
    const { keeper, file } = pair();
    mkdirSync(quarantine());
    chmodSync(quarantine(), 0o777);
    const { plan, text } = planOf(ws.catalog, 'quarantine', [[keeper, file]]);
    await expect(applyPlan(plan, text, options({ quarantineDir: quarantine() }))).rejects.toThrow(
      /can be written by others \(mode 777\)/,
    );
    const link = ws.dir.path('qlink');
    symlinkSync(quarantine(), link);
    await expect(applyPlan(plan, text, options({ quarantineDir: link }))).rejects.toThrow(/symbolic link/);
    expect(existsSync(file)).toBe(true);
  });

  it('in a shared sticky folder, uses a private folder of its own', async () => {
    const { keeper, file, content } = pair();
    mkdirSync(quarantine());
    chmodSync(quarantine(), 0o1777);
    const { plan, text } = planOf(ws.catalog, 'quarantine', [[keeper, file]]);
    const report = await applyPlan(plan, text, options({ quarantineDir: quarantine() }));
    expect(report.done).toBe(1);
    const own = join(quarantine(), `user-${process.geteuid!()}`);
    expect(statSync(own).mode & 0o777).toBe(0o700);
    const target = ws.catalog.journal().entries(report.runId!)[0]!.target as string;
    expect(target.startsWith(`${own}/`)).toBe(true);
    expect(readFileSync(target)).toEqual(content);
  });

  it('never follows a symlink planted inside the quarantine, and never writes over a file standing at a target', async () => {
    const { keeper, file, content } = pair();
    const victim = ws.dir.write('victim/secret', 'the victim file');
    // The run folder will be <quarantine>/<catalog id>/run-1: a symlink planted as <catalog id> points away.
    mkdirSync(quarantine(), { mode: 0o700 });
    symlinkSync(dirname(victim), join(quarantine(), ws.catalog.id));
    const { plan, text } = planOf(ws.catalog, 'quarantine', [[keeper, file]]);
    const report = await applyPlan(plan, text, options({ quarantineDir: quarantine() }));
    expect(report.done).toBe(0);
    expect(report.skips[0]!.reason).toMatch(/symbolic link/);
    expect(readdirSync(dirname(victim))).toEqual(['secret']);
    // A file standing at the very target (its folders made private, as nodupe makes them): it stays, and so
    // does the copy. (In a folder no one else can write, only the user or root could put it there.)
    unlinkSync(join(quarantine(), ws.catalog.id));
    const second = planOf(ws.catalog, 'quarantine', [[keeper, file]]);
    const planted = join(quarantine(), ws.catalog.id, 'run-2', file);
    mkdirSync(dirname(planted), { recursive: true, mode: 0o700 });
    writeFileSync(planted, 'planted');
    const ops = nodeFileOps;
    const again = await applyPlan(second.plan, second.text, options({ quarantineDir: quarantine(), ops }));
    expect(again.done).toBe(0);
    expect(readFileSync(planted, 'utf8')).toBe('planted');
    expect(readFileSync(file)).toEqual(content);
    expect(readFileSync(victim, 'utf8')).toBe('the victim file');
  });
});

describe.runIf(asRoot)('5. links keep owners apart', () => {
  for (const op of ['hardlink', 'symlink'] as const) {
    it(`${op}: a copy owned by another user is not joined to the keeper, unless asked`, async () => {
      const { keeper, file, content } = pair();
      chownSync(file, 1234, 1234);
      const report = await applyAttacked(op, nodeFileOps, [[keeper, file]]);
      expect(report.skips[0]!.reason).toMatch(/owner or mode differ.*--any-owner/);
      expect(lstatSync(file)).toMatchObject({ uid: 1234, ino: statSync(file).ino });
      // Asked: done, and undo gives the user back a file of their own, with its mode and times.
      chmodSync(file, 0o640);
      utimesSync(file, 1_500_000_000, 1_550_000_000);
      const { plan, text } = planOf(ws.catalog, op, [[keeper, file]]);
      expect((await applyPlan(plan, text, options({ anyOwner: true }))).done).toBe(1);
      expect(undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock }).complete).toBe(true);
      const st = lstatSync(file);
      expect(st).toMatchObject({
        uid: 1234,
        gid: 1234,
        mtimeMs: 1_550_000_000_000,
        atimeMs: 1_500_000_000_000,
      });
      expect(st.mode & 0o7777).toBe(0o640);
      expect(st.ino).not.toBe(statSync(keeper).ino);
      expect(readFileSync(file)).toEqual(content);
    });
  }
});

describe('6. paths in a plan are what they say', () => {
  type Doc = { groups: { actions: Record<string, unknown>[] }[] };
  /** Raw bytes for a path of the plan, with the text beside them that shows them (U+FFFD for what is not UTF-8). */
  const bytesOf = (doc: Doc, field: 'path' | 'keeper', raw: string) => {
    const action = doc.groups[0]!.actions[0]!;
    const bytes = Buffer.from(raw, 'latin1');
    action[field === 'path' ? 'pathBytes' : 'keeperBytes'] = bytes.toString('base64');
    action[field] = bytes.toString();
  };
  const tampered: [string, (doc: Doc) => void, RegExp][] = [
    ['pathBytes with ..', (d) => bytesOf(d, 'path', '/../../x\xff'), /".." component/],
    ['a relative pathBytes', (d) => bytesOf(d, 'path', 'rel/x\xff'), /not absolute|must match pattern/],
    [
      'pathBytes that say another path',
      (d) => (d.groups[0]!.actions[0]!.pathBytes = Buffer.from('/etc/passwd').toString('base64')),
      /not its path/,
    ],
    [
      'pathBytes not UTF-8 under a text that names another path',
      (d) =>
        (d.groups[0]!.actions[0]!.pathBytes = Buffer.from('/etc/passwd\xff', 'latin1').toString('base64')),
      /not its path/,
    ],
    ['keeperBytes with //', (d) => bytesOf(d, 'keeper', '/a//b\xff'), /empty component/],
    ['a NUL byte', (d) => bytesOf(d, 'path', '/a\0b\xff'), /NUL/],
    ['a path with ..', (d) => (d.groups[0]!.actions[0]!.path = '/tmp/../etc/x'), /".." component/],
  ];
  for (const [what, edit, message] of tampered) {
    it(`refuses ${what}`, () => {
      const { keeper, file } = pair();
      const { text } = planOf(ws.catalog, 'quarantine', [[keeper, file]]);
      const doc = JSON.parse(text) as Doc;
      edit(doc);
      expect(() => readPlan(JSON.stringify(doc), 'plan.json')).toThrow(message);
    });
  }

  it('refuses a plan without ctimes, saying to plan again', () => {
    const { keeper, file } = pair();
    const { text } = planOf(ws.catalog, 'quarantine', [[keeper, file]]);
    const old = text.replace(/\s*"ctimeNs": "\d+",/g, '');
    expect(() => readPlan(old, 'plan.json')).toThrow(/records no ctime .* make the plan again/);
  });
});

describe('7. purge compares with the keeper first', () => {
  it('keeps a quarantined copy whose keeper was edited in place since (same size, mtime restored)', async () => {
    const { keeper, content, target } = await quarantinedPair();
    editInPlace(keeper);
    const purged = await purgeQuarantine(ws.catalog, { olderThanMs: 0, clock });
    expect(purged.files).toBe(0);
    expect(purged.problems[0]!.reason).toMatch(/bytes differ .*the quarantined copy stays/);
    expect(readFileSync(target)).toEqual(content);
  });

  it('a keeper replaced during the purge compare: the copy stays', async () => {
    const { keeper, content, target } = await quarantinedPair();
    const ops = adversary((call) => {
      if (!afterCompare(call)) return false;
      rmSync(keeper);
      return true;
    });
    const purged = await purgeQuarantine(ws.catalog, { olderThanMs: 0, clock, ops });
    expect(purged.files).toBe(0);
    expect(readFileSync(target)).toEqual(content);
  });
});

describe('8. ctime is compared', () => {
  it('a file written after it was set aside (mtime restored) is put back, not deleted', async () => {
    const { keeper, file, content } = pair();
    const ops = adversary((call) => {
      if (!afterCompare(call)) return false;
      // A program that held the file open writes to it, and sets its mtime back.
      const aside = readdirSync(dirname(file)).find((n) => n.endsWith('.aside'))!;
      editInPlace(join(dirname(file), aside));
      return true;
    });
    const report = await applyAttacked('delete', ops, [[keeper, file]]);
    expect(report.done).toBe(0);
    expect(report.skips[0]!.reason).toMatch(/ctime moved/);
    expect(readFileSync(file)).not.toEqual(content); // the new bytes, kept
    expect(readFileSync(keeper)).toEqual(content);
  });
});

describe('the independent review: folders swapped, owners, destinations', () => {
  it('a folder swapped for a symlink between two calls sends nothing elsewhere', async () => {
    const { keeper, file, content } = pair();
    const victim = ws.dir.write('t/victim/f', 'the only copy of something else');
    for (const op of ['quarantine', 'delete', 'hardlink'] as const) {
      rmSync(ws.dir.path('t/copy.moved'), { recursive: true, force: true });
      const ops = adversary((call) => {
        if (call.name !== 'rename' || !String(call.args[0]).endsWith('/f')) return false;
        renameSync(ws.dir.path('t/copy'), ws.dir.path('t/copy.moved'));
        symlinkSync(ws.dir.path('t/victim'), ws.dir.path('t/copy'));
        return true;
      });
      await applyAttacked(op, ops, [[keeper, file]]);
      expect(readFileSync(victim, 'utf8')).toBe('the only copy of something else');
      expect(readdirSync(ws.dir.path('t/victim'))).toEqual(['f']);
      // The very file checked was acted on, in its own folder, wherever that went.
      unlinkSync(ws.dir.path('t/copy'));
      renameSync(ws.dir.path('t/copy.moved'), ws.dir.path('t/copy'));
      if (!existsSync(file)) ws.dir.write('t/copy/f', content);
      utimesSync(file, 1_700_000_000, 1_700_000_000);
    }
    expect(readFileSync(keeper)).toEqual(content);
  });

  it('undo puts a file back only into a folder of its owner', async () => {
    const { content, target } = await quarantinedPair();
    // Someone renames the folder away and makes one of theirs in its place.
    renameSync(ws.dir.path('t/copy'), ws.dir.path('t/copy.old'));
    mkdirSync(ws.dir.path('t/copy'), { mode: 0o777 });
    chownSync(ws.dir.path('t/copy'), 4242, 4242);
    const undo = undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock });
    expect(undo.problems[0]!.reason).toMatch(/is not the folder it was in/);
    expect(readdirSync(ws.dir.path('t/copy'))).toEqual([]);
    expect(readFileSync(target)).toEqual(content);
  });

  it('undo of a link writes nothing through a symlink planted at its temporary name', async () => {
    const { keeper, file } = pair();
    const victim = ws.dir.write('t/victim/secret', 'secret');
    chmodSync(victim, 0o600);
    const { plan, text } = planOf(ws.catalog, 'hardlink', [[keeper, file]]);
    const report = await applyPlan(plan, text, options());
    const temp = ws.catalog.journal().entries(report.runId!)[0]!.target as string;
    symlinkSync(victim, temp);
    const undo = undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock });
    expect(undo.problems[0]!.reason).toMatch(/in the way/);
    expect(statSync(victim).mode & 0o777).toBe(0o600);
    expect(readFileSync(victim, 'utf8')).toBe('secret');
  });

  it.runIf(asRoot)(
    'a keeper of another user does not stand in for a file that is deleted or purged',
    async () => {
      const { keeper, file, content } = pair();
      chownSync(keeper, 4242, 4242);
      const report = await applyAttacked('delete', nodeFileOps, [[keeper, file]]);
      expect(report.skips[0]!.reason).toMatch(/keeper belongs to another user \(uid 4242/);
      expect(readFileSync(file)).toEqual(content);
      const quarantined = planOf(ws.catalog, 'quarantine', [[keeper, file]]);
      const run = await applyPlan(quarantined.plan, quarantined.text, options());
      expect(run.done).toBe(1);
      const purged = await purgeQuarantine(ws.catalog, { olderThanMs: 0, clock });
      expect(purged.files).toBe(0);
      expect(purged.problems[0]!.reason).toMatch(/another user/);
    },
  );

  it.runIf(asRoot)(
    'refuses a sticky shared quarantine of another user, and a move destination of another',
    async () => {
      const { keeper, file } = pair();
      mkdirSync(ws.dir.path('q'));
      chmodSync(ws.dir.path('q'), 0o1777);
      chownSync(ws.dir.path('q'), 4242, 4242);
      const quarantine = planOf(ws.catalog, 'quarantine', [[keeper, file]]);
      await expect(
        applyPlan(quarantine.plan, quarantine.text, options({ quarantineDir: ws.dir.path('q') })),
      ).rejects.toThrow(/shared folder of another user/);
      mkdirSync(ws.dir.path('dest'));
      chownSync(ws.dir.path('dest'), 4242, 4242);
      const move = planOf(ws.catalog, 'move', [[keeper, file]], { to: ws.dir.path('dest') });
      await expect(applyPlan(move.plan, move.text, options())).rejects.toThrow(
        /--to .* belongs to another user/,
      );
      chownSync(ws.dir.path('dest'), 0, 0);
      chmodSync(ws.dir.path('dest'), 0o777);
      const open = planOf(ws.catalog, 'move', [[keeper, file]], { to: ws.dir.path('dest') });
      await expect(applyPlan(open.plan, open.text, options())).rejects.toThrow(/can be written by others/);
      expect(existsSync(file)).toBe(true);
    },
  );
});

describe('the second review: keepers reached by name, clones, folders gone', () => {
  it('a hard link is made from the keeper in its folder held open: a folder swapped above it sends it nowhere', async () => {
    const { keeper, file, content } = pair();
    const victim = ws.dir.write('t/elsewhere/k', bytes(40_000, 7)); // same name, same bytes: a perfect decoy
    const ops = adversary((call) => {
      if (call.name !== 'link' || !String(call.args[0]).endsWith('/k')) return false;
      renameSync(ws.dir.path('t/keep'), ws.dir.path('t/keep.real'));
      symlinkSync(ws.dir.path('t/elsewhere'), ws.dir.path('t/keep'));
      return true;
    });
    await applyAttacked('hardlink', ops, [[keeper, file]]);
    // Done or not (the keeper's name leads elsewhere now, which the last look sees), never linked to the decoy.
    expect(statSync(file).ino).not.toBe(statSync(victim).ino);
    expect(statSync(victim).nlink).toBe(1);
    expect(readFileSync(file)).toEqual(content);
    expect(readdirSync(dirname(file))).toEqual(['f']);
  });

  it('refuses to clone a setuid keeper (the clone would carry the bit before it is given its owner)', async () => {
    const { keeper, file, content } = pair();
    chmodSync(keeper, 0o4755);
    chmodSync(file, 0o4755);
    const report = await applyAttacked('reflink', nodeFileOps, [[keeper, file]]);
    expect(report.skips[0]!.reason).toMatch(/setuid or setgid/);
    expect(readFileSync(file)).toEqual(content);
    expect(readdirSync(dirname(file))).toEqual(['f']);
  });

  it('undo of a symlink copies only the keeper it was linked to, and makes no folder that is gone', async () => {
    const { keeper, file } = pair();
    const { plan, text } = planOf(ws.catalog, 'symlink', [[keeper, file]]);
    expect((await applyPlan(plan, text, options())).done).toBe(1);
    // The keeper's name now leads to another file of the same size, readable by all.
    renameSync(keeper, `${keeper}.old`);
    writeFileSync(keeper, bytes(40_000, 99));
    const undo = undoRun(runToUndo(ws.catalog, undefined), { catalog: ws.catalog, clock });
    expect(undo.problems[0]!.reason).toMatch(/not the file it was linked to/);
    expect(lstatSync(file).isSymbolicLink()).toBe(true);

    const other = bytes(30_000, 8);
    const secondKeeper = ws.dir.write('u/keep/k', other);
    const secondFile = ws.dir.write('u/copy/f', other);
    const q = planOf(ws.catalog, 'quarantine', [[secondKeeper, secondFile]]);
    const run = await applyPlan(q.plan, q.text, options());
    rmSync(ws.dir.path('u/copy'), { recursive: true });
    const back = undoRun(runToUndo(ws.catalog, run.runId), { catalog: ws.catalog, clock });
    expect(back.problems[0]!.reason).toMatch(/the folder it was in is gone; it stays at/);
    expect(existsSync(ws.dir.path('u/copy'))).toBe(false);
  });
});
