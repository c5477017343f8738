// vitest's global setup for the tests that need a PostgreSQL server (the `postgres` project in vitest.config.ts,
// so a run without them starts nothing): the server at NODUPE_TEST_POSTGRES_URL when that is set, else a
// throwaway cluster made for this run and dropped after it (scripts/postgres.mjs). Where neither can be had, the
// tests learn why (test/helpers/postgres.ts skips them with a notice, or fails them under CI).
import type { TestProject } from 'vitest/node';
import { postgresUnavailable, startCluster, stopCluster } from '../../scripts/postgres.mjs';
import type { PostgresServer } from '../helpers/postgres.js';

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.NODUPE_TEST_POSTGRES_URL;
  if (given !== undefined && given !== '') {
    provide(project, { url: given });
    return undefined;
  }
  const unavailable = postgresUnavailable();
  if (unavailable !== undefined) {
    provide(project, { unavailable });
    return undefined;
  }
  // Named after this run's process: runs at the same time each have their own, and a crashed run's is dropped by
  // the next.
  const name = `nodupe_test_${process.pid}`;
  const started = performance.now();
  provide(project, { url: await startCluster(name, process.pid) });
  console.log(
    `nodupe tests: PostgreSQL cluster ${name} started in ${Math.round(performance.now() - started)} ms`,
  );
  return () => stopCluster(name);
}

function provide(project: TestProject, server: PostgresServer): void {
  project.provide('postgres', server);
}
