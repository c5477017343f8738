/**
 * The scan job thread's module. Built, it sits beside this file; run from the TypeScript sources (the tests),
 * workers cannot load .ts, so they use the compiled copy in dist/ (the test script builds it first).
 */
export const scanWorkerUrl: URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/service/scan-worker.js', import.meta.url)
  : new URL('./scan-worker.js', import.meta.url);
