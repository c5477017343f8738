import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/** The tests that need a PostgreSQL server: their own project, so that a run without them starts none. */
const POSTGRES_TESTS = ['test/**/postgres-*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    // Worker threads start faster than child processes: the suite runs in ~35 s instead of ~45 s here.
    pool: 'threads',
    // vitest runs one file at a time on 2 cores (its default is a core less than there are); the tests wait on
    // disks, child processes and the browser as much as on a core: two at a time take 81 s instead of 131 s.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: {
          name: 'nodupe',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...POSTGRES_TESTS],
        },
      },
      {
        extends: true,
        test: { name: 'postgres', include: POSTGRES_TESTS, globalSetup: ['test/setup/postgres.ts'] },
      },
    ],
  },
});
