// The PostgreSQL server the shared catalog's tests use works end to end: a client logs in over TCP with the
// tests' role and password, queries, and creates, fills, reads and drops a table.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, postgresUrl } from './helpers/postgres.js';

describe.skipIf(!postgresAvailable())('the PostgreSQL server of the tests', () => {
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
  });
  afterAll(() => client.end());

  it('answers a query, as the tests’ own role in their own database', async () => {
    const { rows } = await client.query<{ one: number; who: string; db: string }>(
      'SELECT 1 AS one, current_user AS who, current_database() AS db',
    );
    expect(rows).toEqual([{ one: 1, who: 'nodupe', db: 'nodupe_test' }]);
  });

  it('creates, fills, reads and drops a table', async () => {
    await client.query('CREATE TEMP TABLE smoke (path text PRIMARY KEY, size bigint NOT NULL)');
    await client.query('INSERT INTO smoke VALUES ($1, $2), ($3, $4)', ['b.jpg', 2048, 'a.jpg', 1024]);
    const { rows } = await client.query<{ path: string; size: string }>(
      'SELECT path, size FROM smoke ORDER BY path',
    );
    // bigint comes back as text: a file size can pass 2^53.
    expect(rows).toEqual([
      { path: 'a.jpg', size: '1024' },
      { path: 'b.jpg', size: '2048' },
    ]);
    await client.query('DROP TABLE smoke');
    const { rows: left } = await client.query("SELECT to_regclass('pg_temp.smoke') AS smoke");
    expect(left).toEqual([{ smoke: null }]);
  });
});
