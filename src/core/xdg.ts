import { homedir } from 'node:os';
import { join } from 'node:path';

/** An XDG base folder: the variable when it holds an absolute path, else the spec's fallback under home. */
function base(value: string | undefined, fallback: string[]): string {
  return value && value.startsWith('/') ? value : join(homedir(), ...fallback);
}

/** nodupe's data folder, `$XDG_DATA_HOME/nodupe`: the default catalog, quarantine and snapshots live here. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(base(env.XDG_DATA_HOME, ['.local', 'share']), 'nodupe');
}

/** nodupe's cache folder, `$XDG_CACHE_HOME/nodupe`: what can be made again (thumbnails). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(base(env.XDG_CACHE_HOME, ['.cache']), 'nodupe');
}

/** nodupe's state folder, `$XDG_STATE_HOME/nodupe` (the server's runtime files when XDG_RUNTIME_DIR is unset). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(base(env.XDG_STATE_HOME, ['.local', 'state']), 'nodupe');
}

/** nodupe's config folder, `$XDG_CONFIG_HOME/nodupe`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(base(env.XDG_CONFIG_HOME, ['.config']), 'nodupe');
}
