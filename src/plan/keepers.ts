import { globMatcher } from '../scan/filters.js';
import { comparePaths, displayPath, toBytes, type FsPath } from '../scan/paths.js';
import type { DuplicateGroup, PhysicalFile } from '../scan/scan.js';
import { ruleText, type KeepRule, type Policy } from './policy.js';

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
  choose(group: DuplicateGroup): GroupChoice;
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  const rankers = policy.rules.map(ranker);
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
    choose(group) {
      const forced: Choice[] = [];
      const free: PhysicalFile[] = [];
      for (const f of group.files) {
        if (protect.length > 0 && anyPathUnder(f, protect)) forced.push({ file: f, reason: 'protected' });
        else if (onlyFrom.length > 0 && !allPathsUnder(f, onlyFrom)) {
          forced.push({ file: f, reason: 'not under --only-from' });
        } else free.push(f);
      }
      const ranked = [...free].sort((a, b) => decide(a, b).order);
      const extra = Math.max(0, policy.keepN - forced.length);
      const chosen = ranked.slice(0, extra);
      const rest = ranked.slice(extra);
      const runnerUp = rest[0];
      const keepers: Choice[] = [
        ...forced,
        ...chosen.map((f) => ({ file: f, reason: runnerUp ? whyBetter(f, runnerUp) : 'ranked first' })),
      ];
      const first = keepers[0]!;
      const others = rest.map((f) => ({
        file: f,
        reason: `duplicate of ${displayPath(first.file.paths[0]!)} (kept: ${first.reason})`,
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

const byNumber = (value: (f: PhysicalFile) => number | bigint, larger: boolean) => {
  return (a: PhysicalFile, b: PhysicalFile): number => {
    const x = value(a);
    const y = value(b);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return larger ? -order : order;
  };
};

const pathLength = (f: PhysicalFile) => toBytes(f.paths[0]!).length;
const depth = (f: PhysicalFile) => toBytes(f.paths[0]!).filter((c) => c === 0x2f).length;
const isoTime = (f: PhysicalFile) => new Date(Number(f.mtimeNs / 1_000_000n)).toISOString();

function ranker(rule: KeepRule): Ranker {
  const name = ruleText(rule);
  switch (rule.kind) {
    case 'newest':
      return { name, compare: byNumber((f) => f.mtimeNs, true), show: isoTime };
    case 'oldest':
      return { name, compare: byNumber((f) => f.mtimeNs, false), show: isoTime };
    case 'shortest-path':
      return { name, compare: byNumber(pathLength, false), show: (f) => `${pathLength(f)} bytes` };
    case 'longest-path':
      return { name, compare: byNumber(pathLength, true), show: (f) => `${pathLength(f)} bytes` };
    case 'shallowest':
      return { name, compare: byNumber(depth, false), show: (f) => `depth ${depth(f)}` };
    case 'deepest':
      return { name, compare: byNumber(depth, true), show: (f) => `depth ${depth(f)}` };
    case 'first-root':
      return { name, compare: byNumber((f) => f.root, false), show: (f) => `root ${f.root + 1}` };
    case 'prefer': {
      const under = underFolder(rule.path);
      const wins = (f: PhysicalFile) => (f.paths.some(under) ? 0 : 1);
      return { name, compare: byNumber(wins, false), show: (f) => (wins(f) ? 'outside' : 'inside') };
    }
    case 'prefer-match':
    case 'avoid-match': {
      const matches = globMatcher(rule.glob);
      const hit = (f: PhysicalFile) => (f.paths.some((p) => matches(displayPath(p))) ? 1 : 0);
      return {
        name,
        compare: byNumber(hit, rule.kind === 'prefer-match'),
        show: (f) => (hit(f) ? 'matching' : 'not matching'),
      };
    }
    default: {
      const unknown: never = rule;
      throw new Error(`unhandled rule ${JSON.stringify(unknown)}`);
    }
  }
}
