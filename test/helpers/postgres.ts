// The PostgreSQL server of the tests that need one, as test/setup/postgres.ts provides it. Such a test file is
// named postgres-*.test.ts (vitest.config.ts runs those with that setup). Without a server the tests are skipped,
// and say so (under CI=true that fails the run instead: CI installs PostgreSQL).
import { inject } from 'vitest';

/** The server the tests use, or why there is none. */
export type PostgresServer = { url: string } | { unavailable: string };

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresServer;
  }
}

function server(): PostgresServer {
  const provided = inject('postgres') as PostgresServer | undefined;
  if (provided === undefined) {
    throw new Error('no PostgreSQL set up for this file: name it postgres-*.test.ts (see vitest.config.ts)');
  }
  return provided;
}

/** Whether the tests that need PostgreSQL can run; where not, they are skipped with a notice (failed under CI). */
export function postgresAvailable(): boolean {
  const provided = server();
  if ('url' in provided) return true;
  if (process.env.CI === 'true')
    throw new Error(`CI needs PostgreSQL for these tests: ${provided.unavailable}`);
  console.warn(`nodupe tests: the PostgreSQL tests are SKIPPED: ${provided.unavailable}`);
  return false;
}

/** The URL of the database the tests use: NODUPE_TEST_POSTGRES_URL, or the cluster made for this run. */
export function postgresUrl(): string {
  const provided = server();
  if (!('url' in provided)) throw new Error(`no PostgreSQL for the tests: ${provided.unavailable}`);
  return provided.url;
}
