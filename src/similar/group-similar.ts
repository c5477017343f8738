import type { CatalogFile } from '../catalog/store.js';
import { physicalFiles } from '../catalog/groups.js';
import type { PhysicalFile } from '../model/groups.js';
import { comparePaths } from '../model/paths.js';
import type { SimilarPair } from './types.js';

/** How a detector's fingerprints are compared in the main thread. */
export interface SimilarityIndex {
  /** The pairs of `prints` within `threshold` (the detector's own measure), without comparing every pair. */
  pairs(prints: readonly Uint8Array[], threshold: number): SimilarPair[];
  /** How far apart two fingerprints are, and how alike (0..1). */
  compare(a: Uint8Array, b: Uint8Array): { distance: number; score: number };
}

/** A member of a group of near-duplicates: how far it is from the group's first member (the one to keep). */
export interface SimilarMember {
  file: PhysicalFile;
  distance: number;
  score: number;
}

export interface SimilarGroup {
  /** The first is the one a plan keeps: the largest file (then the oldest, then the first path). */
  members: SimilarMember[];
  /** Bytes of every member but the first. */
  reclaimable: number;
}

/**
 * Groups files by their fingerprints: a file is in the group of every file within the threshold of it, and of
 * theirs (transitive closure), so a member may be further than the threshold from the first one; its distance
 * says so. Hard links of one file are one member. Groups come largest reclaimable first.
 */
export function groupSimilar(
  prints: readonly { file: CatalogFile; fingerprint: Uint8Array }[],
  index: SimilarityIndex,
  threshold: number,
): SimilarGroup[] {
  const byInode = new Map<string, Uint8Array>();
  for (const p of prints) byInode.set(`${p.file.dev}:${p.file.ino}`, p.fingerprint);
  const files = physicalFiles(prints.map((p) => p.file));
  const fingerprints = files.map((f) => byInode.get(`${f.dev}:${f.ino}`)!);

  const parent = files.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (const { a, b } of index.pairs(fingerprints, threshold)) {
    const [ra, rb] = [root(a), root(b)];
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const together = new Map<number, number[]>();
  files.forEach((_, i) => {
    const r = root(i);
    const list = together.get(r);
    if (list) list.push(i);
    else together.set(r, [i]);
  });

  const groups: SimilarGroup[] = [];
  for (const list of together.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => keepFirst(files[a]!, files[b]!));
    const keeper = fingerprints[list[0]!]!;
    const members = list.map((i) => ({ file: files[i]!, ...index.compare(keeper, fingerprints[i]!) }));
    const reclaimable = members.slice(1).reduce((sum, m) => sum + m.file.size, 0);
    groups.push({ members, reclaimable });
  }
  return groups.sort(
    (a, b) =>
      b.reclaimable - a.reclaimable ||
      comparePaths(a.members[0]!.file.paths[0]!, b.members[0]!.file.paths[0]!),
  );
}

/** The largest file first (the least recompressed or shrunk, most often), then the oldest, then by path. */
function keepFirst(a: PhysicalFile, b: PhysicalFile): number {
  if (a.size !== b.size) return b.size - a.size;
  if (a.mtimeNs !== b.mtimeNs) return a.mtimeNs < b.mtimeNs ? -1 : 1;
  return comparePaths(a.paths[0]!, b.paths[0]!);
}
