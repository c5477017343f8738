// Builds the folder reader (read-dir.c) with node-gyp; run by `npm install` / `npm ci` (the package's install
// script) and by `npm run build:native`. The addon is optional: nodupe reads folders in JavaScript without it.
// So a failed build (no compiler, no Python) prints a notice and succeeds, except under CI (CI=true), where the
// addon must be built and a failure fails the install.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ci = process.env.CI === 'true';

// Within an npm script, npm names its own node-gyp; otherwise the one on the PATH.
const gyp = process.env.npm_config_node_gyp;
const [command, args] = gyp ? [process.execPath, [gyp]] : ['node-gyp', []];
const run = spawnSync(command, [...args, 'rebuild', '--release'], { cwd: here, stdio: 'inherit' });

if (run.status !== 0) {
  const why = run.error ? run.error.message : `node-gyp exited with ${run.status ?? run.signal}`;
  if (ci) {
    console.error(`nodupe: building the native folder reader failed under CI (${why})`);
    process.exit(1);
  }
  console.error(
    `nodupe: NOTE: the native folder reader could not be built (${why}).\n` +
      'nodupe works without it, reading folders in JavaScript (slower on large trees). To build it later,\n' +
      'install a C compiler, make and Python 3, then run `npm rebuild nodupe` (or `npm run build:native`).',
  );
}
