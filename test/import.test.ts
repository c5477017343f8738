import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../src/plan/plan.js';
import { runCli, scratchEnv } from './helpers/cli.js';
import { eventually } from './helpers/eventually.js';
import { peerToolAvailable, runPeerTool, type PeerTool } from './helpers/peer-tools.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;

/**
 * The test tree: two groups (one with a space and one with a backslash in a name), a file alone, and a file of
 * the same size as a group's files but other bytes.
 */
beforeEach(() => {
  dir = scratch();
  env = scratchEnv(dir);
  dir.write('t/a/x', 'hello\n');
  dir.write('t/a/x2', 'hello\n');
  dir.write('t/b/y z', 'hello\n');
  dir.write('t/b/back\\slash', 'hello\n');
  dir.write('t/a/z', 'world!\n');
  dir.write('t/b/w', 'world!\n');
  dir.write('t/b/café', 'world!\n');
  dir.write('t/a/u', 'unique\n');
  dir.write('t/b/v', 'other!\n');
});
afterEach(() => dir.remove());

const nodupe = (...args: string[]) => runCli([...args, '--no-progress'], { cwd: dir.root, env });

/** What a plan decides, without its id, time and catalog: per group its keepers and actions, with why. */
function decisions(plan: Plan) {
  return {
    policy: plan.policy,
    action: plan.action,
    groups: plan.groups.map((g) => ({
      size: g.size,
      hash: g.hash,
      keepers: g.keepers.map((k) => [k.path, k.reason, String(k.ino)]),
      actions: g.actions.map((a) => [a.op, a.path, a.keeper, a.expect.hash, String(a.expect.ino), a.reason]),
    })),
  };
}

/** The plan nodupe makes itself for the tree and the policy. */
async function ownPlan(policy: string[]): Promise<ReturnType<typeof decisions>> {
  const run = await nodupe('plan', dir.path('t'), ...policy);
  expect(run.code, run.stderr).toBe(0);
  const plan = decisions(JSON.parse(run.stdout) as Plan);
  expect(plan.groups).toHaveLength(2);
  return plan;
}

/** `nodupe import` of `output` (written to a file), its plan and what it said. */
async function imported(output: Buffer | string, policy: string[] = [], extra: string[] = []) {
  const file = dir.path('peer-output');
  writeFileSync(file, output);
  const run = await nodupe('import', file, ...policy, ...extra);
  return { run, plan: run.code === 0 ? decisions(JSON.parse(run.stdout) as Plan) : undefined };
}

interface JdupesDoc {
  matchSets: { fileSize: number; fileList: { filePath: string }[] }[];
}
interface FclonesDoc {
  header: Record<string, unknown>;
  groups: { file_len: number; file_hash: string; files: string[] }[];
}

const POLICIES: string[][] = [[], ['--keep', 'newest', '--prefer', 't/b', '--action', 'delete']];

/** The real tools' outputs, and the format nodupe should say it read. */
const REAL: { tool: PeerTool; args: string[]; says: string }[] = [
  { tool: 'fdupes', args: ['-r'], says: 'fdupes/jdupes text' },
  { tool: 'fdupes', args: ['-r', '-1'], says: 'fdupes -1 text' },
  { tool: 'jdupes', args: ['-q', '-r'], says: 'fdupes/jdupes text' },
  { tool: 'jdupes', args: ['-q', '-r', '-0'], says: 'jdupes -0' },
  { tool: 'jdupes', args: ['-q', '-r', '-j'], says: 'jdupes JSON' },
  { tool: 'rmlint', args: ['-o', 'json', '-T', 'df'], says: 'rmlint JSON' },
];

describe('nodupe import of the real tools’ outputs', () => {
  for (const { tool, args, says } of REAL) {
    it.runIf(peerToolAvailable(tool))(
      `${tool} ${args.join(' ')}: the plan is the one nodupe makes itself`,
      async () => {
        const output = runPeerTool(tool, [...args, dir.path('t')]);
        for (const policy of POLICIES) {
          const { run, plan } = await imported(output, policy);
          expect(run.code, run.stderr).toBe(0);
          expect(run.stderr).toContain(says);
          expect(plan).toEqual(await ownPlan(policy));
        }
      },
    );
  }
});

describe('nodupe import of fclones and czkawka (fixtures in their real formats)', () => {
  for (const [fixture, says] of [
    ['fclones-text.out', 'fclones text report'],
    ['fclones-json.out', 'fclones JSON'],
    ['fclones-csv.out', 'fclones CSV'],
    ['czkawka-compact.out', 'czkawka JSON'],
  ] as const) {
    it(`${fixture}: the plan is the one nodupe makes itself`, async () => {
      const text = readFileSync(join(import.meta.dirname, 'fixtures/import', fixture), 'utf8');
      for (const policy of POLICIES) {
        const { run, plan } = await imported(text.replaceAll('@ROOT@', dir.root), policy);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr).toContain(says);
        expect(plan).toEqual(await ownPlan(policy));
      }
    });
  }
});

describe('dupes --format jdupes-json, rmlint-json, fclones-json', () => {
  for (const format of ['jdupes-json', 'rmlint-json', 'fclones-json']) {
    it(`${format}: imported back, it gives the plan nodupe makes itself`, async () => {
      const dupes = await nodupe('dupes', dir.path('t'), '--format', format);
      expect(dupes.code, dupes.stderr).toBe(0);
      for (const policy of POLICIES) {
        const { run, plan } = await imported(dupes.bytes, policy);
        expect(run.code, run.stderr).toBe(0);
        expect(plan).toEqual(await ownPlan(policy));
      }
    });
  }

  it('each is a JSON document when there are no groups too', async () => {
    dir.write('alone/x', 'x\n');
    for (const format of ['jdupes-json', 'rmlint-json', 'fclones-json']) {
      const run = await nodupe('dupes', dir.path('alone'), '--format', format);
      expect(run.code, run.stderr).toBe(0);
      expect(() => JSON.parse(run.stdout) as unknown, format).not.toThrow();
    }
  });

  it('jdupes-json has the fields and nesting of jdupes -j', async () => {
    const ours = JSON.parse(
      (await nodupe('dupes', dir.path('t'), '--format', 'jdupes-json')).stdout,
    ) as JdupesDoc;
    expect(Object.keys(ours)).toEqual([
      'jdupesVersion',
      'jdupesVersionDate',
      'commandLine',
      'extensionFlags',
      'matchSets',
    ]);
    expect(ours.matchSets[0]).toEqual({
      fileSize: 6,
      fileList: ['t/a/x', 't/a/x2', 't/b/back\\slash', 't/b/y z'].map((p) => ({ filePath: dir.path(p) })),
    });
    if (peerToolAvailable('jdupes')) {
      const theirs = JSON.parse(
        runPeerTool('jdupes', ['-q', '-r', '-j', dir.path('t')]).toString(),
      ) as JdupesDoc;
      expect(Object.keys(ours)).toEqual(Object.keys(theirs));
      expect(Object.keys(ours.matchSets[0]!)).toEqual(Object.keys(theirs.matchSets[0]!));
    }
  });

  it('rmlint-json has the fields of rmlint -o json: a header, one entry per file, a footer', async () => {
    const ours = JSON.parse(
      (await nodupe('dupes', dir.path('t'), '--format', 'rmlint-json')).stdout,
    ) as Record<string, unknown>[];
    const entries = ours.filter((e) => e.type === 'duplicate_file');
    expect(entries.map((e) => e.path)).toHaveLength(7);
    expect(entries.filter((e) => e.is_original)).toHaveLength(2);
    if (peerToolAvailable('rmlint')) {
      const theirs = JSON.parse(
        runPeerTool('rmlint', ['-o', 'json', '-T', 'df', dir.path('t')]).toString(),
      ) as Record<string, unknown>[];
      const keys = (e: Record<string, unknown>) => Object.keys(e).sort();
      expect(keys(entries[0]!)).toEqual(keys(theirs.find((e) => e.type === 'duplicate_file')!));
      expect(keys(ours.at(-1)!)).toEqual(keys(theirs.at(-1)!));
      expect(keys(ours[0]!).every((k) => k in theirs[0]!)).toBe(true);
    }
  });

  it('fclones-json escapes names as fclones does, and has its header', async () => {
    const ours = JSON.parse(
      (await nodupe('dupes', dir.path('t'), '--format', 'fclones-json')).stdout,
    ) as FclonesDoc;
    expect(Object.keys(ours.header)).toEqual(['version', 'timestamp', 'command', 'base_dir', 'stats']);
    expect(ours.groups[0]!.files).toContain(`${dir.path('t/b')}/back\\\\slash`);
    expect(ours.groups[0]).toMatchObject({ file_len: 6 });
  });
});

describe('nodupe import trusts nothing the tool said', () => {
  const jdupesJson = (groups: string[][]) =>
    JSON.stringify({
      matchSets: groups.map((g) => ({ fileSize: 6, fileList: g.map((p) => ({ filePath: dir.path(p) })) })),
    });

  it('splits a group whose bytes differ, and says so', async () => {
    const { run, plan } = await imported(
      jdupesJson([
        ['t/a/x', 't/a/x2', 't/a/u'],
        ['t/a/z', 't/b/v'],
      ]),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(plan!.groups.map((g) => [...g.keepers, ...g.actions].length)).toEqual([2]);
    expect(plan!.groups[0]!.actions.map((a) => a[1])).toEqual([dir.path('t/a/x2')]);
    expect(run.stderr).toContain('2 groups of the tool');
    expect(run.stderr).toMatch(/1 file like no other left out/);
  });

  it('reports files gone, folders and symbolic links, and plans the rest', async () => {
    symlinkSync(dir.path('t/a/x'), dir.path('t/link'));
    const { run, plan } = await imported(jdupesJson([['t/a/x', 't/a/x2', 't/gone', 't/link', 't/b']]));
    expect(run.code, run.stderr).toBe(0);
    expect(plan!.groups).toHaveLength(1);
    expect(run.stderr).toContain(`${dir.path('t/gone')} no longer exists`);
    expect(run.stderr).toContain(`${dir.path('t/link')} is a symbolic link now`);
    expect(run.stderr).toContain(`${dir.path('t/b')} is a folder now`);
  });

  it('reads a name holding a newline in jdupes -0 output, and says a name that is not UTF-8 is left out', async () => {
    dir.write('t/new\nline', 'hello\n');
    const odd = Buffer.concat([Buffer.from(dir.path('t/odd-')), Buffer.from([0xff])]);
    writeFileSync(odd, 'hello\n');
    const nul = Buffer.concat([
      Buffer.from(`${dir.path('t/a/x')}\0${dir.path('t/new\nline')}\0`),
      odd,
      Buffer.from('\0\0'),
    ]);
    const { run, plan } = await imported(nul);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('jdupes -0');
    expect(plan!.groups[0]!.actions.map((a) => a[1])).toEqual([dir.path('t/new\nline')]);
    expect(run.stderr).toContain('not UTF-8');
  });

  it("leaves out nodupe's own files (its data folder)", async () => {
    mkdirSync(dir.path('data/nodupe'), { recursive: true });
    writeFileSync(dir.path('data/nodupe/copy'), 'hello\n');
    const { run, plan } = await imported(jdupesJson([['t/a/x', 'data/nodupe/copy']]));
    expect(run.code, run.stderr).toBe(0);
    expect(plan!.groups).toHaveLength(0);
    expect(run.stderr).toContain("is nodupe's own");
  });

  it('refuses a name holding a newline in fdupes text, and writes nothing', async () => {
    dir.write('t/new\nline', 'hello\n');
    const out = dir.path('plan.json');
    const text = `${dir.path('t/a/x')}\n${dir.path('t/new')}\nline\n\n`;
    const { run } = await imported(text, [], ['-o', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/newline/);
    expect(existsSync(out)).toBe(false);
    // The same name in jdupes JSON is fine.
    const json = await imported(jdupesJson([['t/a/x', 't/new\nline']]));
    expect(json.run.code, json.run.stderr).toBe(0);
    expect(json.plan!.groups[0]!.actions.map((a) => a[1])).toEqual([dir.path('t/new\nline')]);
  });

  it('refuses a name holding a newline even when its second line looks absolute', async () => {
    dir.write('t/odd\n/x', 'hello\n');
    const { run } = await imported(`${dir.path('t/a/x')}\n${dir.path('t/odd')}\n/x\n\n`);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/holding a newline/);
  });

  it('bad input is exit 2 with a clear message, and nothing written', async () => {
    const out = dir.path('plan.json');
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['{"matchSets": [', /malformed JSON/],
      ['{"something": "else"}', /not the output of a tool nodupe reads/],
      ['hello world\n', /not the output of a tool nodupe reads/],
      ['./t/a/x\n./t/a/x2\n\n', /path 1 of group 1 is not an absolute path/],
      [JSON.stringify({ matchSets: [{ fileList: [{ filePath: 't/a/x' }] }] }), /not an absolute path/],
      [
        JSON.stringify({ matchSets: [{ fileList: [{ path: '/x' }] }] }),
        /fileList\[0\]\.filePath is not a path/,
      ],
    ];
    for (const [text, message] of cases) {
      const { run } = await imported(text, [], ['-o', out]);
      expect(run.code, text).toBe(2);
      expect(run.stderr, text).toMatch(message);
      expect(existsSync(out), text).toBe(false);
    }
    const missing = await nodupe('import', dir.path('nothing-here'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });

  it('--from forces a format, and refuses one the content does not have', async () => {
    const json = jdupesJson([['t/a/x', 't/a/x2']]);
    expect((await imported(json, [], ['--from', 'jdupes-json'])).run.code).toBe(0);
    const wrong = await imported(json, [], ['--from', 'rmlint-json']);
    expect(wrong.run.code).toBe(2);
    expect(wrong.run.stderr).toContain('rmlint JSON');
    expect((await nodupe('import', dir.path('x'), '--from', 'dupeguru')).code).toBe(2);
  });
});

/** Whether process `pid`'s main thread waits for events (Linux: its wait channel): it has nothing left to do. */
function idle(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/wchan`, 'utf8').includes('epoll_wait');
  } catch {
    return false;
  }
}

describe.skipIf(process.platform !== 'linux')('nodupe import - (a process, stdin a pipe)', () => {
  it('waits for a tool that has not written yet, instead of failing on the empty pipe', async () => {
    const bin = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));
    const child = spawn(
      process.execPath,
      [bin, 'import', '-', '--from', 'fdupes', '-o', dir.path('plan.json'), '--no-progress'],
      { cwd: dir.root, env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Written only once nodupe waits on the still empty pipe.
    await eventually(() => idle(child.pid!), 'wait on the empty pipe');
    child.stdin.end(`${dir.path('t/a/x')}\n${dir.path('t/a/x2')}\n\n`);
    expect(await exited, stderr).toBe(0);
    const plan = JSON.parse(readFileSync(dir.path('plan.json'), 'utf8')) as Plan;
    expect(plan.groups).toHaveLength(1);
  });
});
