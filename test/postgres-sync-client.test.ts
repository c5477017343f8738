// The synchronous PostgreSQL client the shared catalog runs on: answers as better-sqlite3 gives them (bigint for
// int8, Buffer for bytea), the server's errors with their SQLSTATE, COPY, asynchronous calls in order, a clear
// error (without the password) when it cannot log in, and a worker that ends with close().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodupeError } from '../src/core/errors.js';
import { PostgresError, SyncPostgres } from '../src/catalog/postgres/sync-client.js';
import { postgresAvailable, postgresUrl } from './helpers/postgres.js';
import { catching } from './helpers/catching.js';

describe.skipIf(!postgresAvailable())('SyncPostgres', () => {
  let db: SyncPostgres;

  beforeAll(() => {
    db = SyncPostgres.connect(postgresUrl());
  });
  afterAll(() => db.close());

  it('answers a query synchronously, with int8 as bigint and int4 as number', () => {
    const rows = db.query<{ one: number; big: bigint; text: string }>(
      "SELECT 1::int4 AS one, 9007199254740993::int8 AS big, 'a' AS text",
    );
    expect(rows).toEqual([{ one: 1, big: 9007199254740993n, text: 'a' }]);
  });

  it('sends bigint and Buffer parameters, and returns bytea as Buffer byte for byte', () => {
    const path = Buffer.from([0x66, 0xff, 0x00, 0x2f, 0x80]);
    const [row] = db.query<{ size: bigint; path: Buffer; same: boolean }>(
      'SELECT $1::int8 AS size, $2::bytea AS path, $2::bytea = $3::bytea AS same',
      [2n ** 60n, path, Buffer.from(path)],
    );
    expect(row!.size).toBe(2n ** 60n);
    expect(Buffer.isBuffer(row!.path)).toBe(true);
    expect(row!.path.equals(path)).toBe(true);
    expect(row!.same).toBe(true);
  });

  it('runs many statements with exec, and a table keeps what was written', () => {
    db.exec('CREATE TEMP TABLE t (k int8 PRIMARY KEY, v bytea); INSERT INTO t VALUES (1, NULL)');
    expect(db.query('SELECT count(*)::int4 AS n FROM t')).toEqual([{ n: 1 }]);
    db.exec('DROP TABLE t');
  });

  it('rethrows the server’s error with its SQLSTATE, and goes on working after it', () => {
    db.exec('CREATE TEMP TABLE u (k int4 PRIMARY KEY)');
    db.query('INSERT INTO u VALUES (1)');
    const error = catching(() => db.query('INSERT INTO u VALUES (1)'));
    expect(error).toBeInstanceOf(PostgresError);
    expect((error as PostgresError).code).toBe('23505');
    expect(catching(() => db.query('SELEKT 1'))).toMatchObject({ code: '42601' });
    expect(db.query('SELECT count(*)::int4 AS n FROM u')).toEqual([{ n: 1 }]);
    db.exec('DROP TABLE u');
  });

  it('copies rows from text with COPY, bytea in hex', () => {
    db.exec('CREATE TEMP TABLE c (k int8, p bytea)');
    const copied = db.copyFrom('COPY c (k, p) FROM STDIN', Buffer.from('1\t\\\\x00ff\n2\t\\\\x61\n'));
    expect(copied).toBe(2);
    const rows = db.query<{ k: bigint; p: Buffer }>('SELECT k, p FROM c ORDER BY k');
    expect(rows.map((r) => [r.k, r.p.toString('hex')])).toEqual([
      [1n, '00ff'],
      [2n, '61'],
    ]);
    expect(catching(() => db.copyFrom('COPY c (k, p) FROM STDIN', Buffer.from('x\t\\N\n')))).toMatchObject({
      code: '22P02',
    });
    db.exec('DROP TABLE c');
  });

  it('answers asynchronous calls in the order asked, and a synchronous call after them sees their writes', async () => {
    db.exec('CREATE TEMP TABLE a (k int4)');
    const answers: string[] = [];
    const copied = db.copyFromAsync('COPY a FROM STDIN', Buffer.from('1\n2\n')).then((n) => {
      answers.push(`copy ${n}`);
    });
    const inserted = db.queryAsync('INSERT INTO a VALUES ($1)', [3]).then(() => answers.push('insert'));
    const failed = db.queryAsync('INSERT INTO a VALUES ($1)', ['x']).catch((e: unknown) => {
      answers.push(`failed ${(e as PostgresError).code}`);
    });
    const counted = db
      .queryAsync<{ n: number }>('SELECT count(*)::int4 AS n FROM a')
      .then(([row]) => answers.push(`count ${row!.n}`));
    // The synchronous call waits behind the asynchronous ones on the same connection.
    expect(db.query('SELECT count(*)::int4 AS n FROM a')).toEqual([{ n: 3 }]);
    await Promise.all([copied, inserted, failed, counted]);
    expect(answers).toEqual(['copy 2', 'insert', 'failed 22P02', 'count 3']);
    db.exec('DROP TABLE a');
  });

  it('refuses a wrong password with BAD_INPUT, and never shows the password', () => {
    const url = new URL(postgresUrl());
    url.password = 'not-the-secret-4242';
    const error = catching(() => SyncPostgres.connect(url.toString()));
    expect(error).toBeInstanceOf(NodupeError);
    expect(error).toMatchObject({ code: 'BAD_INPUT' });
    const message = (error as Error).message;
    expect(message).toMatch(
      /cannot connect to the PostgreSQL catalog at postgres:\/\/nodupe:\*\*\*@.*password authentication failed/,
    );
    expect(message).not.toContain('not-the-secret-4242');
    expect(message).not.toContain(new URL(postgresUrl()).password);
  });

  it('refuses a server that does not answer, and a URL that is no URL, with BAD_INPUT', () => {
    const refused = catching(() =>
      SyncPostgres.connect('postgres://nodupe:hunter2@127.0.0.1:1/x', { timeoutMs: 2000 }),
    );
    expect(refused).toMatchObject({ code: 'BAD_INPUT' });
    expect((refused as Error).message).toMatch(/ECONNREFUSED/);
    expect((refused as Error).message).not.toContain('hunter2');
    const bad = catching(() =>
      SyncPostgres.connect('postgres://nodupe:hunter2@[nope/x', { timeoutMs: 2000 }),
    );
    expect(bad).toMatchObject({ code: 'BAD_INPUT' });
    expect((bad as Error).message).not.toContain('hunter2');
  });

  it('ends its session and its worker on close, and refuses calls after', async () => {
    const other = SyncPostgres.connect(postgresUrl());
    const before = other.queryAsync<{ n: number }>('SELECT 7 AS n');
    const [row] = other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = row!.pid;
    other.close();
    // An asynchronous call sent before the close still gets its answer.
    await expect(before).resolves.toEqual([{ n: 7 }]);
    expect(() => other.query('SELECT 1')).toThrow(/closed/);
    // The server forgets the session once the worker has ended it.
    const left = db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
    expect(left).toEqual([]);
  });
});
