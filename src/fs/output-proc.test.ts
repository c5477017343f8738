// `-o` through /proc: a link there (a process's root, cwd or descriptor) leads where the kernel knows, not where
// its text says, so the walk refuses it wherever it meets one: /dev/fd/N and /dev/stdout included, which lead
// through /proc/self (the CLI writes the names of stdout and stderr to its own streams before asking).
import { closeSync, existsSync, openSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wrapOps } from '../../test/helpers/ops.js';
import { scratch } from '../../test/helpers/tree.js';
import { nodeFileOps } from './file-ops.js';
import { outputProblem, writeOutput } from './output-file.js';
import { resolveOutput } from './output-path.js';

const NOT_FOLLOWED =
  "a link in /proc, which nodupe does not follow (such a link leads to a process's file, folder or " +
  'descriptor, not to what its text says): for stdout write -o -, for another descriptor -o - and a shell ' +
  'redirection (-o - >&3)';

let dir: ReturnType<typeof scratch>;
let opened: number[];
beforeEach(() => {
  dir = scratch();
  opened = [];
});
afterEach(() => {
  for (const fd of opened) closeSync(fd);
  dir.remove();
});

/** A descriptor this process holds, read-only, on a file of its own: what a worker's open module looks like. */
function heldFile(): { fd: number; path: string } {
  const path = dir.write('module.js', 'export const x = 1;\n');
  const fd = openSync(path, 'r');
  opened.push(fd);
  return { fd, path };
}

describe('a descriptor path is refused, and what the descriptor is open on is left as it was', () => {
  it('/dev/fd/N, /proc/self/fd/N and /proc/PID/fd/N of a file this process holds open', () => {
    const { fd, path } = heldFile();
    const refusals = [`/dev/fd/${fd}`, `/proc/self/fd/${fd}`, `/proc/${process.pid}/fd/${fd}`].map((name) => {
      expect(() => writeOutput(nodeFileOps, name, '{"schema": "nodupe.verify/1"}')).toThrow(
        expect.objectContaining({ code: 'BAD_INPUT' }),
      );
      return outputProblem(nodeFileOps, name);
    });
    expect(refusals).toEqual([
      `passes through /proc/self, ${NOT_FOLLOWED}`,
      `passes through /proc/self, ${NOT_FOLLOWED}`,
      `is ${NOT_FOLLOWED}`,
    ]);
    expect(readFileSync(path, 'utf8')).toBe('export const x = 1;\n');
  });

  it('a descriptor number not open now: refused, not taken for a new file to make', () => {
    const { fd } = heldFile();
    closeSync(opened.pop()!);
    expect(resolveOutput(nodeFileOps, `/dev/fd/${fd}`)).toEqual({
      kind: 'refused',
      reason: `passes through /proc/self, ${NOT_FOLLOWED}`,
    });
  });

  it('/dev/stdout and /dev/stderr, asked of the library by name: refused as well', () => {
    for (const name of ['/dev/stdout', '/dev/stderr', '/proc/self/fd/1']) {
      expect(resolveOutput(nodeFileOps, name), name).toEqual({
        kind: 'refused',
        reason: `passes through /proc/self, ${NOT_FOLLOWED}`,
      });
    }
  });
});

describe('a link in /proc used as a folder of the path is not followed by its text', () => {
  it('/proc/self/root, /proc/PID/cwd, /proc/self/fd/N of a folder: refused, and nothing is made where the text points', () => {
    const folder = openSync(dir.root, 'r');
    opened.push(folder);
    const paths = [
      `/proc/self/root${dir.path('report.json')}`,
      `/proc/${process.pid}/cwd/report.json`,
      `/proc/self/fd/${folder}/report.json`,
      `/proc/${process.pid}/fd/${folder}/report.json`,
    ];
    const reasons = paths.map((path) => {
      expect(() => writeOutput(nodeFileOps, path, 'a report')).toThrow(
        expect.objectContaining({ code: 'BAD_INPUT' }),
      );
      return outputProblem(nodeFileOps, path);
    });
    expect(reasons).toEqual([
      `passes through /proc/self, ${NOT_FOLLOWED}`,
      `passes through /proc/${process.pid}/cwd, ${NOT_FOLLOWED}`,
      `passes through /proc/self, ${NOT_FOLLOWED}`,
      `passes through /proc/${process.pid}/fd/${folder}, ${NOT_FOLLOWED}`,
    ]);
    expect(readdirSync(dir.root)).toEqual([]);
    expect(existsSync(`${process.cwd()}/report.json`)).toBe(false);
  });

  it("a user's own link that leads into /proc is followed up to the first link there, which is refused", () => {
    symlinkSync(`/proc/${process.pid}/root${dir.root}`, dir.path('container'));
    expect(resolveOutput(nodeFileOps, dir.path('container/report.json'))).toEqual({
      kind: 'refused',
      reason: `passes through /proc/${process.pid}/root, ${NOT_FOLLOWED}`,
    });
    expect(readdirSync(dir.root)).toEqual(['container']);
  });

  it("a procfs mounted elsewhere (a container root's /proc) is told by its file system, not its path", () => {
    symlinkSync('/', dir.path('root'));
    symlinkSync(dir.path('root'), dir.path('plain-link'));
    const ops = wrapOps(nodeFileOps, (name, args, call) =>
      name === 'fsType' && args[0] === dir.root ? 0x9fa0 : call(),
    );
    expect(resolveOutput(ops, dir.path('root/report.json'))).toEqual({
      kind: 'refused',
      reason: `passes through ${dir.path('root')}, ${NOT_FOLLOWED}`,
    });
    expect(resolveOutput(nodeFileOps, `${dir.path('plain-link')}${dir.path('report.json')}`)).toMatchObject({
      kind: 'replace',
      path: dir.path('report.json'),
    });
  });
});
