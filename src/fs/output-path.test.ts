// Where `-o FILE` leads, walked one component at a time as the kernel walks it: links met anywhere on the way
// (in FILE or in what a link leads to) obey the protected-symlink rule; another user's file or FIFO in a sticky
// folder is not written (the protected_regular and protected_fifos rules), root included.
import { execFileSync } from 'node:child_process';
import { chmodSync, lchownSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wrapOps } from '../../test/helpers/ops.js';
import { scratch } from '../../test/helpers/tree.js';
import { nodeFileOps } from './file-ops.js';
import { writeOutput } from './output-file.js';
import { resolveOutput } from './output-path.js';

const asRoot = process.geteuid?.() === 0;

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

/** File operations whose realpath fails: the walk must not need it (its readlink escapes the kernel's rules). */
const noRealpath = wrapOps(nodeFileOps, (name, _args, call) => {
  if (name === 'realpath') throw new Error('realpath called');
  return call();
});

describe('a path walked one component at a time', () => {
  it('a linked folder on the way: the file is replaced (or made) in the real folder, without realpath', () => {
    const real = dir.write('data/plans/plan.json', 'old');
    symlinkSync(dir.path('data/plans'), dir.path('plans'));
    symlinkSync('plans', dir.path('again'));
    expect(resolveOutput(noRealpath, dir.path('again/plan.json'))).toMatchObject({
      kind: 'replace',
      path: real,
    });
    expect(resolveOutput(noRealpath, dir.path('plans/new.json'))).toMatchObject({
      kind: 'replace',
      path: dir.path('data/plans/new.json'),
      existing: undefined,
    });
  });

  it('`..` after a linked folder is the parent of where the link led, as for the kernel', () => {
    mkdirSync(dir.path('a/b'), { recursive: true });
    symlinkSync(dir.path('a/b'), dir.path('link'));
    expect(resolveOutput(noRealpath, `${dir.path('link')}/../plan.json`)).toMatchObject({
      kind: 'replace',
      path: dir.path('a/plan.json'),
    });
  });

  it('refused, with the reason: a loop on the way, a missing folder behind a link, a file taken for a folder', () => {
    symlinkSync('loop', dir.path('loop'));
    symlinkSync('nowhere', dir.path('gone'));
    dir.write('file', 'not a folder');
    const reasons = ['loop/plan.json', 'gone/plan.json', 'file/plan.json'].map((name) =>
      resolveOutput(noRealpath, dir.path(name)),
    );
    expect(reasons).toEqual([
      { kind: 'refused', reason: 'leads through too many symbolic links' },
      {
        kind: 'refused',
        reason: `leads to ${dir.path('nowhere/plan.json')}, whose folder ${dir.path('nowhere')} does not exist`,
      },
      { kind: 'refused', reason: `cannot be made: ${dir.path('file')} is not a folder` },
    ]);
  });
});

describe.runIf(asRoot)("another user's link in a sticky folder open to all, anywhere on the way", () => {
  const secret = () => dir.write('rootetc/out.json', 'root: precious config');
  /** A folder like /tmp, where user 4242 has linked `work` to root's folder. */
  function trap(): string {
    mkdirSync(dir.path('tmp'));
    chmodSync(dir.path('tmp'), 0o1777);
    symlinkSync(dir.path('rootetc'), dir.path('tmp/work'));
    lchownSync(dir.path('tmp/work'), 4242, 4242);
    return dir.path('tmp/work');
  }
  it('as a folder of the path: not followed, and nothing is written', () => {
    const file = secret();
    const work = trap();
    expect(() => writeOutput(nodeFileOps, `${work}/out.json`, 'a report')).toThrow(
      `passes through ${work}, another user's symbolic link in a folder open to all: it is not followed`,
    );
    expect(readFileSync(file, 'utf8')).toBe('root: precious config');
  });

  it("behind a link of root's own elsewhere: not followed either", () => {
    const file = secret();
    const work = trap();
    symlinkSync(`${work}/out.json`, dir.path('mine.json'));
    expect(resolveOutput(noRealpath, dir.path('mine.json'))).toEqual({
      kind: 'refused',
      reason: `passes through ${work}, another user's symbolic link in a folder open to all: it is not followed`,
    });
    expect(readFileSync(file, 'utf8')).toBe('root: precious config');
  });

  it("the folder owner's link is followed", () => {
    const file = secret();
    const work = trap();
    lchownSync(dir.path('tmp'), 4242, 4242);
    expect(resolveOutput(noRealpath, `${work}/out.json`)).toMatchObject({ kind: 'replace', path: file });
  });
});

describe.runIf(asRoot)("another user's file or FIFO in a sticky folder, even for root", () => {
  function shared(owner: number): string {
    mkdirSync(dir.path('shared'));
    chmodSync(dir.path('shared'), 0o1777);
    lchownSync(dir.path('shared'), owner, owner);
    return dir.path('shared');
  }

  it('a file another user made there in advance is refused, and left as it was', () => {
    shared(0);
    const theirs = dir.write('shared/root-plan.json', 'theirs');
    lchownSync(theirs, 4242, 4242);
    chmodSync(theirs, 0o666);
    expect(() => writeOutput(nodeFileOps, theirs, 'the plan')).toThrow(
      expect.objectContaining({
        code: 'BAD_INPUT',
        message:
          "belongs to another user, in a sticky folder: nodupe replaces there only the user's own file (or, as root, the folder owner's)",
      }),
    );
    expect(readFileSync(theirs, 'utf8')).toBe('theirs');
  });

  it("a FIFO another user made there is refused: root's report would go to them", () => {
    const pipe = `${shared(0)}/report.fifo`;
    execFileSync('mkfifo', [pipe]);
    lchownSync(pipe, 4242, 4242);
    expect(resolveOutput(nodeFileOps, pipe)).toEqual({
      kind: 'refused',
      reason:
        "belongs to another user, in a sticky folder: nodupe writes there only through the user's own FIFO or device, or the folder owner's",
    });
  });

  it("root's own file, or the folder owner's file or FIFO, is written", () => {
    const folder = shared(4242);
    const own = dir.write('shared/mine.json', 'mine');
    const owners = dir.write('shared/theirs.json', 'theirs');
    lchownSync(owners, 4242, 4242);
    execFileSync('mkfifo', [`${folder}/pipe`]);
    lchownSync(`${folder}/pipe`, 4242, 4242);
    expect(resolveOutput(nodeFileOps, own)).toMatchObject({ kind: 'replace' });
    expect(resolveOutput(nodeFileOps, owners)).toMatchObject({ kind: 'replace' });
    expect(resolveOutput(nodeFileOps, `${folder}/pipe`)).toMatchObject({ kind: 'through' });
  });
});
