import type { HashAlgorithm } from '../hash/algorithms.js';
import { identityOf } from '../model/identity.js';
import type { DuplicateGroup, PhysicalFile } from '../model/groups.js';
import { globMatcher } from '../scan/filters.js';
import { builtinRuleLookup, compilePolicy, type GlobMatcherOf, type RuleLookup } from './keepers.js';
import type { ActionOp, Plan, PlanGroup, PlannedKeeper } from './plan.js';
import { ruleText, type Policy } from './policy.js';

export interface PlanMeta {
  id: string;
  createdAt: string;
  catalog: { id: string; location: string };
  algorithm: HashAlgorithm;
}

/**
 * Turns duplicate groups into a plan: keepers chosen by the policy, one action per path of every other file.
 * Pure: the caller supplies the id, the time and the catalog. A group whose files are all kept (protected,
 * outside --only-from, or fewer than --keep-n) has nothing to do and is left out.
 */
export function buildPlan(
  groups: readonly DuplicateGroup[],
  policy: Policy,
  action: { op: ActionOp; to?: string },
  meta: PlanMeta,
  rules: RuleLookup = builtinRuleLookup,
  matcherOf: GlobMatcherOf = globMatcher,
): Plan {
  const policyOf = compilePolicy(policy, rules, matcherOf);
  const planned: PlanGroup[] = [];
  for (const group of groups) {
    const { keepers, others } = policyOf.choose(group);
    if (others.length === 0) continue;
    const first = keepers[0]!.file.paths[0]!;
    planned.push({
      size: group.size,
      hash: group.hash,
      keepers: keepers.flatMap(({ file, reason }) =>
        file.paths.map((path, i) => keeperOf(file, path, i === 0 ? reason : 'hard link of a keeper')),
      ),
      actions: others.flatMap(({ file, reason }) =>
        file.paths.map((path) => ({
          op: action.op,
          path,
          keeper: first,
          expect: { ...identityOf(file), hash: group.hash },
          reason,
          ...(action.to === undefined ? {} : { to: action.to }),
        })),
      ),
    });
  }
  return {
    ...meta,
    policy: {
      rules: policy.rules.map(ruleText),
      protect: policy.protect,
      onlyFrom: policy.onlyFrom,
      keepN: policy.keepN,
    },
    action: action.op,
    ...(action.to === undefined ? {} : { to: action.to }),
    groups: planned,
  };
}

function keeperOf(file: PhysicalFile, path: PhysicalFile['paths'][number], reason: string): PlannedKeeper {
  return { path, ...identityOf(file), reason };
}
