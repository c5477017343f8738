// The command line on a PostgreSQL catalog, end to end: `--catalog postgres://…` (or the config file's `catalog`)
// works for scan, dupes, plan, apply, runs and undo; the password is never shown; a bad URL is refused with a
// clear message; two applies on one machine take turns by the cleanup lock, and another machine's runs are not
// this machine's.
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../src/apply/apply.js';
import { lockCatalog } from '../src/apply/catalog-lock.js';
import { openCatalog } from '../src/catalog/open-catalog.js';
import type { CatalogStore } from '../src/catalog/store.js';
import { FakeClock } from '../src/core/fake-clock.js';
import type { RateLimiter } from '../src/core/rate-limiter.js';
import { readPlan } from '../src/plan/plan-json.js';
import { treeState } from './helpers/apply.js';
import { runCli } from './helpers/cli.js';
import { postgresAvailable } from './helpers/postgres.js';
import { scratchDatabase, type ScratchDatabase } from './helpers/postgres-database.js';
import { bytes, scratch } from './helpers/tree.js';

describe.skipIf(!postgresAvailable())('nodupe on a PostgreSQL catalog', () => {
  let dir: ReturnType<typeof scratch>;
  let db: ScratchDatabase;
  let password: string;

  beforeEach(async () => {
    dir = scratch();
    db = await scratchDatabase();
    password = decodeURIComponent(new URL(db.url).password);
    const big = bytes(40_000, 1);
    dir.write('t/a/one.jpg', big);
    dir.write('t/b/one copy.jpg', big);
    dir.write('t/a/two', 'two');
    dir.write('t/b/two', 'two');
  });
  afterEach(async () => {
    dir.remove();
    await db.drop();
  });

  /** The environment of machine `machine`: its own data, config and state folders. */
  const envOf = (machine: string): NodeJS.ProcessEnv => ({
    XDG_DATA_HOME: dir.path(`${machine}/data`),
    XDG_CONFIG_HOME: dir.path(`${machine}/config`),
    XDG_STATE_HOME: dir.path(`${machine}/state`),
    NODUPE_MACHINE_ID: machine,
  });
  const cli = (args: string[], machine = 'm1') =>
    runCli([...args, '--catalog', db.url], { cwd: dir.root, env: envOf(machine) });
  const noSecrets = (text: string) => {
    expect(text).not.toContain(password);
    expect(text).not.toMatch(/^\s+at /m);
  };

  it('scans, lists duplicates, plans, applies, lists runs and undoes', async () => {
    const before = treeState(dir.path('t'));
    const scanned = await cli(['scan', 't', '--no-progress']);
    expect(scanned.stderr).toBe('');
    expect(scanned.code).toBe(0);
    expect(scanned.stdout).toMatch(/2 duplicate groups; catalog: postgres:\/\/nodupe:\*\*\*@/);
    noSecrets(scanned.stdout);

    const dupes = await cli(['dupes']);
    expect(dupes.code).toBe(0);
    expect(dupes.stdout).toContain(dir.path('t/b/one copy.jpg'));
    expect(dupes.stdout).toContain(dir.path('t/b/two'));

    const planned = await cli(['plan', '-o', 'plan.json', '--no-progress', '--prefer', 't/a']);
    expect(planned.code).toBe(0);
    const planText = readFileSync(dir.path('plan.json'), 'utf8');
    noSecrets(planText);
    expect(readPlan(planText, 'plan.json').catalog.location).toMatch(/^postgres:\/\/nodupe:\*\*\*@/);

    const applied = await cli(['apply', 'plan.json', '--no-progress']);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toMatch(/run 1: 2 done, 0 skipped/);
    expect(applied.code).toBe(0);
    expect(existsSync(dir.path('t/b/two'))).toBe(false);

    expect((await cli(['runs'])).stdout).toMatch(/^1\t.*\tfinished\t2 done, 0 skipped/m);
    // Another machine on the same catalog has run nothing, and has nothing of this machine's to undo.
    expect((await cli(['runs'], 'm2')).stdout).toBe('no runs yet\n');
    expect((await cli(['undo', '1'], 'm2')).code).toBe(2);
    expect(existsSync(dir.path('t/b/two'))).toBe(false);

    const undone = await cli(['undo']);
    expect(undone.code).toBe(0);
    expect(treeState(dir.path('t'))).toEqual(before);
    expect((await cli(['runs'])).stdout).toMatch(/^1\t.*\tundone\t/m);
  });

  it('refuses to undo a run whose journal another machine changed, and moves nothing', async () => {
    expect((await cli(['scan', 't', '--no-progress'])).code).toBe(0);
    expect((await cli(['plan', '-o', 'plan.json', '--no-progress', '--prefer', 't/a'])).code).toBe(0);
    expect((await cli(['apply', 'plan.json', '--no-progress'])).code).toBe(0);
    const after = treeState(dir.path('t'));
    // Another machine's user points an entry's target at a file of their choosing.
    const planted = dir.write('elsewhere/planted', 'two');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("UPDATE journal SET target = convert_to($1, 'UTF8')", [planted]);
    } finally {
      await client.end();
    }
    const undo = await cli(['undo', '--no-progress']);
    expect(undo.code).toBe(2);
    expect(undo.stderr).toMatch(/not as this machine wrote it/);
    noSecrets(undo.stderr);
    expect(treeState(dir.path('t'))).toEqual(after);
    expect(readFileSync(planted, 'utf8')).toBe('two');
    // Nor is it silent where runs are listed: a run whose seal does not match is left out, and said so.
    const client2 = new pg.Client({ connectionString: db.url });
    await client2.connect();
    try {
      await client2.query("UPDATE runs SET state = 'undone'");
    } finally {
      await client2.end();
    }
    const runs = await cli(['runs']);
    expect(runs.stdout).toBe('no runs yet\n');
    expect(runs.stderr).toMatch(
      /1 run of this machine in the shared catalog \(1\) is not as this machine wrote it/,
    );
  });

  it("never scans a run's --quarantine folder, even when that run's seal was broken", async () => {
    expect((await cli(['scan', 't', '--no-progress'])).code).toBe(0);
    expect((await cli(['plan', '-o', 'plan.json', '--no-progress', '--prefer', 't/a'])).code).toBe(0);
    const applied = await cli(['apply', 'plan.json', '--no-progress', '--quarantine', dir.path('t/q')]);
    expect(applied.code).toBe(0);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('UPDATE runs SET state_seal = NULL');
    } finally {
      await client.end();
    }
    expect((await cli(['scan', 't', '--no-progress'])).code).toBe(0);
    const dupes = await cli(['dupes', '--format', 'json']);
    expect(dupes.stdout).not.toContain(dir.path('t/q'));
    expect(JSON.parse(dupes.stdout)).toMatchObject({ groups: [] });
  });

  it("takes the catalog from the config file's `catalog` key", async () => {
    dir.write('m1/config/nodupe/config.toml', `catalog = "${db.url}"\n`);
    const env = envOf('m1');
    expect((await runCli(['scan', 't', '--no-progress'], { cwd: dir.root, env })).code).toBe(0);
    const dupes = await runCli(['dupes'], { cwd: dir.root, env });
    expect(dupes.code).toBe(0);
    expect(dupes.stdout).toContain(dir.path('t/b/two'));
    // Nothing was made where the default catalog file would be.
    expect(existsSync(dir.path('m1/data/nodupe/catalog.db'))).toBe(false);
  });

  it('refuses a URL it cannot use with a clear message, exit 2, no stack and no password', async () => {
    const server = new URL(db.url);
    const unreachable = `postgres://nodupe:${password}@127.0.0.1:1/nodupe_test`;
    const wrongLogin = `postgresql://nodupe:not-${password}@${server.host}${server.pathname}`;
    const otherScheme = `mysql://nodupe:${password}@${server.host}/catalog`;
    for (const [url, message] of [
      [
        unreachable,
        /cannot connect to the PostgreSQL catalog at postgres:\/\/nodupe:\*\*\*@127\.0\.0\.1:1\/nodupe_test/,
      ],
      [wrongLogin, /cannot connect to the PostgreSQL catalog at postgresql:\/\/nodupe:\*\*\*@/],
      [otherScheme, /expected a file path or a postgres:\/\/ URL, received a mysql:\/\/ URL/],
    ] as const) {
      for (const command of [['scan', 't', '--no-progress'], ['runs']]) {
        const r = await runCli([...command, '--catalog', url], { cwd: dir.root, env: envOf('m1') });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(message);
        noSecrets(r.stderr);
        noSecrets(r.stdout);
      }
    }
    // Nothing was made: no catalog file, no folder named after the scheme.
    expect(existsSync(dir.path('m1/data/nodupe'))).toBe(false);
    expect(existsSync(dir.path('mysql:'))).toBe(false);
  });

  it('refuses a second apply on this machine while one is under way; another machine is not held up', async () => {
    expect((await cli(['plan', 't', '-o', 'plan.json', '--no-progress', '--prefer', 't/a'])).code).toBe(0);
    expect((await cli(['plan', 't', '-o', 'plan2.json', '--no-progress', '--prefer', 't/b'])).code).toBe(0);
    const text = readFileSync(dir.path('plan.json'), 'utf8');
    // The first apply waits at its first byte compare until let go.
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    const limiter = { acquire: () => gate } as unknown as RateLimiter;
    const catalog: CatalogStore = openCatalog(db.url, { create: false, migrate: true, env: envOf('m1') });
    try {
      const first = applyPlan(readPlan(text, 'plan.json'), text, {
        catalog,
        clock: new FakeClock(),
        dataDir: dir.path('m1/data/nodupe'),
        limiter,
      });
      const second = await cli(['apply', 'plan2.json', '--no-progress']);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(
        new RegExp(
          `another nodupe \\(pid ${process.pid}, since .*\\) is applying, undoing or purging with the catalog ` +
            `postgres://nodupe:\\*\\*\\*@.*; wait for it to finish`,
        ),
      );
      noSecrets(second.stderr);
      // Machine m2 has its own lock, as it has its own runs: m1's apply does not hold it up.
      const elsewhere = openCatalog(db.url, { create: false, env: envOf('m2') });
      try {
        lockCatalog(elsewhere)();
      } finally {
        elsewhere.close();
      }
      letGo();
      expect((await first).done).toBe(2);
    } finally {
      catalog.close();
    }
    expect((await cli(['runs'])).stdout).toMatch(/^1\t.*\tfinished\t2 done/m);
  });
});
