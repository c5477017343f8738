import { toBytes } from '../model/paths.js';
import type { PhysicalFile } from '../model/groups.js';
import { expectedTypes } from '../types/extensions.js';
import type { RankingRule } from './policy.js';

/** A comparator by a number: smaller first, or larger first. */
export function byNumber(value: (f: PhysicalFile) => number | bigint, larger: boolean) {
  return (a: PhysicalFile, b: PhysicalFile): number => {
    const x = value(a);
    const y = value(b);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return larger ? -order : order;
  };
}

const pathLength = (f: PhysicalFile) => toBytes(f.paths[0]!).length;
const depth = (f: PhysicalFile) => toBytes(f.paths[0]!).filter((c) => c === 0x2f).length;
const isoTime = (f: PhysicalFile) => new Date(Number(f.mtimeNs / 1_000_000n)).toISOString();
const bytes = (f: PhysicalFile) => `${pathLength(f)} bytes`;
const levels = (f: PhysicalFile) => `depth ${depth(f)}`;

/**
 * How well a copy's name fits the content: 0 its extension promises the content's type, 1 unknown (no type
 * detected, or an extension not in the table), 2 it promises another. The copies share their content, so the
 * type either one has is both's.
 */
const fit = (f: PhysicalFile, type: string | undefined): number => {
  const expected = expectedTypes(f.paths[0]!);
  if (type === undefined || expected === undefined) return 1;
  return expected.includes(type) ? 0 : 2;
};
const fitWords = ['extension matches', 'extension unknown', 'extension does not match'];

/** The ranking rules nodupe ships with (the built-in rules plugin provides them). */
export const BUILTIN_RANKING_RULES: readonly RankingRule[] = [
  {
    name: 'newest',
    description: 'the most recently modified copy',
    compare: byNumber((f) => f.mtimeNs, true),
    show: isoTime,
  },
  {
    name: 'oldest',
    description: 'the least recently modified copy',
    compare: byNumber((f) => f.mtimeNs, false),
    show: isoTime,
  },
  {
    name: 'shortest-path',
    description: 'the shortest path',
    compare: byNumber(pathLength, false),
    show: bytes,
  },
  { name: 'longest-path', description: 'the longest path', compare: byNumber(pathLength, true), show: bytes },
  {
    name: 'shallowest',
    description: 'the fewest folders above it',
    compare: byNumber(depth, false),
    show: levels,
  },
  { name: 'deepest', description: 'the most folders above it', compare: byNumber(depth, true), show: levels },
  {
    name: 'matching-extension',
    description: 'the copy whose extension matches its content (photo.png over photo.jpg when it is a PNG)',
    compare: (a, b) => fit(a, a.type ?? b.type) - fit(b, a.type ?? b.type),
    show: (f) => `${fitWords[fit(f, f.type)]!}${f.type === undefined ? '' : ` ${f.type}`}`,
  },
  {
    name: 'first-root',
    description: 'under the root named first on the command line',
    compare: byNumber((f) => f.root, false),
    show: (f) => `root ${f.root + 1}`,
  },
];
