import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    // Worker threads start faster than child processes: the suite runs in ~35 s instead of ~45 s here.
    pool: 'threads',
  },
});
