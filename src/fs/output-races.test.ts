// `-o FILE` when what was looked at changes before it is written: a FIFO or device swapped for a symbolic link,
// a folder swapped for another folder or a link. Nothing is opened or written through the swapped name.
import { execFileSync } from 'node:child_process';
import {
  constants,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wrapOps } from '../../test/helpers/ops.js';
import { scratch } from '../../test/helpers/tree.js';
import { nodeFileOps, type FileOps } from './file-ops.js';
import { writeOutput } from './output-file.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

/** File operations that run `swap` once, just before the first `open` whose flags include `flag`. */
function swappingBeforeOpen(flag: number, swap: () => void): FileOps {
  let done = false;
  return wrapOps(nodeFileOps, (name, args, call) => {
    if (name === 'open' && !done && ((args[1] as number) & flag) !== 0) {
      done = true;
      swap();
    }
    return call();
  });
}

describe('a name swapped after it was looked at', () => {
  it('a FIFO swapped for a symbolic link: the link is not followed, and its target is not opened', () => {
    const pipe = dir.path('report.fifo');
    execFileSync('mkfifo', [pipe]);
    const victim = dir.write('victim', 'untouched');
    const ops = swappingBeforeOpen(constants.O_NONBLOCK, () => {
      unlinkSync(pipe);
      symlinkSync(victim, pipe);
    });
    expect(() => writeOutput(ops, pipe, 'a report')).toThrow(
      expect.objectContaining({
        code: 'FAILED',
        message: 'it was replaced by a symbolic link while nodupe opened it; nothing was written (ELOOP)',
      }),
    );
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
  });

  it.each([
    ['a symbolic link to another folder', (away: string) => symlinkSync(away, dir.path('out'))],
    ['another folder', (away: string) => renameSync(away, dir.path('out'))],
  ])("the file's folder swapped for %s: nothing is written in either", (_what, swapIn) => {
    dir.write('out/plan.json', 'old plan');
    mkdirSync(dir.path('elsewhere'));
    const ops = swappingBeforeOpen(constants.O_DIRECTORY, () => {
      renameSync(dir.path('out'), dir.path('out-moved'));
      swapIn(dir.path('elsewhere'));
    });
    expect(() => writeOutput(ops, dir.path('out/plan.json'), 'new plan')).toThrow(
      expect.objectContaining({
        code: 'FAILED',
        message: `its folder ${dir.path('out')} was replaced while nodupe opened it; nothing was written`,
      }),
    );
    expect(readFileSync(dir.path('out-moved/plan.json'), 'utf8')).toBe('old plan');
    expect(readdirSync(dir.path('out-moved'))).toEqual(['plan.json']);
    expect(readdirSync(dir.path('out'))).toEqual([]);
  });
});
