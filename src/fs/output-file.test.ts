import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { injecting } from '../../test/helpers/ops.js';
import { scratch } from '../../test/helpers/tree.js';
import { nodeFileOps } from './file-ops.js';
import { outputProblem, writeOutput } from './output-file.js';
import { resolveOutput } from './output-path.js';

const asRoot = process.geteuid?.() === 0;

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

function fifo(name: string): string {
  execFileSync('mkfifo', [dir.path(name)]);
  return dir.path(name);
}

describe('what an output path leads to', () => {
  it('a file, or nothing yet: replaced there', () => {
    const file = dir.write('plan.json', 'old');
    expect(resolveOutput(nodeFileOps, file)).toMatchObject({ kind: 'replace', path: file });
    expect(resolveOutput(nodeFileOps, dir.path('new.json'))).toMatchObject({
      kind: 'replace',
      path: dir.path('new.json'),
      existing: undefined,
    });
  });

  it('a symbolic link (relative, absolute, a chain of them): the file it leads to, in its own folder', () => {
    const real = dir.write('plans/real.json', 'old');
    symlinkSync('plans/real.json', dir.path('relative.json'));
    symlinkSync(dir.path('relative.json'), dir.path('chain.json'));
    mkdirSync(dir.path('elsewhere'));
    symlinkSync('../plans/real.json', dir.path('elsewhere/up.json'));
    for (const link of ['relative.json', 'chain.json', 'elsewhere/up.json']) {
      expect(resolveOutput(nodeFileOps, dir.path(link)), link).toMatchObject({ kind: 'replace', path: real });
    }
  });

  it('a character device, a FIFO: written through', () => {
    expect(resolveOutput(nodeFileOps, '/dev/null')).toMatchObject({ kind: 'through', path: '/dev/null' });
    expect(resolveOutput(nodeFileOps, fifo('pipe'))).toMatchObject({
      kind: 'through',
      path: dir.path('pipe'),
    });
  });

  it('refused, with the reason: a folder, a link to one, a link that leads nowhere, a loop, a missing folder', () => {
    mkdirSync(dir.path('folder'));
    symlinkSync('folder', dir.path('to-folder'));
    symlinkSync('missing.json', dir.path('dangling.json'));
    symlinkSync('loop', dir.path('loop'));
    const reasons = ['folder', 'to-folder', 'dangling.json', 'loop', 'no/such/plan.json'].map(
      (name) => outputProblem(nodeFileOps, dir.path(name)) ?? '',
    );
    expect(reasons).toEqual([
      'is a folder; name a file',
      `leads to ${dir.path('folder')}, which is a folder; name a file`,
      `leads to ${dir.path('missing.json')}, which does not exist (name the file itself to make it)`,
      'leads through too many symbolic links',
      `its folder ${dir.path('no/such')} does not exist`,
    ]);
  });

  it('refused: a socket', async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(dir.path('sock'), done));
    try {
      expect(outputProblem(nodeFileOps, dir.path('sock'))).toBe(
        'is a socket: nothing can be written to it by name',
      );
    } finally {
      server.close();
    }
  });

  it.runIf(asRoot)('refused: a block device (a disk is not written over)', () => {
    execFileSync('mknod', [dir.path('disk'), 'b', '7', '200']);
    expect(outputProblem(nodeFileOps, dir.path('disk'))).toBe(
      'is a block device: nodupe does not write over a disk',
    );
  });

  it.runIf(asRoot)(
    "refused: another user's link in a sticky folder open to all, as the kernel refuses it",
    () => {
      mkdirSync(dir.path('shared'));
      chmodSync(dir.path('shared'), 0o1777);
      lchownSync(dir.path('shared'), 4343, 4343);
      const target = dir.write('mine.json', 'secret');
      symlinkSync(target, dir.path('shared/report.json'));
      lchownSync(dir.path('shared/report.json'), 4242, 4242);
      expect(outputProblem(nodeFileOps, dir.path('shared/report.json'))).toBe(
        "is another user's symbolic link in a folder open to all: it is not followed",
      );
      // The folder's owner's link is followed.
      lchownSync(dir.path('shared/report.json'), 4343, 4343);
      expect(outputProblem(nodeFileOps, dir.path('shared/report.json'))).toBeUndefined();
    },
  );
});

describe('writeOutput', () => {
  it('through a symbolic link: the file it leads to is replaced, the link stays, the mode is kept', () => {
    const real = dir.write('real.json', 'old');
    chmodSync(real, 0o600);
    symlinkSync('real.json', dir.path('plan.json'));
    expect(writeOutput(nodeFileOps, dir.path('plan.json'), 'new')).toEqual([]);
    expect(readlinkSync(dir.path('plan.json'))).toBe('real.json');
    expect(readFileSync(real, 'utf8')).toBe('new');
    expect(lstatSync(real).mode & 0o7777).toBe(0o600);
    expect(readdirSync(dir.root).sort()).toEqual(['plan.json', 'real.json']);
  });

  it('into /dev/null: it stays the character device it was', () => {
    writeOutput(nodeFileOps, '/dev/null', 'a report');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('into a FIFO with a reader: the reader gets it all', () => {
    const pipe = fifo('pipe');
    const reader = openSync(pipe, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      writeOutput(nodeFileOps, pipe, 'a report\n');
      const buffer = Buffer.alloc(100);
      expect(buffer.toString('utf8', 0, readSync(reader, buffer))).toBe('a report\n');
    } finally {
      closeSync(reader);
    }
    expect(lstatSync(pipe).isFIFO()).toBe(true);
  });

  it('into a FIFO nothing reads from: fails at once, and makes nothing', () => {
    const pipe = fifo('pipe');
    expect(() => writeOutput(nodeFileOps, pipe, 'a report')).toThrow(
      "nothing reads from it (ENXIO): start the FIFO's reader first",
    );
    expect(readdirSync(dir.root)).toEqual(['pipe']);
  });

  it('a path that may not be written is BAD_INPUT (exit 2), and nothing is made', () => {
    symlinkSync('missing.json', dir.path('dangling.json'));
    expect(() => writeOutput(nodeFileOps, dir.path('dangling.json'), 'x')).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
    expect(readdirSync(dir.root)).toEqual(['dangling.json']);
  });

  it.each([
    ['open', 'EACCES', 'permission denied (EACCES)'],
    ['open', 'EROFS', 'read-only file system (EROFS)'],
    ['write', 'ENOSPC', 'no space left on the device (ENOSPC)'],
    ['rename', 'EPERM', 'operation not permitted (EPERM)'],
  ] as const)(
    'a failed %s (%s) is FAILED (exit 1), says why, and leaves no temporary file',
    (call, code, reason) => {
      dir.write('plan.json', 'old plan');
      const ops = injecting(nodeFileOps, [{ call, code }]);
      expect(() => writeOutput(ops, dir.path('plan.json'), 'new plan')).toThrow(
        expect.objectContaining({ code: 'FAILED', message: reason }),
      );
      expect(readdirSync(dir.root)).toEqual(['plan.json']);
      expect(readFileSync(dir.path('plan.json'), 'utf8')).toBe('old plan');
    },
  );

  it.runIf(asRoot)("EPERM on another user's file in a sticky folder says why", () => {
    mkdirSync(dir.path('shared'));
    chmodSync(dir.path('shared'), 0o1777);
    lchownSync(dir.path('shared'), 4242, 4242);
    const theirs = dir.write('shared/report.json', 'theirs'); // the folder owner's: root may replace it
    lchownSync(theirs, 4242, 4242);
    const ops = injecting(nodeFileOps, [{ call: 'rename', code: 'EPERM' }]);
    expect(() => writeOutput(ops, theirs, 'mine')).toThrow(
      "operation not permitted (EPERM): it belongs to another user, in a sticky folder: only its owner, the folder's or root may replace it",
    );
    expect(readdirSync(dir.path('shared'))).toEqual(['report.json']);
  });
});
