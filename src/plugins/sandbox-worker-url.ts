/**
 * The sandbox worker's module. Built, it sits beside this file; run from the TypeScript sources (the tests),
 * workers cannot load .ts, so they use the compiled copy in dist/ (the test script builds it first).
 */
export const sandboxWorkerUrl: URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/plugins/sandbox-worker.js', import.meta.url)
  : new URL('./sandbox-worker.js', import.meta.url);
