import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { unknownRule, type RuleLookup } from '../plan/keepers.js';
import { ACTION_OPS, type ActionOp } from '../plan/plan.js';
import { DEFAULT_POLICY, parseRule, type KeepRule, type Policy } from '../plan/policy.js';
import { GLOB_LIMITS, globCost } from '../scan/glob.js';
import { badInput } from './errors.js';
import type { Params } from './params.js';

/** A folder as the catalog spells what lies below it: its real path (links resolved), as the CLI's options do. */
function realFolder(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

/** An absolute folder that exists: a typo in a folder to protect would protect nothing. */
function folder(where: string, path: string): string {
  if (!isAbsolute(path)) throw badInput(`${where} ${JSON.stringify(path)}: expected an absolute path`);
  if (!existsSync(path)) throw badInput(`${where} ${path}: no such file or directory`);
  return realFolder(path);
}

/**
 * A rule in the CLI's words: `newest`, `prefer DIR` or `prefer:DIR`, `prefer-match GLOB` or `prefer-match:GLOB`,
 * `avoid-match GLOB`, `prefer-type TYPE` or `prefer-type:TYPE`; a ranking rule must be one the built-ins or a plugin
 * provide.
 */
function rule(text: string, rules: RuleLookup): KeepRule {
  const spelled = text.replace(/^(prefer|prefer-match|avoid-match|prefer-type):/, '$1 ');
  let parsed: KeepRule;
  try {
    parsed = parseRule(spelled);
  } catch (error) {
    throw badInput(`plan.build: policy.rules: ${(error as Error).message}`);
  }
  if (parsed.kind === 'rank' && !rules(parsed.name)) {
    throw badInput(`plan.build: policy.rules: ${unknownRule(parsed.name, rules)}`);
  }
  if (parsed.kind === 'prefer')
    return { kind: 'prefer', path: folder('plan.build: policy.rules: prefer', parsed.path) };
  return parsed;
}

/**
 * What a policy of `plan.build` may hold. Building a plan is one step of the service, and every rule is tried on
 * every file: so are its rules bounded, and their globs together as one glob is (GLOB_LIMITS).
 */
export const POLICY_LIMITS = { maxRules: 32, maxFolders: 32 } as const;

/** The policy and action of `plan.build`, checked as the CLI checks its options. */
export function readPolicy(
  params: Params,
  rules: RuleLookup,
): { policy: Policy; action: { op: ActionOp; to?: string } } {
  const p = params.optionalObject('policy', ['rules', 'protect', 'onlyFrom', 'keepN']);
  const { maxRules, maxFolders } = POLICY_LIMITS;
  const policy: Policy = {
    rules: (p?.optionalStrings('rules', maxRules) ?? []).map((r) => rule(r, rules)),
    protect: (p?.optionalStrings('protect', maxFolders) ?? []).map((f) =>
      folder('plan.build: policy.protect', f),
    ),
    onlyFrom: (p?.optionalStrings('onlyFrom', maxFolders) ?? []).map((f) =>
      folder('plan.build: policy.onlyFrom', f),
    ),
    keepN: p?.optionalInteger('keepN', 1) ?? DEFAULT_POLICY.keepN,
  };
  const cost = policy.rules.reduce((n, r) => n + ('glob' in r ? globCost(r.glob) : 0), 0);
  if (cost > GLOB_LIMITS.maxExpandedLength) {
    throw badInput(
      `plan.build: policy.rules: the globs of the rules expand to more than ${GLOB_LIMITS.maxExpandedLength} ` +
        `characters together (${cost}); each is matched against every path of every group`,
    );
  }
  const op = params.optionalChoice('action', ACTION_OPS) ?? 'quarantine';
  const to = params.optionalString('to');
  return { policy, action: { op, ...actionTo('plan.build', op, to) } };
}

/** The `to` of an action: required for move (an absolute folder), refused for the others. */
export function actionTo(where: string, op: ActionOp, to: string | undefined): { to?: string } {
  if (op !== 'move') {
    if (to !== undefined) throw badInput(`${where}: to is for the move action`);
    return {};
  }
  if (to === undefined) throw badInput(`${where}: the move action needs to, the folder files go to`);
  if (!isAbsolute(to)) throw badInput(`${where}: to ${JSON.stringify(to)}: expected an absolute path`);
  return { to };
}
