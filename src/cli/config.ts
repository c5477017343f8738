import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'smol-toml';
import { NodupeError } from '../core/errors.js';
import { configDir } from '../core/xdg.js';
import { isActionOp, ACTION_OPS, type ActionOp } from '../plan/plan.js';
import { parseRule, type KeepRule } from '../plan/policy.js';

/** The `[policy]` section of the config file: each key optional; the command line overrides each one. */
export interface PolicyConfig {
  rules?: KeepRule[];
  protect?: string[];
  onlyFrom?: string[];
  keepN?: number;
  action?: ActionOp;
  to?: string;
}

export interface Config {
  policy: PolicyConfig;
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
    if (named === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return { policy: {} };
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
    if (key !== 'policy') fail(`unknown section [${key}]; known: [policy]`);
  }
  const section = doc.policy ?? {};
  if (typeof section !== 'object' || Array.isArray(section)) fail('[policy] must be a table');
  return { policy: readPolicy(section as Record<string, unknown>, fail) };
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
    policy.rules = rules.map((r) => {
      try {
        return parseRule(r);
      } catch (error) {
        return fail(`policy.rules: ${(error as Error).message}`);
      }
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
