/**
 * The built-in detectors' worker modules (each exports `fingerprint(bytes, name)`). Built, they sit below this
 * file; from the TypeScript sources (the tests), the workers load the compiled copies in dist/.
 */
const url = (path: string): string =>
  (import.meta.url.endsWith('.ts')
    ? new URL(`../../dist/similar/${path}`, import.meta.url)
    : new URL(`./${path}`, import.meta.url)
  ).href;

export const imageFingerprintUrl: string = url('images/image-fingerprint.js');
export const docFingerprintUrl: string = url('docs/doc-fingerprint.js');
