import type { DuplicateGroup } from '../model/groups.js';
import { displayPath } from '../model/paths.js';
import { globMatcher } from '../scan/filters.js';
import type { GlobMatcherOf } from './keepers.js';
import type { KeepRule } from './policy.js';

/**
 * The `prefer-match` and `avoid-match` rules whose glob matches no path of any group (so they decided nothing),
 * as written: `prefer-match *.jpg`. With no groups there is nothing to say.
 */
export function unmatchedRules(
  rules: readonly KeepRule[],
  groups: readonly DuplicateGroup[],
  matcherOf: GlobMatcherOf = globMatcher,
): string[] {
  return rules.flatMap((rule) => {
    if (rule.kind !== 'prefer-match' && rule.kind !== 'avoid-match') return [];
    const matches = matcherOf(rule.glob);
    const hit = groups.some((g) => g.files.some((f) => f.paths.some((p) => matches(displayPath(p)))));
    return hit || groups.length === 0 ? [] : [`${rule.kind} ${rule.glob}`];
  });
}

/** What `nodupe plan` and `plan.build` say of a rule `unmatchedRules` names. */
export function unmatchedRuleWarning(rule: string): string {
  return `${rule}: the glob matched no file of any group, so the rule decided nothing`;
}
