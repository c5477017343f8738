/** The fingerprinting worker's module (from the TypeScript sources, the tests use the compiled copy in dist/). */
export const fingerprintWorkerUrl: URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/similar/worker.js', import.meta.url)
  : new URL('./worker.js', import.meta.url);
