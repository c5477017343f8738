import type { GroupingStats } from '../model/groups.js';
import type { HashRange } from '../model/hashes.js';

/** Files at most this large are hashed whole straight away: reading them is as cheap as reading a block. */
export const SMALL_FILE = 64 * 1024;

/** The first range read of a candidate of this size: the whole of a small file, the head of a larger one. */
export function firstRange(size: number): 'head' | 'full' {
  return size <= SMALL_FILE ? 'full' : 'head';
}

/**
 * How the grouping sees its candidates, whatever they are (entries of the scan's file table, objects in tests):
 * a size, and the hash of each range once known.
 */
export interface CandidateView<C> {
  size(file: C): number;
  hash(file: C, range: HashRange): string | undefined;
}

/**
 * Computes one range's hash for each of `files` that lacks it (the view then tells it). Files it could not hash
 * (unreadable, changed while read) are returned, and leave the race.
 */
export type RangeHasher<C> = (files: C[], range: HashRange) => Promise<ReadonlySet<C>>;

/**
 * Told of files as they leave the race, alone or for good in a group, with every hash they will get in this
 * run: each file exactly once. The scan writes them to the catalog then, while other files are still hashed.
 */
export type Settled<C> = (files: C[]) => void;

export interface GroupingOptions<C> {
  includeEmpty: boolean;
  onSettled?: Settled<C>;
  /**
   * Sizes that files beyond `files` have (in a shared catalog: other machines' files): a file of such a size is
   * read through to its full hash even when none of `files` matches it, as if a file of unknown content were in
   * its group at every step, so that its copies elsewhere can be found. It is in no returned group unless one of
   * `files` matches it.
   */
  sizesElsewhere?: ReadonlySet<number>;
}

/**
 * Finds the groups of byte-identical files among physical files (hard links already collapsed): same size,
 * then, for files up to 64 KiB, same full hash; for larger ones, same head hash, same tail hash, then same
 * full hash. Only files that still collide with another (or whose size is among `sizesElsewhere`) are ever read
 * further. Empty files form one group when `includeEmpty` is set, and are never read. Each group is returned
 * with at least two members, in input order.
 */
export async function findDuplicateGroups<C>(
  files: readonly C[],
  view: CandidateView<C>,
  hashRange: RangeHasher<C>,
  options: GroupingOptions<C>,
): Promise<{ groups: C[][]; stats: GroupingStats }> {
  const settled: Settled<C> = options.onSettled ?? (() => undefined);
  const elsewhere = options.sizesElsewhere;
  // A group goes on while two of its files collide, or while one file of a size found elsewhere is left.
  const goesOn = (group: C[]): boolean =>
    group.length >= 2 ||
    (elsewhere !== undefined && group.length === 1 && elsewhere.has(view.size(group[0]!)));
  const stats: GroupingStats = { sizeGroups: 0, head: 0, tail: 0, full: 0 };
  const bySize = groupBy(files, (f) => view.size(f));
  const done: C[][] = [];
  const small: C[][] = [];
  const large: C[][] = [];
  const alone: C[] = [];
  for (const [size, group] of bySize) {
    if (size === 0 ? group.length < 2 || !options.includeEmpty : !goesOn(group)) {
      for (const f of group) alone.push(f);
      continue;
    }
    if (group.length >= 2) stats.sizeGroups++;
    if (size === 0) done.push(group);
    else (firstRange(size) === 'full' ? small : large).push(group);
  }
  settled(alone);

  const step = (groups: C[][], range: HashRange) =>
    refine(groups, range, view, hashRange, stats, settled, goesOn);
  // Small files are read whole at once: opening a file costs more than reading 64 KiB of it.
  // (Appended one by one: a spread of 200,000 groups would overflow the stack.)
  for (const group of await step(small, 'full')) done.push(group);
  // Larger ones: the first block, then the last (where near-copies such as appended logs or re-encoded endings
  // differ), then the whole content, each only for what still collides.
  for (const group of await step(await step(await step(large, 'head'), 'tail'), 'full')) done.push(group);
  settled(done.flat());
  // A file of a size found elsewhere, read to the end, is a group only with a match among `files`.
  return { groups: done.filter((g) => g.length >= 2), stats };
}

async function refine<C>(
  groups: C[][],
  range: HashRange,
  view: CandidateView<C>,
  hashRange: RangeHasher<C>,
  stats: GroupingStats,
  settled: Settled<C>,
  goesOn: (group: C[]) => boolean,
): Promise<C[][]> {
  const members = groups.flat();
  stats[range] += members.length;
  const missing = members.filter((f) => view.hash(f, range) === undefined);
  const failed = missing.length > 0 ? await hashRange(missing, range) : new Set<C>();
  const refined: C[][] = [];
  const out: C[] = [];
  for (const group of groups) {
    const alive: C[] = [];
    for (const f of group) (failed.has(f) || view.hash(f, range) === undefined ? out : alive).push(f);
    for (const sub of groupBy(alive, (f) => view.hash(f, range)!).values()) {
      if (goesOn(sub)) refined.push(sub);
      else out.push(sub[0]!);
    }
  }
  settled(out);
  return refined;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
