import type { HashRange } from '../hash/task.js';

/** Files at most this large are hashed whole straight away: reading them is as cheap as reading a block. */
export const SMALL_FILE = 64 * 1024;

/** The first range read of a candidate of this size: the whole of a small file, the head of a larger one. */
export function firstRange(size: number): 'head' | 'full' {
  return size <= SMALL_FILE ? 'full' : 'head';
}

/** A physical file as the grouping sees it: an id, a size and the hashes known so far. */
export interface Candidate {
  readonly id: number;
  readonly size: number;
  head?: string | undefined;
  tail?: string | undefined;
  full?: string | undefined;
}

/**
 * Computes one range's hash for each of `files` that lacks it, setting the field on the candidate. Files it
 * could not hash (unreadable, changed while read) are returned, and leave the race.
 */
export type RangeHasher = (files: Candidate[], range: HashRange) => Promise<Set<number>>;

/**
 * Told of files as they leave the race, alone or for good in a group, with every hash they will get in this
 * run: each file exactly once. The scan writes them to the catalog then, while other files are still hashed.
 */
export type Settled = (files: Candidate[]) => void;

export interface GroupingStats {
  sizeGroups: number;
  /** Candidates that entered each stage (needing or already having that hash). */
  head: number;
  tail: number;
  full: number;
}

/**
 * Finds the groups of byte-identical files among physical files (hard links already collapsed): same size,
 * then, for files up to 64 KiB, same full hash; for larger ones, same head hash, same tail hash, then same
 * full hash. Only files that still collide with another are ever read further. Empty files form one group when `includeEmpty` is set, and are
 * never read. Each group is returned with at least two members, in input order.
 */
export async function findDuplicateGroups(
  files: readonly Candidate[],
  hashRange: RangeHasher,
  options: { includeEmpty: boolean; onSettled?: Settled },
): Promise<{ groups: Candidate[][]; stats: GroupingStats }> {
  const settled: Settled = options.onSettled ?? (() => undefined);
  const stats: GroupingStats = { sizeGroups: 0, head: 0, tail: 0, full: 0 };
  const bySize = groupBy(files, (f) => f.size);
  const done: Candidate[][] = [];
  const small: Candidate[][] = [];
  const large: Candidate[][] = [];
  const alone: Candidate[] = [];
  for (const [size, group] of bySize) {
    if (group.length < 2 || (size === 0 && !options.includeEmpty)) {
      alone.push(...group);
      continue;
    }
    stats.sizeGroups++;
    if (size === 0) done.push(group);
    else (firstRange(size) === 'full' ? small : large).push(group);
  }
  settled(alone);

  // Small files are read whole at once: opening a file costs more than reading 64 KiB of it.
  done.push(...(await refine(small, 'full', hashRange, stats, settled)));
  // Larger ones: the first block, then the last (where near-copies such as appended logs or re-encoded endings
  // differ), then the whole content, each only for what still collides.
  const afterHead = await refine(large, 'head', hashRange, stats, settled);
  const afterTail = await refine(afterHead, 'tail', hashRange, stats, settled);
  done.push(...(await refine(afterTail, 'full', hashRange, stats, settled)));
  settled(done.flat());
  return { groups: done, stats };
}

async function refine(
  groups: Candidate[][],
  range: HashRange,
  hashRange: RangeHasher,
  stats: GroupingStats,
  settled: Settled,
): Promise<Candidate[][]> {
  const members = groups.flat();
  stats[range] += members.length;
  const missing = members.filter((f) => f[range] === undefined);
  const failed = missing.length > 0 ? await hashRange(missing, range) : new Set<number>();
  const refined: Candidate[][] = [];
  const out: Candidate[] = [];
  for (const group of groups) {
    const alive: Candidate[] = [];
    for (const f of group) (failed.has(f.id) || f[range] === undefined ? out : alive).push(f);
    for (const sub of groupBy(alive, (f) => f[range]!).values()) {
      if (sub.length >= 2) refined.push(sub);
      else out.push(...sub);
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
