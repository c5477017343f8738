import type { PhysicalFile } from '../model/groups.js';
import { checkGlob } from '../scan/glob.js';
import { parseTypeFilter } from '../types/filter.js';

/**
 * A rule that ranks the copies of a group by one property: built in (newest, oldest, ...), or from a plugin.
 * `compare(a, b)` is negative when `a` should be kept rather than `b`, 0 when it cannot tell them apart.
 */
export interface RankingRule {
  name: string;
  description?: string;
  compare(a: PhysicalFile, b: PhysicalFile): number;
  /** What the rule saw in a file, for explanations. */
  show?(file: PhysicalFile): string;
}

/** One keeper rule. Rules are ordered: the first that tells two files apart decides which is kept. */
export type KeepRule =
  /** A ranking rule, by name: newest, oldest, ..., or one a plugin provides. */
  | { kind: 'rank'; name: string }
  /** Files under this folder win. */
  | { kind: 'prefer'; path: string }
  /** Files whose path matches win (a glob without a slash matches the name). */
  | { kind: 'prefer-match'; glob: string }
  /** Files whose path matches lose. */
  | { kind: 'avoid-match'; glob: string }
  /**
   * Files whose name's extension promises a type matching this filter win (`image/png`, `image`): the copies
   * share their content, so what tells them apart is the type each name promises (`.png` over `.jpg`).
   */
  | { kind: 'prefer-type'; type: string };

/** How keepers are chosen: ordered rules, folders never acted on, folders acted on only, copies kept. */
export interface Policy {
  rules: KeepRule[];
  /** Files under these are never acted on: they are kept. */
  protect: string[];
  /** When not empty, only files under these are acted on; the others are kept. */
  onlyFrom: string[];
  /** Copies kept per group (at least 1). */
  keepN: number;
  /**
   * An archive member may be a group's keeper (`--keeper-in-archive`): it counts as one of the copies kept, and
   * the loose files may then all be acted on.
   */
  keeperInArchive?: boolean | undefined;
}

export const DEFAULT_POLICY: Policy = { rules: [], protect: [], onlyFrom: [], keepN: 1 };

export const RULE_SYNTAX =
  'a ranking rule (newest, oldest, shortest-path, longest-path, shallowest, deepest, matching-extension, first-root, or a plugin\'s), "prefer PATH", "prefer-match GLOB", "avoid-match GLOB", "prefer-type TYPE"';

const RULE_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Reads a rule as written on the command line or in the config file: `newest`, `prefer /mnt/a`. Whether a
 * ranking rule's name exists is checked when the policy is compiled, once plugins have registered theirs. A glob
 * out of bounds is refused here, as BAD_INPUT (see `compileGlob`).
 */
export function parseRule(text: string): KeepRule {
  const trimmed = text.trim();
  const typed = /^prefer-type\s+(\S.*)$/.exec(trimmed);
  if (typed) {
    const filter = parseTypeFilter(typed[1]!);
    if (typeof filter === 'string') throw new Error(`keeper rule "${text}": ${filter}`);
    return {
      kind: 'prefer-type',
      type: filter.subtype === undefined ? filter.kind : `${filter.kind}/${filter.subtype}`,
    };
  }
  const match = /^(prefer|prefer-match|avoid-match)\s+(\S.*)$/.exec(trimmed);
  if (match) {
    const [, kind, arg] = match as unknown as [string, 'prefer' | 'prefer-match' | 'avoid-match', string];
    return kind === 'prefer' ? { kind, path: arg } : { kind, glob: checkGlob(arg) };
  }
  if (
    RULE_NAME.test(trimmed) &&
    !['prefer', 'prefer-match', 'avoid-match', 'prefer-type'].includes(trimmed)
  ) {
    return { kind: 'rank', name: trimmed };
  }
  throw new Error(`unknown keeper rule "${text}"; expected ${RULE_SYNTAX}`);
}

export function ruleText(rule: KeepRule): string {
  switch (rule.kind) {
    case 'prefer':
      return `prefer ${rule.path}`;
    case 'prefer-match':
    case 'avoid-match':
      return `${rule.kind} ${rule.glob}`;
    case 'prefer-type':
      return `prefer-type ${rule.type}`;
    case 'rank':
      return rule.name;
  }
}
