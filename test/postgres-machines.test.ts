// Several machines share one PostgreSQL catalog: four processes, each playing a machine of its own
// (NODUPE_MACHINE_ID), scan different trees into it at the same time, twice; then each machine asks where else
// its files are (a file alone of its size on its machine too), and lists the groups across machines, while its
// own plans and groups stay its own files.
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from './helpers/postgres.js';
import { scratchDatabase, type ScratchDatabase } from './helpers/postgres-database.js';
import { scratch } from './helpers/tree.js';

const BIN = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));
const MACHINES = ['m1', 'm2', 'm3', 'm4'];
const FILES_EACH = 400;
const ROUNDS = 2;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built command line as machine `machine`, in a process of its own. */
function asMachine(machine: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--no-progress'], {
      env: { ...env, NODUPE_MACHINE_ID: machine, NODUPE_MACHINE_NAME: `host-${machine}` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!postgresAvailable())('machines sharing one PostgreSQL catalog', () => {
  let db: ScratchDatabase;
  let dir: ReturnType<typeof scratch>;
  let env: NodeJS.ProcessEnv;
  const tree = (machine: string) => realpathSync(dir.path(machine));

  beforeAll(async () => {
    db = await scratchDatabase();
    dir = scratch();
    env = { PATH: process.env.PATH, XDG_DATA_HOME: dir.path('data'), XDG_STATE_HOME: dir.path('state') };
    for (const machine of MACHINES) {
      for (let i = 0; i < FILES_EACH; i++) {
        dir.write(`${machine}/f${Math.floor(i / 50)}/file-${i}.txt`, `${machine} file ${i}`);
      }
      // One content every machine has, once.
      dir.write(`${machine}/shared/report.pdf`, 'the quarterly report');
    }
    // Two local copies on m1, so that m1 has a group of its own.
    dir.write('m1/again/report.pdf', 'the quarterly report');
    // Two rounds: the machines scan at once, so in the first a machine may not see the others' rows yet (its
    // lone report.pdf is then not read); in the second each rescans, finds report.pdf's size on the other
    // machines, and reads it in full, though no other file of its size is on that machine.
    for (let round = 0; round < ROUNDS; round++) {
      const runs = await Promise.all(
        MACHINES.map((m) => asMachine(m, ['scan', tree(m), '--catalog', db.url], env)),
      );
      for (const run of runs) expect(run.stderr, run.stderr).toBe('');
      expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    }
  }, 60_000);

  afterAll(async () => {
    await db.drop();
    dir.remove();
  });

  it('keeps every row of the four scans at once, each once, none lost', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ machine: string; n: string; paths: string }>(
        `SELECT machine, count(*) AS n, count(DISTINCT (volume, path)) AS paths FROM files
         WHERE gone_at IS NULL GROUP BY machine ORDER BY machine`,
      );
      const expected = (m: string) => String(FILES_EACH + 1 + (m === 'm1' ? 1 : 0));
      expect(rows).toEqual(MACHINES.map((m) => ({ machine: m, n: expected(m), paths: expected(m) })));
      const scans = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM scans WHERE finished_at IS NOT NULL',
      );
      expect(scans.rows[0]!.n).toBe(String(MACHINES.length * ROUNDS));
    } finally {
      await client.end();
    }
  });

  it('says where else a file is, on every machine, marking the copy on this one', async () => {
    const run = await asMachine(
      'm2',
      ['where', `${tree('m2')}/shared/report.pdf`, '--format', 'json', '--catalog', db.url],
      env,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as {
      files: { copies: { machine: string; local: boolean; path: string }[] }[];
    };
    const copies = answer.files[0]!.copies;
    expect(copies.map((c) => c.machine).sort()).toEqual(['host-m1', 'host-m1', 'host-m3', 'host-m4']);
    expect(copies.every((c) => !c.local)).toBe(true);
    expect(copies.map((c) => c.path)).toContain(`${tree('m3')}/shared/report.pdf`);
  });

  it('lists groups across machines with --all-machines, and only local groups without it', async () => {
    const all = await asMachine(
      'm1',
      ['dupes', '--all-machines', '--format', 'ndjson', '--catalog', db.url],
      env,
    );
    expect(all.code).toBe(0);
    const groups = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { copies: { machine: string; local: boolean }[] });
    expect(groups).toHaveLength(1);
    const copies = groups[0]!.copies;
    expect(copies).toHaveLength(5);
    expect(copies.filter((c) => c.local).map((c) => c.machine)).toEqual(['host-m1', 'host-m1']);
    // Without --all-machines, a machine's groups are its own files: m1's two copies, none of the others'.
    const local = await asMachine('m1', ['dupes', '--format', 'json', '--catalog', db.url], env);
    expect(local.code).toBe(0);
    const report = JSON.parse(local.stdout) as { groups: { files: { path: string }[] }[] };
    expect(report.groups).toHaveLength(1);
    expect(report.groups[0]!.files.map((f) => f.path).sort()).toEqual([
      `${tree('m1')}/again/report.pdf`,
      `${tree('m1')}/shared/report.pdf`,
    ]);
    // m2 has one copy: no group of its own, whatever the other machines hold.
    const m2 = await asMachine('m2', ['dupes', '--format', 'json', '--catalog', db.url], env);
    expect((JSON.parse(m2.stdout) as { groups: unknown[] }).groups).toEqual([]);
  });

  it('lets two scans of one machine’s volume take turns, losing nothing', async () => {
    dir.write('m1/later-a/x.txt', 'later a');
    dir.write('m1/later-b/y.txt', 'later b');
    const runs = await Promise.all(
      ['later-a', 'later-b'].map((sub) =>
        asMachine('m1', ['scan', `${tree('m1')}/${sub}`, '--catalog', db.url], env),
      ),
    );
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    const found = await asMachine(
      'm1',
      ['where', `${tree('m1')}/later-a/x.txt`, '--format', 'json', '--catalog', db.url],
      env,
    );
    expect(found.code).toBe(0);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM files WHERE machine = 'm1' AND gone_at IS NULL",
      );
      expect(rows[0]!.n).toBe(String(FILES_EACH + 2 + 2));
    } finally {
      await client.end();
    }
  });
});
