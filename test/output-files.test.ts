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
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/core/fake-clock.js';
import { writeOutput } from '../src/fs/output-file.js';
import { adversary } from './helpers/adversary.js';
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

describe("nodupe's own name, the default manifest: never followed through a link", () => {
  const MANIFEST = '.nodupe-manifest.jsonl';
  const secret = 'root:*:20200:0:99999:7:::\n';

  it.runIf(asRoot)(
    "in another user's folder (mallory's), their link there is refused, and what it leads to is untouched",
    async () => {
      dir.write('rootetc/rootfile.conf', secret);
      const pub = dir.path('home/mallory/pub');
      dir.write('home/mallory/pub/p', 'x');
      symlinkSync(dir.path('rootetc/rootfile.conf'), `${pub}/${MANIFEST}`);
      chownSync(pub, 1002, 1002);
      lchownSync(`${pub}/${MANIFEST}`, 1002, 1002);
      const r = await cli('manifest', 'write', pub);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`cannot write the manifest ${pub}/${MANIFEST}: is a symbolic link`);
      expect(readFileSync(dir.path('rootetc/rootfile.conf'), 'utf8')).toBe(secret);
      expect(readlinkSync(`${pub}/${MANIFEST}`)).toBe(dir.path('rootetc/rootfile.conf'));
      expect(existsSync(dir.path('data/nodupe'))).toBe(false); // refused before the catalog was made
    },
  );

  it("in the user's own folder too; -o through the same link follows it, as every -o does", async () => {
    dir.write('elsewhere/m.jsonl', 'old');
    symlinkSync(dir.path('elsewhere/m.jsonl'), dir.path(`t/${MANIFEST}`));
    const r = await cli('manifest', 'write', dir.path('t'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is a symbolic link: nodupe never writes its own file through one');
    expect(readFileSync(dir.path('elsewhere/m.jsonl'), 'utf8')).toBe('old');
    const named = await cli('manifest', 'write', dir.path('t'), '-o', dir.path(`t/${MANIFEST}`));
    expect(named.code, named.stderr).toBe(0);
    expect(readFileSync(dir.path('elsewhere/m.jsonl'), 'utf8')).toMatch(/^\{"schema":"nodupe.manifest\/1"/);
    expect(lstatSync(dir.path(`t/${MANIFEST}`)).isSymbolicLink()).toBe(true);
  });

  it('a FIFO there is refused, not written through', async () => {
    execFileSync('mkfifo', [dir.path(`t/${MANIFEST}`)]);
    const r = await cli('manifest', 'write', dir.path('t'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a regular file');
  });

  it('verify does not read the default manifest through a link, nor quote any file it cannot read as one', async () => {
    dir.write('rootetc/shadow', secret);
    symlinkSync(dir.path('rootetc/shadow'), dir.path(`t/${MANIFEST}`));
    const r = await cli('manifest', 'verify', dir.path('t'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${dir.path(`t/${MANIFEST}`)} is a symbolic link`);
    expect(r.stderr).not.toContain('root:');
    // Named with --manifest, the link is followed (the user chose the file), and the error says where, not what.
    const named = await cli('manifest', 'verify', dir.path('t'), '--manifest', dir.path(`t/${MANIFEST}`));
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('line 1 is not valid JSON (an unexpected character)');
    expect(named.stderr).not.toContain('root:');
    writeFileSync(dir.path('other.jsonl'), '{"schema":"root:*:20200:0"}\n{"end":true}\n');
    const schema = await cli('manifest', 'verify', dir.path('t'), '--manifest', dir.path('other.jsonl'));
    expect(schema.code).toBe(2);
    expect(schema.stderr).toContain('its first line names no schema nodupe knows');
    expect(schema.stderr).not.toContain('root:');
  });

  it('import never quotes its input in an error, whatever format it is read as', async () => {
    dir.write('rootetc/shadow', secret);
    for (const from of [[], ['--from', 'fdupes'], ['--from', 'jdupes-json'], ['--from', 'fclones']]) {
      const r = await cli('import', dir.path('rootetc/shadow'), ...from);
      expect(r.code, from.join(' ')).toBe(2);
      expect(r.stderr, from.join(' ')).not.toContain('root:');
    }
  });
});

describe("the default manifest's name swapped for a link after it was checked", () => {
  it('the write renames over the link itself: what the link leads to is untouched', () => {
    dir.write('t/.nodupe-manifest.jsonl', 'last week');
    dir.write('rootetc/rootfile.conf', 'precious');
    const name = dir.path('t/.nodupe-manifest.jsonl');
    const ops = adversary((call) => {
      if (call.name !== 'open' || !String(call.args[0]).includes('.nodupe-manifest.jsonl.')) return false;
      rmSync(name);
      symlinkSync(dir.path('rootetc/rootfile.conf'), name);
      return true;
    });
    writeOutput(ops, name, 'the manifest', new FakeClock(), { follow: false });
    expect(readFileSync(dir.path('rootetc/rootfile.conf'), 'utf8')).toBe('precious');
    expect(lstatSync(name).isFile()).toBe(true);
    expect(readFileSync(name, 'utf8')).toBe('the manifest');
  });
});

describe("an output never names nodupe's catalog, nor lands in its data folder (exit 2, nothing touched)", () => {
  const catalogBytes = () => readFileSync(dir.path('A.db'));
  let before: Buffer;
  beforeEach(async () => {
    expect((await cli('scan', 't', '--catalog', 'A.db')).code).toBe(0);
    before = catalogBytes();
  });

  it.each([
    ['plan', ['plan', '-o', 'A.db', '--catalog', 'A.db']],
    ['plan, its -wal', ['plan', '-o', 'A.db-wal', '--catalog', 'A.db']],
    ['plan, a link to it', ['plan', '-o', 'to-db', '--catalog', 'A.db']],
    ['verify', ['verify', '-o', 'A.db', '--catalog', 'A.db']],
    ['manifest write', ['manifest', 'write', 't', '-o', 'A.db', '--catalog', 'A.db']],
    ['import', ['import', 'peer.txt', '-o', 'A.db', '--catalog', 'A.db']],
  ])('%s', async (_name, args) => {
    symlinkSync('A.db', dir.path('to-db'));
    dir.write('peer.txt', `${dir.path('t/a')}\n${dir.path('t/b')}\n\n`);
    const r = await cli(...args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/is nodupe's catalog \(or one of its files\): name another file/);
    expect(catalogBytes().equals(before)).toBe(true);
  });

  it('nor a file in the data folder (the default catalog, quarantine and snapshots live there)', async () => {
    mkdirSync(dir.path('data/nodupe'), { recursive: true });
    const r = await cli('plan', 't', '-o', dir.path('data/nodupe/plan.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nodupe's own folder");
    expect(existsSync(dir.path('data/nodupe/plan.json'))).toBe(false);
  });
});

describe('import of an output too large to read', () => {
  it('is refused before a byte is read: exit 2, one line saying the limit', async () => {
    const big = dir.path('huge.txt');
    writeFileSync(big, '');
    truncateSync(big, 512 * 1024 * 1024 + 1);
    const r = await cli('import', big);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^nodupe: the file is over 256 MiB, the most nodupe reads\n/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
