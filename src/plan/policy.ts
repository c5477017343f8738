/** Rules that rank the files of a group; they compare two files by one property each. */
const RANKING_RULES = [
  'newest',
  'oldest',
  'shortest-path',
  'longest-path',
  'shallowest',
  'deepest',
  'first-root',
] as const;
export type RankingRuleName = (typeof RANKING_RULES)[number];

/** One keeper rule. Rules are ordered: the first that tells two files apart decides which is kept. */
export type KeepRule =
  | { kind: RankingRuleName }
  /** Files under this folder win. */
  | { kind: 'prefer'; path: string }
  /** Files whose path matches win (a glob without a slash matches the name). */
  | { kind: 'prefer-match'; glob: string }
  /** Files whose path matches lose. */
  | { kind: 'avoid-match'; glob: string };

/** How keepers are chosen: ordered rules, folders never acted on, folders acted on only, copies kept. */
export interface Policy {
  rules: KeepRule[];
  /** Files under these are never acted on: they are kept. */
  protect: string[];
  /** When not empty, only files under these are acted on; the others are kept. */
  onlyFrom: string[];
  /** Copies kept per group (at least 1). */
  keepN: number;
}

export const DEFAULT_POLICY: Policy = { rules: [], protect: [], onlyFrom: [], keepN: 1 };

export const RULE_SYNTAX = `${RANKING_RULES.join(', ')}, "prefer PATH", "prefer-match GLOB", "avoid-match GLOB"`;

/** Reads a rule as written on the command line or in the config file: `newest`, `prefer /mnt/a`. */
export function parseRule(text: string): KeepRule {
  const trimmed = text.trim();
  if ((RANKING_RULES as readonly string[]).includes(trimmed)) return { kind: trimmed as RankingRuleName };
  const match = /^(prefer|prefer-match|avoid-match)\s+(\S.*)$/.exec(trimmed);
  if (match) {
    const [, kind, arg] = match as unknown as [string, 'prefer' | 'prefer-match' | 'avoid-match', string];
    return kind === 'prefer' ? { kind, path: arg } : { kind, glob: arg };
  }
  throw new Error(`unknown keeper rule "${text}"; expected one of ${RULE_SYNTAX}`);
}

export function ruleText(rule: KeepRule): string {
  switch (rule.kind) {
    case 'prefer':
      return `prefer ${rule.path}`;
    case 'prefer-match':
    case 'avoid-match':
      return `${rule.kind} ${rule.glob}`;
    default:
      return rule.kind;
  }
}
