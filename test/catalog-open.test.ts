import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { Database } from '../src/catalog/sqlite/driver.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/catalog/sqlite/migrations.js';
import { planToJson } from '../src/plan/plan-json.js';
import { runCli } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let catalogPath: string;

beforeEach(() => {
  dir = scratch();
  catalogPath = dir.path('state', 'catalog.db');
  mkdirSync(dir.path('state'));
  for (let i = 0; i < 400; i++) dir.write(`t/${i}`, bytes(3000, i % 40));
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli([...args, '--catalog', catalogPath], { cwd: dir.root });

/** The commands that work on the catalog that is there: none may create, upgrade or replace one. */
const EXISTING_CATALOG_COMMANDS = [
  ['verify'],
  ['undo'],
  ['runs'],
  ['dupes'],
  ['plan'],
  ['apply', '--resume'],
  ['quarantine', 'purge', '--older-than', '0'],
];

/** The catalog folder as it is: names, bytes and mtimes (a -wal or -shm left behind shows too). */
function snapshotFolder() {
  return readdirSync(dir.path('state'))
    .sort()
    .map((name) => {
      const path = dir.path('state', name);
      return { name, bytes: readFileSync(path), mtimeMs: statSync(path).mtimeMs };
    });
}

/** Runs the command on the catalog as it is: exit 2, the message, and the catalog folder exactly unchanged. */
async function expectRefused(args: string[], message: RegExp) {
  const before = snapshotFolder();
  const { code, stderr, stdout } = await cli(...args);
  expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
  expect(stderr).toMatch(message);
  expect(stdout).toBe('');
  expect(snapshotFolder()).toEqual(before);
}

/** A catalog that a scan made, with its mtime set in the past so that any write would show. */
async function realCatalog() {
  expect((await cli('scan', 't')).code).toBe(0);
  utimesSync(catalogPath, new Date(2020, 0, 1), new Date(2020, 0, 1));
}

describe('an empty (0-byte) catalog', () => {
  beforeEach(() => {
    dir.write('state/catalog.db', '');
    utimesSync(catalogPath, new Date(2020, 0, 1), new Date(2020, 0, 1));
  });

  it.each(EXISTING_CATALOG_COMMANDS)(
    'is refused by %s, with what to do, and left as it is',
    async (...args) => {
      await expectRefused(
        args,
        /the catalog .*catalog\.db is empty \(0 bytes\), and was left as it is: restore it/,
      );
    },
  );

  it('says that the quarantined files are still in quarantine', async () => {
    const { stderr } = await cli('undo');
    expect(stderr).toMatch(/quarantined are still in their quarantine folder/);
    expect(stderr).toContain('move it away and run `nodupe scan PATH` to start a new one');
  });

  it('is not replaced by a scan either', async () => {
    await expectRefused(['scan', 't'], /is empty \(0 bytes\)/);
    await expectRefused(['dupes', 't'], /is empty \(0 bytes\)/);
  });
});

describe('a truncated catalog', () => {
  beforeEach(async () => {
    await realCatalog();
    const size = statSync(catalogPath).size;
    expect(size).toBeGreaterThan(8 * 4096);
    truncateSync(catalogPath, Math.floor(size / 2));
    utimesSync(catalogPath, new Date(2020, 0, 1), new Date(2020, 0, 1));
  });

  it.each(EXISTING_CATALOG_COMMANDS)('is refused by %s and left as it is', async (...args) => {
    await expectRefused(args, /the catalog .* is truncated \(corrupt\): its header records \d+ pages/);
  });

  it('is refused by scan too', async () => {
    await expectRefused(['scan', 't'], /is truncated \(corrupt\)/);
  });
});

describe('a catalog truncated while in use (its write-ahead log beside it)', () => {
  it('is refused, log or no log, and left as it is', async () => {
    await realCatalog();
    // A writer that has not checkpointed: the last transaction is only in the log. Its files are copied as a
    // crash would leave them, then the copy of the catalog is cut in half.
    const db = new Database(catalogPath);
    db.pragma('wal_autocheckpoint = 0');
    db.exec(`INSERT INTO runs (plan_id, plan, state, started_at) VALUES ('p', '{}', 'running', 1)`);
    const copy = dir.path('state', 'copy.db');
    copyFileSync(catalogPath, copy);
    copyFileSync(`${catalogPath}-wal`, `${copy}-wal`);
    db.close();
    truncateSync(copy, Math.floor(statSync(copy).size / 2));
    const before = snapshotFolder();
    const { code, stderr } = await runCli(['undo', '--catalog', copy], { cwd: dir.root });
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /is truncated \(corrupt\): it holds \d+ pages of 4096 bytes, and page \d+ is neither in the file/,
    );
    expect(snapshotFolder()).toEqual(before);
  });
});

describe('a catalog whose content is gone', () => {
  it('refuses one cut inside its first page', async () => {
    await realCatalog();
    truncateSync(catalogPath, 50);
    await expectRefused(['runs'], /is truncated \(corrupt\): 50 bytes, shorter than an SQLite header/);
  });

  it('refuses an SQLite database without any table', async () => {
    dir.write('state/.keep', '');
    new Database(catalogPath).pragma('journal_mode = WAL');
    await expectRefused(['verify'], /is an empty SQLite database, with none of the tables of a catalog/);
    await expectRefused(['scan', 't'], /is an empty SQLite database/);
  });
});

describe('a missing catalog', () => {
  it.each(EXISTING_CATALOG_COMMANDS)('is refused by %s, and none is made', async (...args) => {
    const { code, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /there is no catalog at .*catalog\.db\nnodupe: hint: `nodupe scan PATH` makes one/,
    );
    expect(readdirSync(dir.path('state'))).toEqual([]);
  });

  it('is made by scan, whole, with nothing left beside it', async () => {
    expect((await cli('scan', 't')).code).toBe(0);
    expect(readdirSync(dir.path('state')).filter((n) => !n.startsWith('catalog.db-'))).toEqual([
      'catalog.db',
    ]);
    expect((await cli('runs')).stdout).toBe('no runs yet\n');
  });
});

describe('a catalog of an older schema', () => {
  beforeEach(() => {
    dir.write('state/.keep', '');
    const db = new Database(catalogPath);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    db.exec(MIGRATIONS[0]!.sql);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)').run();
    db.pragma('journal_mode = WAL');
    db.close();
    utimesSync(catalogPath, new Date(2020, 0, 1), new Date(2020, 0, 1));
  });

  it.each([['verify'], ['runs'], ['dupes'], ['plan']])(
    'is refused by the read-only %s, which says what upgrades it',
    async (...args) => {
      await expectRefused(
        args,
        /schema version 1, older than this nodupe's \(\d+\); a read-only command does not upgrade it/,
      );
    },
  );

  it('is refused by the dry runs of apply and purge, which change nothing, not even the schema', async () => {
    writeFileSync(
      dir.path('plan.json'),
      planToJson({
        id: 'p',
        createdAt: new Date(0).toISOString(),
        catalog: { id: 'c', location: catalogPath },
        algorithm: 'sha256',
        policy: { rules: ['first-root'], protect: [], onlyFrom: [], keepN: 1 },
        action: 'quarantine',
        groups: [],
      }),
    );
    const advice =
      /schema version 1, older than this nodupe's \(\d+\); a dry run changes nothing, so it does not upgrade it: run `nodupe scan PATH` once/;
    await expectRefused(['apply', 'plan.json', '--dry-run'], advice);
    await expectRefused(['quarantine', 'purge', '--older-than', '0', '--dry-run'], advice);
  });

  it('is upgraded by undo, so that what an older nodupe quarantined stays within reach', async () => {
    expect((await cli('undo')).stdout).toBe('nothing left to undo (`nodupe runs` lists the runs)\n');
    expect((await cli('runs')).stdout).toBe('no runs yet\n');
  });

  it('is upgraded by scan', async () => {
    expect((await cli('scan', 't')).code).toBe(0);
    expect((await cli('runs')).stdout).toBe('no runs yet\n');
  });
});

describe('a whole catalog', () => {
  it('is used by the commands that read it, and not written by them', async () => {
    await realCatalog();
    const before = snapshotFolder();
    expect((await cli('runs')).stdout).toBe('no runs yet\n');
    const dupes = await cli('dupes');
    expect(dupes.code).toBe(0);
    expect(dupes.stdout).toMatch(/^\d+ groups, \d+ redundant files/m);
    expect(snapshotFolder()).toEqual(before);
  });

  it('is used while another process writes to it (what that one wrote is in the write-ahead log)', async () => {
    await realCatalog();
    const db = new Database(catalogPath);
    try {
      db.pragma('wal_autocheckpoint = 0');
      db.exec(`INSERT INTO runs (plan_id, plan, state, started_at) VALUES ('p', '{}', 'running', 1)`);
      const runs = await cli('runs');
      expect(runs.code, runs.stderr).toBe(0);
      expect(runs.stdout).toMatch(/^1\t.*\trunning\t/m);
    } finally {
      db.close();
    }
  });

  it('is refused when it is not a catalog file at all', async () => {
    dir.write('state/catalog.db', 'a text file, not a catalog\n');
    await expectRefused(['runs'], /is not a database \(it does not start with the SQLite header\)/);
    writeFileSync(catalogPath, 'x');
    await expectRefused(['scan', 't'], /is not a database/);
  });
});

describe('a catalog whose folder cannot be made', () => {
  it('is refused with a clear message and exit 2, no stack', async () => {
    dir.write('a-file', 'not a folder\n');
    // The default catalog, in a data folder that cannot be made (here under a file; as another user, under a
    // folder of root's).
    const { code, stderr } = await runCli(['scan', dir.root], {
      cwd: dir.root,
      env: { ...process.env, XDG_DATA_HOME: dir.path('a-file/sub') },
    });
    expect(code).toBe(2);
    expect(stderr).toContain(`cannot make the catalog's folder ${dir.path('a-file/sub/nodupe')}`);
    expect(stderr).toContain('--catalog FILE puts the catalog elsewhere');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
