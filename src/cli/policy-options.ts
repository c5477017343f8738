import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  ACTION_OPS,
  DEFAULT_POLICY,
  NodupeError,
  parseRule,
  unknownRule,
  type ActionOp,
  type KeepRule,
  type Policy,
  type RuleLookup,
} from '../index.js';
import type { Config } from './config.js';
import { parseCount } from './options.js';

/**
 * A folder as the catalog spells what lies below it: its real path (links resolved), so that `--protect` through
 * a symbolic link protects the files it leads to. A folder that does not exist stays as written.
 */
function realFolder(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

export interface PolicyCliOptions {
  action?: ActionOp;
  to?: string;
  protect?: string[];
  onlyFrom?: string[];
  keepN?: number;
}

/**
 * Adds the keeper-rule options. `--keep`, `--prefer`, `--prefer-match`, `--avoid-match` and `--prefer-type` are
 * one ordered list (the first rule that tells two copies apart wins), so they are collected, in command-line
 * order, into `rules`, which the caller reads after parsing.
 */
export function addPolicyOptions(command: Command, cwd: string): { command: Command; rules: KeepRule[] } {
  const rules: KeepRule[] = [];
  const rule = (prefix: string, isPath: boolean) => (value: string) => {
    try {
      rules.push(parseRule(prefix ? `${prefix} ${isPath ? realFolder(resolve(cwd, value)) : value}` : value));
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
    return value;
  };
  const folders = (value: string, previous: string[] | undefined) => [
    ...(previous ?? []),
    realFolder(resolve(cwd, value)),
  ];
  command
    .addOption(
      new Option(
        '--keep <rule>',
        "keeper rule, repeatable, in order: newest, oldest, shortest-path, longest-path, shallowest, deepest, matching-extension, first-root, or a plugin's",
      ).argParser(rule('', false)),
    )
    .option('--prefer <path>', 'keeper rule: files under PATH win', rule('prefer', true))
    .option('--prefer-match <glob>', 'keeper rule: files matching GLOB win', rule('prefer-match', false))
    .option('--avoid-match <glob>', 'keeper rule: files matching GLOB lose', rule('avoid-match', false))
    .option(
      '--prefer-type <type>',
      'keeper rule: files whose extension promises this type win (image/png, image)',
      rule('prefer-type', false),
    )
    .option('--protect <path>', 'never act on files under PATH (repeatable)', folders)
    .option(
      '--only-from <path>',
      'act only on files under PATH (repeatable): "delete only from here"',
      folders,
    )
    .option('--keep-n <n>', 'copies to keep in each group (default 1)', parseCount(1))
    .addOption(
      new Option('--action <action>', 'what to do with the other copies (default quarantine)').choices(
        ACTION_OPS,
      ),
    )
    .option('--to <dir>', 'the folder `--action move` moves files into', (v: string) => resolve(cwd, v));
  return { command, rules };
}

/**
 * The policy: each part from the command line when given there, else from the config file, else the default.
 * A ranking rule nobody provides is a USAGE error that says where it was written. `from` is the config file
 * when any of its settings is used.
 */
export function resolvePolicy(
  cli: PolicyCliOptions,
  cliRules: readonly KeepRule[],
  configFile: Config,
  known: RuleLookup,
): { policy: Policy; action: ActionOp; to: string | undefined; from: string | undefined } {
  const config = configFile.policy;
  const fromCli = cliRules.length > 0;
  const rules = (fromCli ? cliRules : (config.rules ?? DEFAULT_POLICY.rules)).map((r) =>
    r.kind === 'prefer' ? { ...r, path: realFolder(r.path) } : r,
  );
  for (const rule of rules) {
    if (rule.kind === 'rank' && !known(rule.name)) {
      const where = fromCli ? '--keep' : `policy.rules in ${configFile.file ?? 'the config file'}`;
      throw new NodupeError('USAGE', `${where}: ${unknownRule(rule.name, known)}`);
    }
  }
  // A typo in a folder to protect would protect nothing: every folder named on the command line must exist.
  const preferred = cliRules.flatMap((r) => (r.kind === 'prefer' ? [r.path] : []));
  for (const [option, folders] of [
    ['--prefer', preferred],
    ['--protect', cli.protect],
    ['--only-from', cli.onlyFrom],
  ] as const) {
    for (const folder of folders ?? []) {
      if (!existsSync(folder))
        throw new NodupeError('USAGE', `${option} ${folder}: no such file or directory`);
    }
  }
  if (cli.to !== undefined && (cli.action ?? config.action) !== 'move') {
    throw new NodupeError('USAGE', '--to is for --action move');
  }
  const policy: Policy = {
    rules,
    protect: (cli.protect ?? config.protect ?? DEFAULT_POLICY.protect).map(realFolder),
    onlyFrom: (cli.onlyFrom ?? config.onlyFrom ?? DEFAULT_POLICY.onlyFrom).map(realFolder),
    keepN: cli.keepN ?? config.keepN ?? DEFAULT_POLICY.keepN,
  };
  const action = cli.action ?? config.action ?? 'quarantine';
  const to = cli.to ?? config.to;
  if (action === 'move' && to === undefined) {
    throw new NodupeError(
      'USAGE',
      cli.action === 'move'
        ? '--action move needs --to DIR'
        : `[policy] action = "move" needs [policy] to, the folder to move files into, in ${configFile.file ?? 'the config file'}`,
    );
  }
  const fromConfig =
    (!fromCli && config.rules !== undefined) ||
    (cli.protect === undefined && config.protect !== undefined) ||
    (cli.onlyFrom === undefined && config.onlyFrom !== undefined) ||
    (cli.keepN === undefined && config.keepN !== undefined) ||
    (cli.action === undefined && config.action !== undefined) ||
    (cli.to === undefined && action === 'move' && config.to !== undefined);
  return {
    policy,
    action,
    to: action === 'move' ? to : undefined,
    from: fromConfig ? configFile.file : undefined,
  };
}
