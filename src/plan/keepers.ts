import { globMatcher } from '../scan/filters.js';
import { comparePaths, displayPath, toBytes, type FsPath } from '../model/paths.js';
import type { DuplicateGroup, PhysicalFile } from '../model/groups.js';
import { NodupeError } from '../core/errors.js';
import { expectedTypes } from '../types/extensions.js';
import { parseTypeFilter, typeMatches } from '../types/filter.js';
import { byNumber, BUILTIN_RANKING_RULES } from './ranking-rules.js';
import { ruleText, type KeepRule, type Policy, type RankingRule } from './policy.js';

export interface Choice {
  file: PhysicalFile;
  reason: string;
}

/** The outcome for one group: the files kept and the files to act on, each with why. */
export interface GroupChoice {
  keepers: Choice[];
  others: Choice[];
}

interface Ranker {
  name: string;
  /** Negative when `a` should be kept rather than `b`. */
  compare(a: PhysicalFile, b: PhysicalFile): number;
  /** What the rule saw in a file, for explanations. */
  show(f: PhysicalFile): string;
}

/** A policy compiled once per plan: matchers built, rules turned into comparators. */
export interface CompiledPolicy {
  /**
   * Chooses a group's keepers among its loose files. With `kept` (a keeper outside them: an archive member), that
   * one counts as a copy kept, and every loose file may be acted on.
   */
  choose(group: DuplicateGroup, kept?: KeptElsewhere): GroupChoice;
}

/** A keeper that is none of a group's loose files (an archive member): how it is shown, and why it is kept. */
export interface KeptElsewhere {
  shown: FsPath;
  reason: string;
}

/** Finds a ranking rule by name: the built-ins, or the plugin host's registry. */
export interface RuleLookup {
  (name: string): RankingRule | undefined;
  names?: () => string[];
}

const builtinRules = new Map(BUILTIN_RANKING_RULES.map((r) => [r.name, r]));
export const builtinRuleLookup: RuleLookup = Object.assign((name: string) => builtinRules.get(name), {
  names: () => [...builtinRules.keys()],
});

export function unknownRule(name: string, rules: RuleLookup): string {
  const known = rules.names?.().join(', ');
  return `unknown keeper rule "${name}"${known ? `; known: ${known}, "prefer PATH", "prefer-match GLOB", "avoid-match GLOB", "prefer-type TYPE"` : ''}`;
}

/** Compiles a policy once per plan. An unknown ranking rule is a BAD_INPUT error naming the known ones. */
/** How a glob rule matches a path (shown as text): `globMatcher`, or answers worked out beforehand. */
export type GlobMatcherOf = (glob: string) => (path: string) => boolean;

export function compilePolicy(
  policy: Policy,
  rules: RuleLookup = builtinRuleLookup,
  matcherOf: GlobMatcherOf = globMatcher,
): CompiledPolicy {
  const rankers = policy.rules.map((r) => ranker(r, rules, matcherOf));
  const protect = policy.protect.map(underFolder);
  const onlyFrom = policy.onlyFrom.map(underFolder);
  const anyPathUnder = (f: PhysicalFile, tests: ((p: FsPath) => boolean)[]) =>
    f.paths.some((p) => tests.some((t) => t(p)));
  const allPathsUnder = (f: PhysicalFile, tests: ((p: FsPath) => boolean)[]) =>
    f.paths.every((p) => tests.some((t) => t(p)));

  /** The first rule that tells a and b apart; the path order when none does (so plans are deterministic). */
  const decide = (a: PhysicalFile, b: PhysicalFile): { order: number; rule: Ranker | undefined } => {
    for (const r of rankers) {
      const order = r.compare(a, b);
      if (order !== 0) return { order, rule: r };
    }
    return { order: a.root - b.root || comparePaths(a.paths[0]!, b.paths[0]!), rule: undefined };
  };

  return {
    choose(group, kept) {
      const forced: Choice[] = [];
      const free: PhysicalFile[] = [];
      for (const f of group.files) {
        if (protect.length > 0 && anyPathUnder(f, protect)) forced.push({ file: f, reason: 'protected' });
        else if (onlyFrom.length > 0 && !allPathsUnder(f, onlyFrom)) {
          forced.push({ file: f, reason: 'not under --only-from' });
        } else free.push(f);
      }
      const ranked = [...free].sort((a, b) => decide(a, b).order);
      const extra = Math.max(0, policy.keepN - forced.length - (kept === undefined ? 0 : 1));
      const chosen = ranked.slice(0, extra);
      const rest = ranked.slice(extra);
      const runnerUp = rest[0];
      const keepers: Choice[] = [
        ...forced,
        ...chosen.map((f) => ({ file: f, reason: runnerUp ? whyBetter(f, runnerUp) : 'ranked first' })),
      ];
      const first = kept ?? { shown: keepers[0]!.file.paths[0]!, reason: keepers[0]!.reason };
      const others = rest.map((f) => ({
        file: f,
        reason: `duplicate of ${displayPath(first.shown)} (kept: ${first.reason})`,
      }));
      return { keepers, others };
    },
  };

  function whyBetter(winner: PhysicalFile, loser: PhysicalFile): string {
    const { rule } = decide(winner, loser);
    if (!rule) return 'no rule told the copies apart: first in root and path order';
    return `${rule.name}: ${rule.show(winner)} over ${rule.show(loser)}`;
  }
}

function underFolder(folder: string): (path: FsPath) => boolean {
  const base = Buffer.from(folder.endsWith('/') ? folder : `${folder}/`);
  return (path) => {
    const bytes = toBytes(path);
    return bytes.length >= base.length && bytes.subarray(0, base.length).equals(base);
  };
}

function ranker(rule: KeepRule, rules: RuleLookup, matcherOf: GlobMatcherOf): Ranker {
  const name = ruleText(rule);
  switch (rule.kind) {
    case 'rank': {
      const found = rules(rule.name);
      if (!found) throw new NodupeError('BAD_INPUT', unknownRule(rule.name, rules));
      return { name, compare: (a, b) => found.compare(a, b), show: (f) => found.show?.(f) ?? '' };
    }
    case 'prefer': {
      const under = underFolder(rule.path);
      const wins = (f: PhysicalFile) => (f.paths.some(under) ? 0 : 1);
      return { name, compare: byNumber(wins, false), show: (f) => (wins(f) ? 'outside' : 'inside') };
    }
    case 'prefer-match':
    case 'avoid-match': {
      const matches = matcherOf(rule.glob);
      // Asked once per file, not at every comparison of a sort.
      const seen = new WeakMap<PhysicalFile, 0 | 1>();
      const hit = (f: PhysicalFile): 0 | 1 => {
        let known = seen.get(f);
        if (known === undefined) seen.set(f, (known = f.paths.some((p) => matches(displayPath(p))) ? 1 : 0));
        return known;
      };
      return {
        name,
        compare: byNumber(hit, rule.kind === 'prefer-match'),
        show: (f) => (hit(f) ? 'matching' : 'not matching'),
      };
    }
    case 'prefer-type': {
      const filter = parseTypeFilter(rule.type);
      // The type a name promises: its extension's first (`.mov`: video/quicktime), none for an unknown one.
      const promises = (p: FsPath) => expectedTypes(p)?.[0];
      const wins = (f: PhysicalFile) => (f.paths.some((p) => typeMatches(promises(p), filter)) ? 0 : 1);
      return {
        name,
        compare: byNumber(wins, false),
        show: (f) => `named as ${promises(f.paths[0]!) ?? 'no known type'}`,
      };
    }
    default: {
      const unknown: never = rule;
      throw new Error(`unhandled rule ${JSON.stringify(unknown)}`);
    }
  }
}
