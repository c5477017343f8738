/**
 * The synchronous PostgreSQL client's worker module. Built, it sits beside this file; run from the TypeScript
 * sources (the tests), workers cannot load .ts, so they use the compiled copy in dist/ (the test script builds it
 * first).
 */
export const syncWorkerUrl: URL = import.meta.url.endsWith('.ts')
  ? new URL('../../../dist/catalog/postgres/sync-worker.js', import.meta.url)
  : new URL('./sync-worker.js', import.meta.url);
