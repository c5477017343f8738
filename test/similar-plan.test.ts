import {
  chownSync,
  existsSync,
  lstatSync,
  readFileSync,
  renameSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyPlan, resumeApply } from '../src/apply/apply.js';
import { purgeQuarantine } from '../src/apply/purge.js';
import { runToUndo, undoRun } from '../src/apply/undo.js';
import { nodeFileOps } from '../src/fs/file-ops.js';
import { mirrorUnder } from '../src/model/paths.js';
import { planToJson, readPlan } from '../src/plan/plan-json.js';
import type { Plan, SimilarOp } from '../src/plan/plan.js';
import { similarPlan } from '../src/plan/similar-plan.js';
import { scan } from '../src/scan/scan.js';
import { builtinDetector } from '../src/similar/builtin-detectors.js';
import { findSimilar } from '../src/similar/find-similar.js';
import { applyWorkspace, contentsUnder, crashAfter, digest, treeState } from './helpers/apply.js';
import { runCli, scratchEnv } from './helpers/cli.js';
import { wrapOps } from './helpers/ops.js';
import { picture } from './helpers/pictures.js';

const ws = applyWorkspace();
const { clock, options } = ws;
const quarantine = () => ws.dir.path('data/quarantine');

/** An original and its edited copies (near-duplicates, none byte-identical), and an unrelated picture. */
async function pictures(): Promise<void> {
  const original = await picture(1);
  ws.dir.write('p/original.png', original);
  ws.dir.write('p/smaller.jpg', await sharp(original).resize(160).jpeg({ quality: 60 }).toBuffer());
  ws.dir.write('p/mirrored.webp', await sharp(original).flop().webp().toBuffer());
  ws.dir.write('p/turned.png', await sharp(original).rotate(90).png().toBuffer());
  ws.dir.write('p/other.png', await picture(3));
}

let plans = 0;
/** `nodupe similar images p/` on the workspace's catalog, and a plan from it, through the JSON apply reads. */
async function planFromSimilar(action: SimilarOp, to?: string): Promise<{ plan: Plan; text: string }> {
  const scanned = await scan({ roots: [ws.dir.path('p')], catalog: ws.catalog, threads: 1 });
  const report = await findSimilar({
    catalog: ws.catalog,
    detector: builtinDetector('images', { rotations: true }),
    roots: scanned.roots,
    maxDistance: 8,
    algorithm: scanned.algorithm,
    threads: 1,
    now: () => clock.wallNow(),
  });
  const { plan, left } = similarPlan(
    report,
    {
      id: `similar-${++plans}`,
      createdAt: new Date(clock.wallNow()).toISOString(),
      catalog: { id: ws.catalog.id, location: ws.catalog.location },
      algorithm: scanned.algorithm,
      // The rows now: the similar run recorded the full hashes it made while reading the pictures.
      rows: ws.catalog.liveFiles(),
    },
    { action, ...(to === undefined ? {} : { to }) },
  );
  expect(left).toEqual([]);
  const text = planToJson(plan);
  return { plan: readPlan(text, 'plan.json'), text };
}

const name = (path: unknown) => String(path).split('/').pop();
const acted = (plan: Plan) => plan.groups.flatMap((g) => g.actions.map((a) => name(a.path))).sort();
/** The plan's JSON edited as a person (or an attacker) would. */
/** The parts of a plan's JSON the tests edit. */
interface ActionDoc {
  op: string;
  path: string;
  expect: { size: number; hash: string; mtimeNs: string; ctimeNs: string };
}
interface PlanDoc {
  id: string;
  basis?: unknown;
  groups: { size: number; hash: string; actions: ActionDoc[] }[];
}
const edit = (text: string, change: (doc: PlanDoc) => void): { plan: Plan; text: string } => {
  const doc = JSON.parse(text) as PlanDoc;
  change(doc);
  const edited = JSON.stringify(doc);
  return { plan: readPlan(edited, 'plan.json'), text: edited };
};
const actionOf = (doc: PlanDoc, file: string): ActionDoc =>
  doc.groups[0]!.actions.find((a) => name(a.path) === file)!;

describe('plans from similar groups: apply, undo, resume', () => {
  it('quarantines the near-duplicates (never the keeper), undo puts them back, and a new plan moves them', async () => {
    await pictures();
    const before = treeState(ws.dir.path('p'));
    const { plan, text } = await planFromSimilar('quarantine');
    expect(plan.basis).toMatchObject({ kind: 'similar', detector: 'images.phash/1', maxDistance: 8 });
    expect(plan.groups).toHaveLength(1);
    expect(name(plan.groups[0]!.keepers[0]!.path)).toBe('original.png');
    expect(acted(plan)).toEqual(['mirrored.webp', 'smaller.jpg', 'turned.png']);
    // Each file is held to its own content, not the keeper's.
    for (const a of plan.groups[0]!.actions) expect(a.expect.hash).not.toBe(plan.groups[0]!.hash);

    const contents = plan.groups[0]!.actions.map((a) => digest(readFileSync(a.path)));
    const report = await applyPlan(plan, text, options());
    expect(report).toMatchObject({ done: 3, skipped: 0 });
    expect(existsSync(ws.dir.path('p/original.png'))).toBe(true);
    expect(existsSync(ws.dir.path('p/other.png'))).toBe(true);
    for (const a of plan.groups[0]!.actions) expect(existsSync(a.path as string)).toBe(false);
    expect(contentsUnder(quarantine())).toEqual(new Set(contents));

    const undo = undoRun(runToUndo(ws.catalog, report.runId), { catalog: ws.catalog, clock });
    expect(undo).toMatchObject({ undone: 3, complete: true });
    expect(treeState(ws.dir.path('p'))).toEqual(before);

    const review = ws.dir.path('review');
    const moved = await planFromSimilar('move', review);
    expect(acted(moved.plan)).toEqual(['mirrored.webp', 'smaller.jpg', 'turned.png']);
    const second = await applyPlan(moved.plan, moved.text, options());
    expect(second).toMatchObject({ done: 3, skipped: 0 });
    for (const a of moved.plan.groups[0]!.actions) {
      expect(readFileSync(mirrorUnder(review, a.path) as string)).toHaveLength(a.expect.size);
    }
    expect(undoRun(runToUndo(ws.catalog, second.runId), { catalog: ws.catalog, clock })).toMatchObject({
      undone: 3,
      complete: true,
    });
    expect(treeState(ws.dir.path('p'))).toEqual(before);
  });

  it('an interrupted run of a similar plan is finished by resume, still checked by each file own hash', async () => {
    await pictures();
    const { plan, text } = await planFromSimilar('quarantine');
    await expect(applyPlan(plan, text, options(crashAfter(1)))).rejects.toThrow('simulated crash');
    // Meanwhile a file not yet acted on changes: resume holds it to its own content still.
    const last = plan.groups[0]!.actions[2]!.path as string;
    writeFileSync(last, Buffer.alloc(lstatSync(last).size, 7));
    const resumed = await resumeApply(undefined, options());
    expect(resumed.done).toBe(1);
    expect(resumed.skips.map((s) => [name(s.path), s.reason])).toEqual([
      [name(last), expect.stringMatching(/since the plan/)],
    ]);
    expect(readFileSync(last)).toEqual(Buffer.alloc(lstatSync(last).size, 7));
    expect(contentsUnder(quarantine()).size).toBe(2);
  });

  it('purge never frees a quarantined near-duplicate: it is no copy of its keeper, so it may be the last of its content', async () => {
    await pictures();
    const { plan, text } = await planFromSimilar('quarantine');
    await applyPlan(plan, text, options());
    const held = contentsUnder(quarantine());
    const purged = await purgeQuarantine(ws.catalog, { olderThanMs: 0, clock });
    expect(purged.files).toBe(0);
    // Never even compared: a run of near-duplicates is never purged, whatever its keepers hold now.
    expect(purged.problems.map((p) => p.reason)).toEqual(
      Array(3).fill(
        expect.stringMatching(/^a near-duplicate \(run \d+ applied a plan of `nodupe similar`\)/),
      ),
    );
    expect(contentsUnder(quarantine())).toEqual(held);
    expect(held.size).toBe(3);
  });

  it('a dry run says what it would do and touches nothing', async () => {
    await pictures();
    const before = treeState(ws.dir.path('p'));
    const { text } = await planFromSimilar('quarantine');
    const planFile = ws.dir.path('plan.json');
    writeFileSync(planFile, text);
    const run = await runCli(
      ['apply', planFile, '--dry-run', '--catalog', ws.catalog.location, '--no-progress'],
      { env: scratchEnv(ws.dir) },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const file of ['smaller.jpg', 'mirrored.webp', 'turned.png']) {
      expect(run.stdout).toContain(
        `would quarantine ${ws.dir.path('p', file)} (keeper ${ws.dir.path('p/original.png')})`,
      );
    }
    expect(run.stdout).toMatch(/dry run: 3 would be done, 0 would be skipped/);
    expect(treeState(ws.dir.path('p'))).toEqual(before);
    expect(existsSync(quarantine())).toBe(false);
    expect(ws.catalog.journal().runsOfPlan((JSON.parse(text) as PlanDoc).id)).toEqual([]);
  });
});

describe('plans from similar groups: what apply refuses', () => {
  it('skips a file changed since the plan (its mtime put back), swapped for another, or replaced by a symlink', async () => {
    await pictures();
    const path = (file: string) => ws.dir.path('p', file);
    // Whole seconds, which utimes can put back exactly.
    utimesSync(path('smaller.jpg'), 1_700_000_000, 1_700_000_000);
    const { plan, text } = await planFromSimilar('quarantine');
    // Rewritten in place, same size, its mtime put back: the ctime tells.
    const size = lstatSync(path('smaller.jpg')).size;
    writeFileSync(path('smaller.jpg'), Buffer.alloc(size, 1));
    utimesSync(path('smaller.jpg'), 1_700_000_000, 1_700_000_000);
    // Swapped: another file renamed over its name.
    writeFileSync(path('swap'), readFileSync(path('mirrored.webp')));
    renameSync(path('swap'), path('mirrored.webp'));
    // A symlink in its place (to the very file it was).
    renameSync(path('turned.png'), path('turned-real.png'));
    symlinkSync(path('turned-real.png'), path('turned.png'));

    const report = await applyPlan(plan, text, options());
    expect(report.done).toBe(0);
    expect(Object.fromEntries(report.skips.map((s) => [name(s.path), s.reason]))).toEqual({
      'smaller.jpg': expect.stringMatching(/ctime moved.*since the plan/) as string,
      'mirrored.webp': 'the file was replaced by another file since the plan',
      'turned.png': 'the file is now a symbolic link',
    });
    expect(readFileSync(path('smaller.jpg'))).toEqual(Buffer.alloc(size, 1));
    expect(lstatSync(path('turned.png')).isSymbolicLink()).toBe(true);
    expect(contentsUnder(quarantine()).size).toBe(0);
  });

  it("holds each file to the catalog's identity and own hash: a changed content (or an edited hash) is caught even when the plan's identity is edited to match", async () => {
    await pictures();
    const { text } = await planFromSimilar('quarantine');
    const file = ws.dir.path('p/smaller.jpg');
    const size = lstatSync(file).size;
    writeFileSync(file, Buffer.alloc(size, 2));
    const now = lstatSync(file, { bigint: true });
    // As if the change had left no trace in its identity: the plan says what the file is now, but not its content.
    const unseen = edit(text, (doc) => {
      Object.assign(actionOf(doc, 'smaller.jpg').expect, {
        mtimeNs: String(now.mtimeNs),
        ctimeNs: String(now.ctimeNs),
      });
      // And a file whose hash was edited in the plan.
      actionOf(doc, 'mirrored.webp').expect.hash = '0'.repeat(16);
    });
    const report = await applyPlan(unseen.plan, unseen.text, options());
    expect(report.done).toBe(1);
    // The catalog holds each file as \`nodupe similar\` saw it: the plan's edited identity or hash is not that.
    const notHeld = expect.stringMatching(
      /^the catalog does not hold this file and its keeper as `nodupe similar` grouped them/,
    ) as string;
    expect(Object.fromEntries(report.skips.map((s) => [name(s.path), s.reason]))).toEqual({
      'smaller.jpg': notHeld,
      'mirrored.webp': notHeld,
    });
    expect(existsSync(file)).toBe(true);
    expect(existsSync(ws.dir.path('p/mirrored.webp'))).toBe(true);
  });

  it('acts only on files the catalog holds as grouped: an action added for another file, or for a keeper through a link, stays', async () => {
    await pictures();
    // Two copies of a text: the scan hashes them whole, so the catalog holds their full hash (not a fingerprint).
    ws.dir.write('p/notes.txt', 'hashed by the scan, never by similar');
    ws.dir.write('p/notes-copy.txt', 'hashed by the scan, never by similar');
    const { text } = await planFromSimilar('quarantine');
    ws.dir.write('other/secret.txt', 'not a picture, never grouped');
    const notes = ws.dir.path('p/notes.txt');
    const notesSt = lstatSync(notes, { bigint: true });
    symlinkSync(ws.dir.path('p'), ws.dir.path('plink'));
    const secret = ws.dir.path('other/secret.txt');
    const st = lstatSync(secret, { bigint: true });
    const keeperSt = lstatSync(ws.dir.path('p/original.png'), { bigint: true });
    const identity = (s: typeof st) => ({
      dev: String(s.dev),
      ino: String(s.ino),
      size: Number(s.size),
      mtimeNs: String(s.mtimeNs),
      ctimeNs: String(s.ctimeNs),
    });
    const added = edit(text, (doc) => {
      const template = doc.groups[0]!.actions[0]!;
      doc.groups[0]!.actions.push(
        // Its own identity: but not a file `nodupe similar` grouped (nor its hash by the plan's algorithm).
        {
          ...template,
          path: secret,
          expect: { ...identity(st), hash: digest(readFileSync(secret)) },
        },
        // A file the catalog holds with its identity and full hash, but that similar never grouped with the keeper.
        {
          ...template,
          path: notes,
          expect: { ...identity(notesSt), hash: ws.catalog.fileAtPath(notes)!.hashes!.full! },
        },
        // The keeper itself, through a link to its folder.
        {
          ...template,
          path: ws.dir.path('plink/original.png'),
          expect: { ...identity(keeperSt), hash: doc.groups[0]!.hash },
        },
      );
    });
    const report = await applyPlan(added.plan, added.text, options());
    expect(report.done).toBe(3);
    expect(Object.fromEntries(report.skips.map((s) => [String(s.path), s.reason]))).toEqual({
      [secret]: expect.stringMatching(
        /^the catalog does not hold this file and its keeper as `nodupe similar` grouped them/,
      ) as string,
      [notes]: expect.stringMatching(
        /^the catalog does not hold this file and its keeper as `nodupe similar` grouped them/,
      ) as string,
      [ws.dir.path('plink/original.png')]: 'it is a keeper of this plan (under another name): it stays',
    });
    expect(existsSync(secret)).toBe(true);
    expect(existsSync(notes)).toBe(true);
    expect(existsSync(ws.dir.path('p/original.png'))).toBe(true);
  });

  // Giving the keeper to another user takes root.
  it.skipIf(process.geteuid?.() !== 0)(
    "keeps near-duplicates only against the user's own files: a keeper of another owner, judged on the file opened",
    async () => {
      await pictures();
      // The keeper (the largest picture) is another user's; a plan made without asking (or fooled, through a folder
      // that user controls) names it anyway.
      chownSync(ws.dir.path('p/original.png'), 1002, 1002);
      const { plan, text } = await planFromSimilar('quarantine');
      const report = await applyPlan(plan, text, options());
      expect(report.done).toBe(0);
      expect(new Set(report.skips.map((s) => s.reason))).toEqual(
        new Set([
          `near-duplicates are kept only against the user's own files: the file is uid ${process.geteuid!()}'s, its keeper uid 1002's; it stays`,
        ]),
      );
      expect(contentsUnder(quarantine()).size).toBe(0);
    },
  );

  it('skips every file whose keeper is gone', async () => {
    await pictures();
    const { plan, text } = await planFromSimilar('quarantine');
    renameSync(ws.dir.path('p/original.png'), ws.dir.path('original-elsewhere.png'));
    const gone = await applyPlan(plan, text, options());
    expect(gone.done).toBe(0);
    expect(new Set(gone.skips.map((s) => s.reason))).toEqual(
      new Set([`the keeper ${ws.dir.path('p/original.png')} vanished`]),
    );
    expect(contentsUnder(quarantine()).size).toBe(0);
  });

  it('a file swapped after its content was checked stays, and so does the one swapped in', async () => {
    await pictures();
    const { plan, text } = await planFromSimilar('quarantine');
    const file = ws.dir.path('p/smaller.jpg');
    const original = readFileSync(file);
    const intruder = Buffer.from('swapped in after the check');
    let swapped = false;
    // Right when apply renames the checked file away, it is another file at that name.
    const ops = wrapOps(nodeFileOps, (call, args, run) => {
      if (call === 'rename' && !swapped && String(args[0]).endsWith('/smaller.jpg')) {
        swapped = true;
        renameSync(file, ws.dir.path('smaller-moved-by-someone.jpg'));
        writeFileSync(file, intruder);
      }
      return run();
    });
    const report = await applyPlan(plan, text, options({ ops }));
    expect(swapped).toBe(true);
    expect(report.skips.map((s) => [name(s.path), s.reason])).toEqual([
      ['smaller.jpg', expect.stringMatching(/was replaced by another file as it was taken/)],
    ]);
    expect(readFileSync(file)).toEqual(intruder);
    expect(readFileSync(ws.dir.path('smaller-moved-by-someone.jpg'))).toEqual(original);
    expect(report.done).toBe(2);
  });

  it('a file written while its content is checked stays', async () => {
    await pictures();
    const { plan, text } = await planFromSimilar('quarantine');
    const file = ws.dir.path('p/turned.png');
    const size = lstatSync(file).size;
    let written = false;
    const ops = wrapOps(nodeFileOps, (call, _args, run) => {
      const result = run();
      // The plan acts on turned.png alone, and its keeper is never read: the first read is of its content, and
      // the file is rewritten (same size) as it is read.
      if (call === 'read' && !written) {
        written = true;
        writeFileSync(file, Buffer.alloc(size, 3));
      }
      return result;
    });
    const only = edit(text, (doc) => {
      doc.groups[0]!.actions = doc.groups[0]!.actions.filter((a) => name(a.path) === 'turned.png');
    });
    const report = await applyPlan(only.plan, only.text, options({ ops }));
    expect(written).toBe(true);
    expect(report.skips.map((s) => s.reason)).toEqual([
      expect.stringMatching(/while its content was checked|its content is not what the plan saw/),
    ]);
    expect(readFileSync(file)).toEqual(Buffer.alloc(size, 3));
    expect(plan.groups[0]!.actions).toHaveLength(3);
  });

  it('a tampered plan is refused, or acts on nothing', async () => {
    await pictures();
    const before = treeState(ws.dir.path('p'));
    const { plan, text } = await planFromSimilar('quarantine');
    // Edited to delete or link: refused when read.
    for (const op of ['delete', 'hardlink']) {
      expect(() => edit(text, (doc) => (actionOf(doc, 'smaller.jpg').op = op))).toThrow(
        /near-duplicates are not byte-identical: only quarantine and move, which undo reverses/,
      );
    }
    // Its basis removed: its files are not of their group's size and hash.
    expect(() => edit(text, (doc) => delete doc.basis)).toThrow(/lies outside group 1/);
    // Its basis removed and every file made to claim the group's size and hash: apply then compares bytes with
    // the keeper, as for any plan of byte-identical files, and they differ: nothing is done.
    const asIdentical = edit(text, (doc) => {
      delete doc.basis;
      const group = doc.groups[0]!;
      for (const a of group.actions) Object.assign(a.expect, { size: group.size, hash: group.hash });
    });
    const report = await applyPlan(asIdentical.plan, asIdentical.text, options());
    expect(report.done).toBe(0);
    expect(report.skipped).toBe(3);
    // A plan handed to the library without being read (no JSON check): apply refuses it before anything.
    const deleting: Plan = {
      ...plan,
      id: 'deleting',
      groups: plan.groups.map((g) => ({
        ...g,
        actions: g.actions.map((a) => ({ ...a, op: 'delete' as const })),
      })),
    };
    await expect(applyPlan(deleting, planToJson(deleting), options())).rejects.toThrow(
      /would delete it, but this plan is made of near-duplicates/,
    );
    expect(ws.catalog.journal().runsOfPlan('deleting')).toEqual([]);
    expect(treeState(ws.dir.path('p'))).toEqual(before);
  });
});
