// What `-o FILE` does to what is at FILE (plan and verify): a regular file is replaced whole, keeping its mode
// (the new file is always the user's own); a symbolic link leads to the file replaced; a device or a FIFO is written through;
// `-` is stdout; every failure is one line, `nodupe: -o FILE: reason`, and leaves no temporary file. The run
// without CAP_FOWNER needs dist/ (`npm run build` first).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/core/fake-clock.js';
import { runCli } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

const BIN = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));
const asRoot = process.geteuid?.() === 0;

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = scratch();
  env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
  dir.write('t/a', bytes(1000, 1));
  dir.write('t/b', bytes(1000, 1));
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env, fakeClock: true });

/** The names in the scratch folder (and `sub`), temporary files included: nothing else may appear. */
const names = (sub = '') => readdirSync(dir.path(sub)).sort();

describe('-o a regular file', () => {
  it('a private plan stays private: the replacement keeps the mode of the file it replaces', async () => {
    dir.write('plan.json', 'last week');
    chmodSync(dir.path('plan.json'), 0o600);
    const r = await cli('plan', 't', '-o', 'plan.json');
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(dir.path('plan.json')).mode & 0o7777).toBe(0o600);
    expect(JSON.parse(readFileSync(dir.path('plan.json'), 'utf8'))).toMatchObject({
      schema: 'nodupe.plan/1',
    });
    expect(names()).toEqual(['config', 'data', 'plan.json', 't'].filter((n) => existsSync(dir.path(n))));
  });

  it.runIf(asRoot)(
    "as root, over another user's report: the new one is root's, and only root may change it",
    async () => {
      expect((await cli('scan', 't')).code).toBe(0);
      dir.write('report.json', 'old');
      chownSync(dir.path('report.json'), 4242, 4343);
      chmodSync(dir.path('report.json'), 0o664);
      const r = await cli('verify', '-o', 'report.json');
      expect(r.code, r.stderr).toBe(0);
      const stat = lstatSync(dir.path('report.json'));
      expect([stat.uid, stat.gid, stat.mode & 0o7777]).toEqual([0, process.getegid!(), 0o644]);
      expect(JSON.parse(readFileSync(dir.path('report.json'), 'utf8'))).toMatchObject({
        schema: 'nodupe.verify/1',
      });
    },
  );
});

describe('-o a symbolic link', () => {
  it('the file it leads to gets the plan, in its own folder; the link stays a link', async () => {
    dir.write('plans/real.json', 'keep me');
    chmodSync(dir.path('plans/real.json'), 0o600);
    symlinkSync('plans/real.json', dir.path('plan.json'));
    const r = await cli('plan', 't', '-o', 'plan.json');
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(dir.path('plan.json')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(dir.path('plan.json'))).toBe('plans/real.json');
    expect(JSON.parse(readFileSync(dir.path('plans/real.json'), 'utf8'))).toMatchObject({
      schema: 'nodupe.plan/1',
    });
    expect(lstatSync(dir.path('plans/real.json')).mode & 0o7777).toBe(0o600);
    expect(names('plans')).toEqual(['real.json']);
  });

  it('one that leads nowhere is refused before the scan (exit 2), and nothing is made', async () => {
    symlinkSync('plans/typo.json', dir.path('plan.json'));
    const r = await cli('plan', 't', '-o', 'plan.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `nodupe: -o ${dir.path('plan.json')}: leads to ${dir.path('plans/typo.json')}, which does not exist ` +
        '(name the file itself to make it)\n',
    );
    expect(names()).toEqual(['plan.json', 't']);
  });
});

describe('-o a device or a FIFO: written through, never replaced', () => {
  it('a character device stays one (/dev/null, or a node of it made here as root)', async () => {
    expect((await cli('scan', 't')).code).toBe(0);
    let device = '/dev/null';
    if (asRoot) {
      device = dir.path('null');
      execFileSync('mknod', ['-m', '666', device, 'c', '1', '3']);
    }
    for (const args of [
      ['verify', '-o', device],
      ['plan', '-o', device],
    ]) {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(0);
      expect(lstatSync(device).isCharacterDevice()).toBe(true);
    }
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(names().filter((n) => n.startsWith('null'))).toEqual(asRoot ? ['null'] : []);
  });

  it('a FIFO with a reader: the reader gets the report', async () => {
    expect((await cli('scan', 't')).code).toBe(0);
    execFileSync('mkfifo', [dir.path('pipe')]);
    const reader = openSync(dir.path('pipe'), constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const r = await cli('verify', '-o', 'pipe');
      expect(r.code, r.stderr).toBe(0);
      const buffer = Buffer.alloc(64 * 1024);
      const report = buffer.toString('utf8', 0, readSync(reader, buffer));
      expect(JSON.parse(report)).toMatchObject({ schema: 'nodupe.verify/1', ok: true });
    } finally {
      closeSync(reader);
    }
    expect(lstatSync(dir.path('pipe')).isFIFO()).toBe(true);
  });

  it('a FIFO nothing reads from: exit 1 at once, saying so', async () => {
    expect((await cli('scan', 't')).code).toBe(0);
    execFileSync('mkfifo', [dir.path('pipe')]);
    const r = await cli('verify', '-o', 'pipe', '--no-progress');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `nodupe: -o ${dir.path('pipe')}: nothing reads from it (ENXIO): start the FIFO's reader first\n`,
    );
    expect(names().filter((n) => n.startsWith('pipe'))).toEqual(['pipe']);
  });

  it.runIf(asRoot)('a block device is refused before any work (exit 2)', async () => {
    execFileSync('mknod', [dir.path('disk'), 'b', '7', '200']);
    const r = await cli('plan', 't', '-o', 'disk');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `nodupe: -o ${dir.path('disk')}: is a block device: nodupe does not write over a disk\n`,
    );
  });
});

describe('-o -: stdout', () => {
  it('plan -o - writes the plan to stdout, as without -o', async () => {
    const r = await cli('plan', 't', '-o', '-');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schema: 'nodupe.plan/1' });
    expect(existsSync(dir.path('-'))).toBe(false);
  });

  it('verify -o - writes the report to stdout, and the summary to stderr', async () => {
    expect((await cli('scan', 't')).code).toBe(0);
    const r = await cli('verify', '-o', '-', '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schema: 'nodupe.verify/1', ok: true });
    expect(r.stderr).toMatch(/^verified \(.*\): 0 errors\n$/);
  });
});

describe('what an earlier nodupe left beside the -o file', () => {
  it('its temporary files over an hour old are removed, and the user told; younger ones are left', async () => {
    const wall = new FakeClock().wallNow(); // the clock `cli` runs with
    const left = (name: string, ageMs: number, content = '{\n  "schema": "nodupe.plan/1",\n  "id": "0f') => {
      const path = dir.write(name, content);
      utimesSync(path, (wall - ageMs) / 1000, (wall - ageMs) / 1000);
      return path;
    };
    const old = left('plan.json.0123456789ab.new', 2 * 3600_000);
    left('plan.json.abcdefabcdef.new', 600_000);
    const r = await cli('plan', 't', '-o', 'plan.json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`nodupe: removed ${old}, left by an interrupted nodupe\n`);
    expect(names().filter((n) => n.startsWith('plan.json'))).toEqual([
      'plan.json',
      'plan.json.abcdefabcdef.new',
    ]);
  });

  it("a user's own files of an earlier version's shape (report.2023.tmp) are left, and nothing is said", async () => {
    expect((await cli('scan', 't')).code).toBe(0);
    const wall = new FakeClock().wallNow();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const drafts = [`report.${dead}.tmp`, 'report.0123456789ab.new'].map((name) => {
      const path = dir.write(name, 'draft 1 of my notes');
      utimesSync(path, (wall - 2 * 3600_000) / 1000, (wall - 2 * 3600_000) / 1000);
      return name;
    });
    const r = await cli('verify', '-o', 'report', '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('removed');
    expect(names().filter((n) => n.startsWith('report'))).toEqual(['report', ...drafts].sort());
  });

  it('a temporary file written in the last ten minutes is left, though its process is not seen here', async () => {
    // A nodupe in another pid namespace (a container sharing the folder) may be writing it.
    const wall = new FakeClock().wallNow();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const writing = `plan.json.tmp-${dead}-0123456789ab`;
    utimesSync(dir.write(writing, '{"half a plan'), (wall - 60_000) / 1000, (wall - 60_000) / 1000);
    const r = await cli('plan', 't', '-o', 'plan.json');
    expect(r.code, r.stderr).toBe(0);
    expect(names().filter((n) => n.startsWith('plan.json'))).toEqual(['plan.json', writing]);
  });
});

describe.runIf(asRoot)('root and what other users made in a sticky folder open to all (as /tmp)', () => {
  function tmp(): string {
    mkdirSync(dir.path('tmp'));
    chmodSync(dir.path('tmp'), 0o1777);
    return dir.path('tmp');
  }

  it("a file another user made in advance under root's -o name is refused before any work (exit 2)", async () => {
    const theirs = dir.write(`${tmp().slice(dir.root.length + 1)}/root-plan.json`, '');
    chownSync(theirs, 4242, 4242);
    chmodSync(theirs, 0o666);
    const r = await cli('plan', 't', '-o', theirs);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `nodupe: -o ${theirs}: belongs to another user, in a sticky folder: nodupe replaces there only the ` +
        "user's own file (or, as root, the folder owner's)\n",
    );
    expect(lstatSync(theirs).uid).toBe(4242);
    expect(readFileSync(theirs, 'utf8')).toBe('');
  });

  it("another user's link there, as a folder of the -o path, is not followed (exit 2)", async () => {
    dir.write('rootetc/out.json', 'root: precious config');
    const work = `${tmp()}/work`;
    symlinkSync(dir.path('rootetc'), work);
    lchownSync(work, 4242, 4242);
    const r = await cli('plan', 't', '-o', `${work}/out.json`);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `nodupe: -o ${work}/out.json: passes through ${work}, another user's symbolic link in a folder open ` +
        'to all: it is not followed\n',
    );
    expect(readFileSync(dir.path('rootetc/out.json'), 'utf8')).toBe('root: precious config');
  });
});

describe.runIf(asRoot)("another user's file in a sticky folder, without the power to replace it", () => {
  it('is one clear line, exit 1, the file as it was and no temporary file left', async () => {
    expect((await cli('scan', 't')).code).toBe(0);
    mkdirSync(dir.path('shared'));
    chmodSync(dir.path('shared'), 0o1777);
    chownSync(dir.path('shared'), 4242, 4242);
    const theirs = dir.write('shared/report.json', 'theirs');
    chownSync(theirs, 4242, 4242); // the folder owner's, which root may replace; another user's is refused at once
    // Root without CAP_FOWNER: the sticky folder's rule holds for it as for anyone.
    const r = spawnSync(
      'setpriv',
      ['--bounding-set', '-fowner', process.execPath, BIN, 'verify', '-q', '-o', theirs],
      { cwd: dir.root, encoding: 'utf8', env: { ...env, PATH: process.env.PATH } },
    );
    expect(r.stderr).toBe(
      `nodupe: -o ${theirs}: operation not permitted (EPERM): it belongs to another user, in a sticky folder: ` +
        "only its owner, the folder's or root may replace it\n",
    );
    expect(r.status).toBe(1);
    expect(readFileSync(theirs, 'utf8')).toBe('theirs');
    expect(names('shared')).toEqual(['report.json']);
  });
});
