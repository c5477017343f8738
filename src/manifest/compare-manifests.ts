import { NodupeError } from '../core/errors.js';
import type { FsPath } from '../model/paths.js';
import { compareBytes, type Manifest, type ManifestEntry } from './manifest.js';

/** Two manifests side by side, path by path. */
export interface ManifestComparison {
  /** Paths in both with the same size and content (their mtimes may differ: see `retimed`). */
  same: number;
  onlyA: ManifestEntry[];
  onlyB: ManifestEntry[];
  /** Paths in both whose size or content differ. */
  differ: { path: FsPath; a: ManifestEntry; b: ManifestEntry }[];
  /** Paths in both with the same content and another mtime (a copy made without keeping times): not a difference. */
  retimed: { path: FsPath; a: ManifestEntry; b: ManifestEntry }[];
}

/** Refuses two manifests whose hashes cannot be compared (made by different algorithms). */
export function checkComparable(manifests: readonly { source: string; manifest: Manifest }[]): void {
  const [first, ...others] = manifests;
  for (const other of others) {
    if (other.manifest.header.algorithm !== first!.manifest.header.algorithm) {
      throw new NodupeError(
        'BAD_INPUT',
        `${first!.source} hashes by ${first!.manifest.header.algorithm}, ${other.source} by ${other.manifest.header.algorithm}: their contents cannot be compared`,
        { hint: 'write both with the same --hash' },
      );
    }
  }
}

/** Compares two manifests of the same algorithm (see `checkComparable`), path by path. */
export function compareManifests(a: Manifest, b: Manifest): ManifestComparison {
  const result: ManifestComparison = { same: 0, onlyA: [], onlyB: [], differ: [], retimed: [] };
  const x = a.entries;
  const y = b.entries;
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const order = i === x.length ? 1 : j === y.length ? -1 : compareBytes(x[i]!.path, y[j]!.path);
    if (order < 0) result.onlyA.push(x[i++]!);
    else if (order > 0) result.onlyB.push(y[j++]!);
    else {
      const ea = x[i++]!;
      const eb = y[j++]!;
      const pair = { path: ea.path, a: ea, b: eb };
      if (ea.size !== eb.size || ea.hash !== eb.hash) result.differ.push(pair);
      else {
        result.same++;
        if (ea.mtimeNs !== eb.mtimeNs) result.retimed.push(pair);
      }
    }
  }
  return result;
}

/** One file of a duplicate group: in which manifest (0 for the first), and its paths there (its hard links). */
export interface ManifestGroupMember {
  manifest: number;
  paths: FsPath[];
}

export interface ManifestGroup {
  size: number;
  hash: string;
  members: ManifestGroupMember[];
}

/**
 * The groups of byte-identical files across manifests (of one algorithm), within one and across them, as
 * `nodupe dupes` of their trees finds them: a file's hard links (paths sharing a link number) are one member,
 * and empty files are left out unless `includeEmpty`. Largest reclaimable space first, as `dupes` orders.
 */
export function manifestGroups(manifests: readonly Manifest[], includeEmpty = false): ManifestGroup[] {
  const groups = new Map<string, ManifestGroup>();
  manifests.forEach((manifest, m) => {
    const linked = new Map<number, ManifestGroupMember>();
    for (const e of manifest.entries) {
      if (e.size === 0 && !includeEmpty) continue;
      const known = e.link === undefined ? undefined : linked.get(e.link);
      if (known) {
        known.paths.push(e.path);
        continue;
      }
      const member: ManifestGroupMember = { manifest: m, paths: [e.path] };
      if (e.link !== undefined) linked.set(e.link, member);
      const key = `${e.size}:${e.hash}`;
      const group = groups.get(key);
      if (group) group.members.push(member);
      else groups.set(key, { size: e.size, hash: e.hash, members: [member] });
    }
  });
  const first = (g: ManifestGroup) => g.members[0]!;
  const reclaimable = (g: ManifestGroup) => g.size * (g.members.length - 1);
  return [...groups.values()]
    .filter((g) => g.members.length >= 2)
    .sort(
      (p, q) =>
        reclaimable(q) - reclaimable(p) ||
        q.size - p.size ||
        first(p).manifest - first(q).manifest ||
        compareBytes(first(p).paths[0]!, first(q).paths[0]!),
    );
}
