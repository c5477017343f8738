/**
 * The scan writer thread's module. Built, it sits beside this file; run from the TypeScript sources (the tests),
 * workers cannot load .ts, so they use the compiled copy in dist/ (the test script builds it first).
 */
export const scanWriterUrl: URL = import.meta.url.endsWith('.ts')
  ? new URL('../../../dist/catalog/sqlite/scan-writer-thread.js', import.meta.url)
  : new URL('./scan-writer-thread.js', import.meta.url);
