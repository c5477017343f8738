// Finds the Chromium the browser tests drive (test/browser/): Debian's package (`apt-get install -y chromium`),
// never a browser playwright downloads. `node scripts/chromium.mjs` prints its path, or says what to install and
// exits 1.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where Debian puts the real binary (`/usr/bin/chromium` is a shell wrapper around it). */
const DEBIAN_BINARY = '/usr/lib/chromium/chromium';
/** Names looked up on PATH when the Debian binary is not there. */
const NAMES = ['chromium', 'chromium-browser'];

export const INSTALL_HINT = 'apt-get install -y chromium';

/** @param {string} path */
function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium binary to launch, or undefined when there is none: `$NODUPE_CHROMIUM` when set, else Debian's,
 * else `chromium` on PATH.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string | undefined}
 */
export function findChromium(env = process.env) {
  const named = env.NODUPE_CHROMIUM;
  if (named !== undefined && named !== '') return executable(named) ? named : undefined;
  if (executable(DEBIAN_BINARY)) return DEBIAN_BINARY;
  for (const folder of (env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    for (const name of NAMES) {
      const candidate = join(folder, name);
      if (executable(candidate)) return candidate;
    }
  }
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const found = findChromium();
  if (found === undefined) {
    console.error(`no Chromium found: ${INSTALL_HINT}`);
    process.exitCode = 1;
  } else {
    console.log(found);
  }
}
