import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'smol-toml';
import {
  ACTION_OPS,
  configDir,
  isActionOp,
  isPostgresLocation,
  NodupeError,
  parseRule,
  type ActionOp,
  type KeepRule,
} from '../index.js';

/** The `[policy]` section of the config file: each key optional; the command line overrides each one. */
export interface PolicyConfig {
  rules?: KeepRule[];
  protect?: string[];
  onlyFrom?: string[];
  keepN?: number;
  action?: ActionOp;
  to?: string;
}

/** The `[plugins]` section, and each plugin's own `[plugin.NAME]` table. */
export interface PluginsConfig {
  dirs: string[];
  /** Load plugins that other users could have changed (see plugins/safety.ts); false unless set. */
  allowUnsafe: boolean;
  pollIntervalMs?: number;
  /** How long one call into a plugin's hasher may run before the scan or verify stops. */
  hasherTimeLimitMs?: number;
  sections: Record<string, Record<string, unknown>>;
}

export interface Config {
  /** The file it came from, for messages; undefined when there was none. */
  file: string | undefined;
  /**
   * The `catalog` key: the catalog's file (relative to the config file's folder, or `~/…`) or a PostgreSQL URL;
   * `--catalog` overrides it.
   */
  catalog?: string;
  policy: PolicyConfig;
  plugins: PluginsConfig;
  /** The `archives` key: scans catalogue archive members as `--archives` does. */
  archives?: boolean;
}

/** `$XDG_CONFIG_HOME/nodupe/config.toml`, falling back to ~/.config as the XDG spec says. */
export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'config.toml');
}

/**
 * Reads the config file: the one named (which must exist), else the default one if there is one. Anything
 * wrong in it is a BAD_INPUT error naming the file and the key.
 */
export function loadConfig(named: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Config {
  const file = named === undefined ? defaultConfigPath(env) : resolve(cwd, named);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (named === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { file: undefined, policy: {}, plugins: { dirs: [], allowUnsafe: false, sections: {} } };
    }
    throw new NodupeError('BAD_INPUT', `cannot read the config file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (error) {
    throw new NodupeError('BAD_INPUT', `${file} is not valid TOML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const fail = (message: string): never => {
    throw new NodupeError('BAD_INPUT', `${file}: ${message}`);
  };
  for (const key of Object.keys(doc)) {
    if (!['catalog', 'archives', 'policy', 'plugins', 'plugin'].includes(key)) {
      fail(
        `unknown section [${key}]; known: [policy], [plugins], [plugin.NAME], catalog = "…", archives = true`,
      );
    }
  }
  if (doc.archives !== undefined && typeof doc.archives !== 'boolean') {
    fail(`archives must be true or false, received ${JSON.stringify(doc.archives)}`);
  }
  const catalog = readCatalog(doc.catalog, file, fail);
  const table = (value: unknown, name: string): Record<string, unknown> => {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      fail(`[${name}] must be a table`);
    return value as Record<string, unknown>;
  };
  return {
    file,
    ...(catalog === undefined ? {} : { catalog }),
    ...(doc.archives === undefined ? {} : { archives: doc.archives as boolean }),
    policy: readPolicy(table(doc.policy, 'policy'), fail),
    plugins: readPlugins(table(doc.plugins, 'plugins'), table(doc.plugin, 'plugin'), file, fail),
  };
}

/** The `catalog` key: a PostgreSQL URL as written, a path made absolute (relative to the config file). */
function readCatalog(value: unknown, file: string, fail: (message: string) => never): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    return fail('catalog must be a file path or a postgres:// URL, as a string');
  }
  let url: boolean;
  try {
    url = isPostgresLocation(value);
  } catch (error) {
    return fail((error as Error).message);
  }
  if (url) return value;
  return value.startsWith('~/') ? join(homedir(), value.slice(2)) : resolve(dirname(file), value);
}

function readPlugins(
  section: Record<string, unknown>,
  perPlugin: Record<string, unknown>,
  file: string,
  fail: (message: string) => never,
): PluginsConfig {
  for (const key of Object.keys(section)) {
    if (!['dirs', 'poll_interval_ms', 'allow_unsafe', 'hasher_time_limit_ms'].includes(key))
      fail(`unknown key plugins.${key}; known: dirs, poll_interval_ms, allow_unsafe, hasher_time_limit_ms`);
  }
  const dirs = section.dirs ?? [];
  if (!Array.isArray(dirs) || !dirs.every((d) => typeof d === 'string'))
    fail('plugins.dirs must be an array of strings');
  const allowUnsafe = section.allow_unsafe ?? false;
  if (typeof allowUnsafe !== 'boolean')
    fail(`plugins.allow_unsafe must be true or false, received ${JSON.stringify(allowUnsafe)}`);
  const interval = section.poll_interval_ms;
  if (
    interval !== undefined &&
    !((typeof interval === 'number' || typeof interval === 'bigint') && Number(interval) >= 10)
  ) {
    fail('plugins.poll_interval_ms must be a number of milliseconds, at least 10');
  }
  const limit = section.hasher_time_limit_ms;
  if (
    limit !== undefined &&
    !((typeof limit === 'number' || typeof limit === 'bigint') && Number(limit) >= 10)
  ) {
    fail('plugins.hasher_time_limit_ms must be a number of milliseconds, at least 10');
  }
  const sections: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(perPlugin)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      fail(`[plugin.${name}] must be a table`);
    sections[name] = value as Record<string, unknown>;
  }
  return {
    // Relative folders are relative to the config file.
    dirs: dirs.map((d) => (d.startsWith('~/') ? join(homedir(), d.slice(2)) : resolve(dirname(file), d))),
    allowUnsafe,
    ...(interval === undefined ? {} : { pollIntervalMs: Number(interval) }),
    ...(limit === undefined ? {} : { hasherTimeLimitMs: Number(limit) }),
    sections,
  };
}

function readPolicy(section: Record<string, unknown>, fail: (message: string) => never): PolicyConfig {
  const strings = (key: string): string[] | undefined => {
    const value = section[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      fail(`policy.${key} must be an array of strings, received ${JSON.stringify(value)}`);
    }
    return value;
  };
  const folders = (key: string): string[] | undefined =>
    strings(key)?.map((p) => {
      const path = p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
      if (!isAbsolute(path)) fail(`policy.${key}: "${p}" must be an absolute path (or start with ~/)`);
      return path;
    });
  const policy: PolicyConfig = {};
  for (const key of Object.keys(section)) {
    if (!['rules', 'protect', 'only_from', 'keep_n', 'action', 'to'].includes(key)) {
      fail(`unknown key policy.${key}; known: rules, protect, only_from, keep_n, action, to`);
    }
  }
  const rules = strings('rules');
  if (rules) {
    // Whether a ranking rule's name exists is checked once plugins are loaded (they may provide it).
    policy.rules = rules.map((r) => {
      let rule: KeepRule;
      try {
        rule = parseRule(r);
      } catch (error) {
        return fail(`policy.rules: ${(error as Error).message}`);
      }
      if (rule.kind !== 'prefer') return rule;
      const path = rule.path.startsWith('~/') ? join(homedir(), rule.path.slice(2)) : rule.path;
      if (!isAbsolute(path))
        fail(`policy.rules: "${r}": the folder must be an absolute path (or start with ~/)`);
      return { kind: 'prefer', path };
    });
  }
  const protect = folders('protect');
  if (protect) policy.protect = protect;
  const onlyFrom = folders('only_from');
  if (onlyFrom) policy.onlyFrom = onlyFrom;
  const keepN = section.keep_n;
  if (keepN !== undefined) {
    if (typeof keepN !== 'bigint' && typeof keepN !== 'number') fail(`policy.keep_n must be a whole number`);
    const n = Number(keepN);
    if (!Number.isSafeInteger(n) || n < 1)
      fail(`policy.keep_n must be a whole number of at least 1, received ${n}`);
    policy.keepN = n;
  }
  const action = section.action;
  if (action !== undefined) {
    if (typeof action !== 'string' || !isActionOp(action)) {
      fail(`policy.action must be one of ${ACTION_OPS.join(', ')}, received ${JSON.stringify(action)}`);
    }
    policy.action = action;
  }
  if (section.to !== undefined && typeof section.to !== 'string') fail('policy.to must be a string');
  if (typeof section.to === 'string') {
    if (!isAbsolute(section.to)) fail(`policy.to: "${section.to}" must be an absolute path`);
    policy.to = section.to;
  }
  return policy;
}
