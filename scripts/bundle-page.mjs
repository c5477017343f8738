// Bundles the review page (src/page/) into dist/page/ (run by `npm run build`): index.html, app.js, app.css and
// icon.svg, which `nodupe serve` serves (the page at /, the rest under /assets/). Everything the page needs is in
// these files: it makes no request outside nodupe (no fonts, CDNs or remote images).
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = resolve(root, 'src/page');
const outdir = resolve(root, 'dist/page');

/** Files copied as they are. */
const STATIC_FILES = ['index.html', 'icon.svg'];

mkdirSync(outdir, { recursive: true });
const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: [
    { in: resolve(src, 'main.ts'), out: 'app' },
    { in: resolve(src, 'app.css'), out: 'app' },
  ],
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Browsers of the last few years; the page uses nothing newer.
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  sourcesContent: false,
  tsconfig: resolve(src, 'tsconfig.json'),
  logLevel: 'warning',
  metafile: true,
});
for (const name of STATIC_FILES) copyFileSync(resolve(src, name), resolve(outdir, name));

// Files of earlier builds go.
const written = new Set([
  ...Object.keys(metafile.outputs).map((output) => resolve(root, output)),
  ...STATIC_FILES.map((name) => resolve(outdir, name)),
]);
for (const name of readdirSync(outdir)) {
  if (!written.has(resolve(outdir, name))) rmSync(resolve(outdir, name), { recursive: true, force: true });
}
