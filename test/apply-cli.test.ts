import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { treeState } from './helpers/apply.js';
import { runCli } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = scratch();
  env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
  const big = bytes(40_000, 1);
  dir.write('t/a/one.jpg', big);
  dir.write('t/b/one copy.jpg', big);
  dir.write('t/a/two', 'two');
  dir.write('t/b/two', 'two');
  dir.write('t/b/three', 'two');
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env });

async function writePlan(...extra: string[]): Promise<Record<string, unknown>> {
  const made = await cli('plan', 't', '-o', 'plan.json', '--no-progress', ...extra);
  expect(made.code).toBe(0);
  return JSON.parse(readFileSync(dir.path('plan.json'), 'utf8')) as Record<string, unknown>;
}

type Doc = {
  groups: {
    keepers: { path: string }[];
    actions: { op: string; path: string; expect: { hash: string } }[];
  }[];
};

describe('nodupe plan', () => {
  it('writes a nodupe.plan/1 document, rules in command-line order, --explain says why', async () => {
    const made = await cli(
      'plan',
      't',
      '-o',
      'plan.json',
      '--no-progress',
      '--prefer',
      't/b',
      '--keep',
      'shortest-path',
      '--explain',
    );
    expect(made.code).toBe(0);
    const doc = JSON.parse(readFileSync(dir.path('plan.json'), 'utf8')) as Doc & {
      schema: string;
      policy: { rules: string[] };
    };
    expect(doc.schema).toBe('nodupe.plan/1');
    expect(doc.policy.rules).toEqual([`prefer ${dir.path('t/b')}`, 'shortest-path']);
    expect(doc.groups.map((g) => g.keepers.map((k) => k.path))).toEqual([
      [dir.path('t/b/one copy.jpg')],
      [dir.path('t/b/two')],
    ]);
    expect(made.stderr).toContain(
      `keep ${dir.path('t/b/one copy.jpg')}: prefer ${dir.path('t/b')}: inside over outside`,
    );
    // Both copies in t/b tie on the first rule; the second tells them apart.
    expect(made.stderr).toContain(`keep ${dir.path('t/b/two')}: shortest-path: `);
  });

  it('exports CSV for spreadsheets', async () => {
    const made = await cli('plan', 't', '--format', 'csv', '--no-progress');
    expect(made.stdout.split('\n')[0]).toBe('group,op,path,keeper,size,hash,reason');
    expect(made.stdout).toContain(`,quarantine,${dir.path('t/b/two')},${dir.path('t/a/two')},`);
  });

  it('reads the policy from the config file, and rejects a bad one with exit 2', async () => {
    dir.write('config/nodupe/config.toml', `[policy]\nrules = ["prefer ${dir.path('t/a')}"]\nkeep_n = 1\n`);
    const doc = (await writePlan()) as unknown as Doc;
    expect(doc.groups[0]!.keepers[0]!.path).toBe(dir.path('t/a/one.jpg'));
    for (const bad of [
      '[policy]\nrules = ["biggest"]\n',
      '[policy]\nkeep_n = 0\n',
      '[polcy]\n',
      'rules = [\n',
    ]) {
      dir.write('config/nodupe/config.toml', bad);
      const r = await cli('plan', 't', '--no-progress');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/config\.toml/);
    }
  });

  it('--protect and --only-from decide which files may be acted on', async () => {
    const only = (await writePlan('--only-from', 't/a')) as unknown as Doc;
    expect(
      only.groups.flatMap((g) => g.actions.map((a) => a.path)).every((p) => p.startsWith(dir.path('t/a/'))),
    ).toBe(true);
    const protect = (await writePlan('--protect', 't/a', '--protect', 't/b')) as unknown as Doc;
    expect(protect.groups).toEqual([]);
  });
});

describe('nodupe apply: bad input touches nothing', () => {
  const cases: [string, (text: string, doc: Record<string, unknown>) => string, RegExp][] = [
    ['a truncated plan', (text) => text.slice(0, Math.floor(text.length / 2)), /not valid JSON/],
    ['a garbled plan', () => '\u0000\u00ff{{garbage', /not valid JSON/],
    [
      'an unknown schema',
      (_t, doc) => JSON.stringify({ ...doc, schema: 'nodupe.plan/9' }),
      /unknown plan schema/,
    ],
    [
      'a plan edited to keep nothing',
      (_t, doc) => {
        (doc as Doc).groups[0]!.keepers = [];
        return JSON.stringify(doc);
      },
      /group 1 has no keeper/,
    ],
    [
      'a keeper also marked for action',
      (_t, doc) => {
        const g = (doc as Doc).groups[0]!;
        g.actions.push({ ...g.actions[0]!, path: g.keepers[0]!.path });
        return JSON.stringify(doc);
      },
      /is a keeper .* and also marked for action/,
    ],
    [
      'a path twice',
      (_t, doc) => {
        const g = (doc as Doc).groups[1]!;
        g.actions.push({ ...g.actions[0]! });
        return JSON.stringify(doc);
      },
      /appears twice/,
    ],
    [
      'a path outside its group',
      (_t, doc) => {
        const [g1, g2] = (doc as Doc).groups;
        g1!.actions.push({ ...g2!.actions[0]!, path: dir.path('t/elsewhere') });
        return JSON.stringify(doc);
      },
      /outside group 1|not a keeper of that group/,
    ],
    [
      'an unknown action',
      (_t, doc) => {
        (doc as Doc).groups[0]!.actions[0]!.op = 'shred';
        return JSON.stringify(doc);
      },
      /groups\.0\.actions\.0\.op: unknown value; expected one of quarantine, delete/,
    ],
    [
      'a plan from another catalog',
      (_t, doc) => JSON.stringify({ ...doc, catalog: { id: 'ffffffff', location: '/elsewhere/catalog.db' } }),
      /made from another catalog/,
    ],
  ];

  for (const [name, edit, message] of cases) {
    it(`${name}: a clear message, exit 2, the tree byte-identical`, async () => {
      const doc = await writePlan();
      const text = readFileSync(dir.path('plan.json'), 'utf8');
      writeFileSync(dir.path('bad.json'), edit(text, doc));
      const before = treeState(dir.path('t'));
      const r = await cli('apply', 'bad.json', '--no-progress');
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(treeState(dir.path('t'))).toEqual(before);
    });
  }

  it('a missing plan file, an unknown option, and apply without a plan are exit 2', async () => {
    for (const args of [['apply', 'nope.json'], ['apply', '--frobnicate', 'plan.json'], ['apply']]) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toBe('');
    }
  });

  it('a delete plan needs --yes (stdin is no terminal here), then deletes and says so', async () => {
    await writePlan('--action', 'delete');
    const before = treeState(dir.path('t'));
    const refused = await cli('apply', 'plan.json', '--no-progress');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/cannot be undone\nnodupe: hint: pass --yes/);
    expect(treeState(dir.path('t'))).toEqual(before);
    const done = await cli('apply', 'plan.json', '--yes', '--no-progress');
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/run 1: 3 done, 0 skipped/);
    // A delete cannot be undone: named, undo says so; by default it is passed over (nothing left to undo).
    const undo = await cli('undo', '1');
    expect(undo.code).toBe(1);
    expect(undo.stdout).toMatch(/cannot be brought back/);
    const byDefault = await cli('undo');
    expect(byDefault.code).toBe(0);
    expect(byDefault.stdout).toMatch(/nothing left to undo/);
  });
});

describe('nodupe apply, runs, undo, verify, quarantine purge', () => {
  it('the whole round: dry run, apply, runs, verify, undo, apply again, purge', async () => {
    await writePlan();
    const before = treeState(dir.path('t'));
    const dry = await cli('apply', 'plan.json', '--dry-run', '--no-progress');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would quarantine ${dir.path('t/b/two')} (keeper ${dir.path('t/a/two')})`);
    expect(treeState(dir.path('t'))).toEqual(before);

    expect((await cli('apply', 'plan.json', '--no-progress')).code).toBe(0);
    const again = await cli('apply', 'plan.json', '--no-progress');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already applied/);
    expect((await cli('runs')).stdout).toMatch(/^1\t.*\tfinished\t3 done, 0 skipped/m);
    const verified = await cli('verify', '--mode', 'all', '-o', 'report.json', '--no-progress');
    expect(verified.stdout).toMatch(/0 errors/);
    expect(verified.code).toBe(0);
    expect(JSON.parse(readFileSync(dir.path('report.json'), 'utf8'))).toMatchObject({
      schema: 'nodupe.verify/1',
      ok: true,
    });

    expect((await cli('undo', '1')).code).toBe(0);
    expect(treeState(dir.path('t'))).toEqual(before);
    expect((await cli('undo', '1')).stdout).toMatch(/already undone/);

    await writePlan();
    expect((await cli('apply', 'plan.json', '--no-progress')).code).toBe(0);
    const purged = await cli('quarantine', 'purge', '--older-than', '0');
    expect(purged.stdout).toMatch(/purged 3 files .* from 1 run: .* freed\n/);
    expect((await cli('verify', '--mode', 'consistency')).code).toBe(0);
    expect((await cli('undo', '2')).stdout).toMatch(/purged/);
  });

  it('verify finds what changed behind the catalog and exits 1 with per-file details', async () => {
    await cli('scan', 't', '--no-progress');
    writeFileSync(dir.path('t/a/two'), 'changed!');
    const r = await cli('verify', '--mode', 'integrity', '-o', 'report.json');
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(dir.path('report.json'), 'utf8')) as {
      errors: { path: string; code: string }[];
    };
    expect(report.errors).toEqual([
      expect.objectContaining({ path: dir.path('t/a/two'), code: 'size-changed' }),
    ]);
  });
});

describe('nodupe apply --snapshot', () => {
  it('takes a snapshot of the files a delete plan removes; restoring it brings them back', async () => {
    await writePlan('--action', 'delete');
    const before = treeState(dir.path('t'));
    const done = await cli('apply', 'plan.json', '--yes', '--snapshot', '--no-progress');
    expect(done.code).toBe(0);
    const id = /snapshot (\S+): 3 files/.exec(done.stderr)?.[1];
    expect(id).toBeDefined();
    expect(treeState(dir.path('t'))).not.toEqual(before);
    const restored = await cli('snapshot', 'restore', id!);
    expect(restored.code).toBe(0);
    expect(treeState(dir.path('t'))).toEqual(before);
  });
});

describe('nodupe verify --mode checksums', () => {
  it('finds bytes that changed behind an unchanged size and mtime', async () => {
    for (const name of ['t/a/one.jpg', 't/b/one copy.jpg'])
      utimesSync(dir.path(name), 1_700_000_000, 1_700_000_000);
    expect((await cli('scan', 't', '--no-progress')).code).toBe(0);
    const rotten = readFileSync(dir.path('t/a/one.jpg'));
    rotten[100] = 255 - rotten[100]!;
    writeFileSync(dir.path('t/a/one.jpg'), rotten);
    utimesSync(dir.path('t/a/one.jpg'), 1_700_000_000, 1_700_000_000);
    const r = await cli('verify', '--mode', 'checksums', '--no-progress');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`checksums: checksum-mismatch: ${dir.path('t/a/one.jpg')}`);
    expect(r.stdout).toMatch(/verified \(checksums \d+\): 1 error\n/);
  });
});

describe('mistakes that would otherwise pass unnoticed', () => {
  it('a catalog that does not exist is refused by the commands that only read it, and not created', async () => {
    for (const args of [['verify'], ['runs'], ['undo'], ['dupes'], ['plan'], ['apply', '--resume']]) {
      const r = await cli(...args, '--catalog', 'typo.db');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        /there is no catalog at .*typo\.db\nnodupe: hint: `nodupe scan PATH` makes one \(is the --catalog path right\?\)/,
      );
    }
    expect(existsSync(dir.path('typo.db'))).toBe(false);
  });

  it('an output that cannot be written, a folder to protect that does not exist, --to without move: exit 2 first', async () => {
    await cli('scan', 't', '--no-progress');
    for (const [args, message] of [
      [['verify', '-o', dir.path('no/such/dir/report.json')], /report\.json: its folder .* does not exist/],
      [['plan', 't', '-o', dir.path('no/such/dir/plan.json')], /plan\.json: its folder .* does not exist/],
      [['plan', 't', '--protect', 't/typo'], /--protect .*t\/typo: no such file or directory/],
      [['plan', 't', '--to', 'elsewhere'], /--to is for --action move/],
    ] as const) {
      const r = await cli(...args, '--no-progress');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('a hasher plugin whose module makes no proper hashing state fails when it loads, with the reason', async () => {
    dir.write('plugins/bad/package.json', '{ "main": "plugin.mjs" }');
    dir.write(
      'plugins/bad/plugin.mjs',
      "export default { name: 'bad', version: '1.0.0', api: '^1', provides: { hashers: [{ name: 'len', module: './state.mjs' }] } };",
    );
    dir.write(
      'plugins/bad/state.mjs',
      'export const createHashState = () => ({ update() {}, digest: () => "0" });',
    );
    const r = await cli('plugins', 'list', '--plugins', dir.path('plugins'));
    expect(r.stdout).toMatch(
      /bad\t1\.0\.0\tfailed\t.*hasher "len": its module .* must export createHashState\(\) returning \{ reset\(\), update\(bytes\), digest\(\) \}/,
    );
  });
});

describe('dupes from the catalog', () => {
  it('says which hash to ask for when the catalog holds only another', async () => {
    await cli('scan', 't', '--hash', 'sha256', '--no-progress');
    const r = await cli('dupes');
    expect(r.stderr).toMatch(/the catalog holds sha256 hashes, none by xxh3: pass --hash sha256/);
    expect((await cli('dupes', '--hash', 'sha256')).stdout).toMatch(/2 groups/);
  });
});
