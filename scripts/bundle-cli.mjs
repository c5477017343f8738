// Bundles the command line into dist/bundle/ (run by `npm run build`, after tsc has built dist/).
//
// Node loads a program of many small modules one file at a time, and the CLI is ~150 of them (~130 of nodupe's).
// The bundle is an entry file, nodupe.js, and chunks that load when the command that needs them is chosen (main.ts
// imports each command with import()): `nodupe --version` loads the entry and the few small chunks it shares with
// the commands, `nodupe dupes` about 30 files of nodupe's where it loaded ~130. bin/nodupe.js runs it.
//
// The pure-JavaScript packages the commands load at start-up (BUNDLED_PACKAGES) are in the bundle too. What stays
// outside, as tsc built it:
// - the other packages from node_modules (better-sqlite3, piscina, ...): Node resolves them as usual; some find
//   files of their own beside them (native addons, piscina's worker), which a bundle would break;
// - the worker threads' modules (dist/hash/worker.js, dist/plugins/sandbox-worker.js, and what they import):
//   a worker loads only what it needs;
// - the modules that name a worker's file by their own place, named *-url.ts by that rule (hash/worker-url.ts,
//   plugins/sandbox-worker-url.ts, ...): the bundle imports them from dist/, so the URLs they compute are the
//   built files'.
// The bundle sits one folder below dist/, as the modules in src/*/ do below src/, so the other URLs that modules
// compute from their own place (../../package.json, ../../schema/) name the same files from the bundle; the build
// fails when a bundled module computes a URL that would name another file from there.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(root, 'dist/bundle');

/** Packages bundled: JavaScript only, finding no files by their own place; the rest stay imports. */
const BUNDLED_PACKAGES = new Set(['commander', 'smol-toml']);

/** Imports of packages not in BUNDLED_PACKAGES stay imports, resolved by Node at run time. */
const otherPackages = {
  name: 'other-packages',
  setup(bundler) {
    bundler.onResolve({ filter: /^[^./]/ }, ({ path }) => {
      if (path.startsWith('node:')) return { path, external: true };
      const name = path.startsWith('@') ? path.split('/', 2).join('/') : path.split('/', 1)[0];
      return BUNDLED_PACKAGES.has(name) ? undefined : { path, external: true };
    });
  },
};

const src = resolve(root, 'src');
/** Where a source module's URLs would point from, were it in the bundle: dist/bundle/ is to dist/ as this to src/. */
const bundleInSrc = resolve(src, relative(resolve(root, 'dist'), outdir));

/** Imports of a worker's URL module (`*-url.js`) stay imports of its built copy, by a path from the bundle. */
const workerUrlModules = {
  name: 'worker-url-modules',
  setup(bundler) {
    bundler.onResolve({ filter: /^\.\.?\/.*-url\.js$/ }, ({ path, resolveDir }) => {
      const source = resolve(resolveDir, path);
      if (!source.startsWith(src + sep)) return undefined;
      return { path: relative(outdir, resolve(root, 'dist', relative(src, source))), external: true };
    });
  },
};

/**
 * The command line imports the library through its one public entry, src/index.ts (a lint rule holds it there),
 * which re-exports it all. esbuild splits code by the files each entry point (main.ts, each command's module)
 * reaches through imports, so through the index every command, and `nodupe --version`, would reach, and load,
 * the whole library. So the bundle reads each CLI module's imports of the index as imports of the modules that
 * define the names, as if written so, and every command loads only its own modules, as before the index.
 * The index's exports are read from its text: `export { a, type B, c as d } from './x.js';` only.
 */
function indexExports() {
  const text = readFileSync(resolve(src, 'index.ts'), 'utf8');
  const code = text.replace(/^\s*\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
  const statements = [...code.matchAll(/export\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)';/g)];
  const rest = statements.reduce((left, [statement]) => left.replace(statement, ''), code).trim();
  if (rest !== '') {
    throw new Error(
      `src/index.ts: only \`export { … } from '…';\` statements are read for the bundle: ${rest}`,
    );
  }
  const exports = new Map();
  for (const [, typeOnly, names, from] of statements) {
    for (const spec of names
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')) {
      const isType = typeOnly !== undefined || spec.startsWith('type ');
      const [name, alias = name] = spec.replace(/^type\s+/, '').split(/\s+as\s+/);
      exports.set(alias, { name, isType, file: resolve(src, from) });
    }
  }
  return exports;
}

/** `import { … } from '../index.js'` (or `../../index.js`, ...) in a CLI module. */
const IMPORT_OF_INDEX = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+'((?:\.\.\/)+index\.js)';/g;

const cliImportsOfIndex = {
  name: 'cli-imports-of-index',
  setup(bundler) {
    const exports = indexExports();
    bundler.onLoad({ filter: /[\\/]src[\\/]cli[\\/].*\.ts$/ }, ({ path }) => {
      const text = readFileSync(path, 'utf8');
      const contents = text.replace(IMPORT_OF_INDEX, (statement, typeOnly, names, from) => {
        if (resolve(dirname(path), from) !== resolve(src, 'index.js')) return statement;
        const byFile = new Map();
        for (const spec of names
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')) {
          const [name, local = name] = spec.replace(/^type\s+/, '').split(/\s+as\s+/);
          const found = exports.get(name);
          if (found === undefined)
            throw new Error(`${relative(root, path)}: src/index.ts exports no ${name}`);
          const isType = typeOnly !== undefined || spec.startsWith('type ') || found.isType;
          const specs = byFile.get(found.file) ?? [];
          specs.push({ isType, text: `${found.name} as ${local}` });
          byFile.set(found.file, specs);
        }
        const direct = [...byFile].map(([file, specs]) => {
          const to = relative(dirname(path), file).split(sep).join('/');
          const from = `'${to.startsWith('.') ? to : `./${to}`}'`;
          // Types only: `import type`, which leaves nothing behind (an `import { type A }` would stay an import).
          if (specs.every((s) => s.isType))
            return `import type { ${specs.map((s) => s.text).join(', ')} } from ${from};`;
          return `import { ${specs.map((s) => (s.isType ? `type ${s.text}` : s.text)).join(', ')} } from ${from};`;
        });
        // As many lines as the statement had, so that stack traces name the source's lines.
        return direct.join(' ') + '\n'.repeat(statement.split('\n').length - 1);
      });
      return { contents, loader: 'ts' };
    });
  },
};

/** `new URL('…', import.meta.url)` in code (comments aside) of the bundled sources. */
const URL_FROM_HERE = /^(?!\s*(?:\/\/|\*)).*new URL\(\s*'([^']+)',\s*import\.meta\.url\)/gm;

/** Fails when a bundled module computes a URL from its own place that names another file from the bundle's. */
function checkUrls(metafile) {
  for (const input of Object.keys(metafile.inputs)) {
    const file = resolve(root, input);
    if (!file.startsWith(src + sep)) continue;
    for (const [, url] of readFileSync(file, 'utf8').matchAll(URL_FROM_HERE)) {
      if (resolve(dirname(file), url) !== resolve(bundleInSrc, url)) {
        throw new Error(
          `${input}: new URL('${url}', import.meta.url) would name another file from the bundle; ` +
            'compute it in a module of its own named *-url.ts (kept out of the bundle)',
        );
      }
    }
  }
}

const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: { nodupe: resolve(root, 'src/cli/main.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  plugins: [otherPackages, workerUrlModules, cliImportsOfIndex],
  // The bundled packages are CommonJS that require() Node's own modules; in an ES module that takes a require.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  // Names in stack traces and error messages stay those of the sources.
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
  metafile: true,
});
checkUrls(metafile);

// Files of earlier builds go once this one is written, not before: a nodupe started from this tree meanwhile
// (another build's tests) still finds the chunks its entry names (they are named by their content).
const written = new Set(Object.keys(metafile.outputs).map((output) => resolve(root, output)));
for (const name of readdirSync(outdir)) {
  if (!written.has(resolve(outdir, name))) rmSync(resolve(outdir, name), { recursive: true, force: true });
}
