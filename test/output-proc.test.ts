// `-o` and descriptors: the names of stdout and stderr (/dev/stdout, /dev/fd/1, /proc/self/fd/1, and of fd 2)
// are nodupe's own streams, as `-` is; any other descriptor path, and any path through a link in /proc (a
// process's root, cwd or descriptor), is refused before any work, exit 2, and nothing is written.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

const NOT_FOLLOWED =
  "a link in /proc, which nodupe does not follow (such a link leads to a process's file, folder or " +
  'descriptor, not to what its text says): for stdout write -o -, for another descriptor -o - and a shell ' +
  'redirection (-o - >&3)';

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
let opened: number[];
beforeEach(() => {
  dir = scratch();
  env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
  dir.write('t/a', bytes(1000, 1));
  dir.write('t/b', bytes(1000, 1));
  opened = [];
});
afterEach(() => {
  for (const fd of opened) closeSync(fd);
  dir.remove();
});

const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env, fakeClock: true });

describe('-o a name of stdout or stderr: that stream, as -o -', () => {
  it.each(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1'])(
    'verify -o %s: the report on stdout, the summary on stderr',
    async (name) => {
      expect((await cli('scan', 't')).code).toBe(0);
      const r = await cli('verify', '-o', name, '--no-progress');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ schema: 'nodupe.verify/1', ok: true });
      expect(r.stderr).toMatch(/^verified \(.*\): 0 errors\n$/);
    },
  );

  it('plan -o /dev/stderr (or /dev/fd/2): the plan on stderr, nothing on stdout', async () => {
    for (const name of ['/dev/stderr', '/dev/fd/2']) {
      const r = await cli('plan', 't', '-o', name, '--quiet');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
      expect(JSON.parse(r.stderr)).toMatchObject({ schema: 'nodupe.plan/1' });
    }
  });

  it('plan -o /dev/stdout says no "→ FILE" after its summary, as with -o -', async () => {
    const r = await cli('plan', 't', '-o', '/dev/stdout', '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schema: 'nodupe.plan/1' });
    expect(r.stderr).toMatch(/^plan [0-9a-f-]+: 1 group, 1 file to quarantine, [^→]*\n$/);
  });
});

describe('-o another descriptor: refused before any work, and the file behind it left as it was', () => {
  it('/dev/fd/N and /proc/self/fd/N of a file nodupe holds open (read-only): exit 2, one line', async () => {
    const held = dir.write('held.js', 'export const x = 1;\n');
    const fd = openSync(held, 'r');
    opened.push(fd);
    for (const name of [`/dev/fd/${fd}`, `/proc/self/fd/${fd}`]) {
      const r = await cli('plan', 't', '-o', name);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`nodupe: -o ${name}: passes through /proc/self, ${NOT_FOLLOWED}\n`);
    }
    expect(readFileSync(held, 'utf8')).toBe('export const x = 1;\n');
    expect(readdirSync(dir.root).sort()).toEqual(['held.js', 't']);
  });

  it('a descriptor number not open when asked: refused too, not taken for a file to make later', async () => {
    const fd = openSync(dir.write('gone', ''), 'r');
    closeSync(fd);
    const r = await cli('plan', 't', '-o', `/dev/fd/${fd}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`nodupe: -o /dev/fd/${fd}: passes through /proc/self, ${NOT_FOLLOWED}\n`);
    expect(readdirSync(dir.root).sort()).toEqual(['gone', 't']);
  });
});

describe("-o through a process's root or cwd in /proc: refused, whatever the link's text says", () => {
  it('/proc/self/root/…, /proc/PID/cwd/…: exit 2, and nothing is made where the text points', async () => {
    expect((await cli('scan', 't')).code).toBe(0);
    for (const [path, link] of [
      [`/proc/self/root${dir.path('report.json')}`, '/proc/self'],
      [`/proc/${process.pid}/root${dir.path('report.json')}`, `/proc/${process.pid}/root`],
      [`/proc/${process.pid}/cwd/report.json`, `/proc/${process.pid}/cwd`],
    ] as const) {
      const r = await cli('verify', '-o', path, '--no-progress');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`nodupe: -o ${path}: passes through ${link}, ${NOT_FOLLOWED}\n`);
    }
    expect(existsSync(dir.path('report.json'))).toBe(false);
    expect(existsSync(`${process.cwd()}/report.json`)).toBe(false);
  });

  it("a user's link to /dev/stdout is refused: only the names themselves mean stdout", async () => {
    symlinkSync('/dev/stdout', dir.path('out.json'));
    const r = await cli('plan', 't', '-o', 'out.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`nodupe: -o ${dir.path('out.json')}: passes through /proc/self, ${NOT_FOLLOWED}\n`);
    expect(r.stdout).toBe('');
  });
});
