import { sortGroups, type DuplicateGroup, type PhysicalFile } from '../model/groups.js';
import { pathKey, type FsPath } from '../model/paths.js';
import type { PresentFile } from './recheck.js';

/** A group the peer reported whose files nodupe's hashes tell apart. */
export interface SplitGroup {
  /** The peer's group, by its first file still present. */
  first: FsPath;
  /** Files (one per inode) of the peer's group still present. */
  files: number;
  /** The groups of byte-identical files it came apart into. */
  parts: number;
  /** Its files identical to no other file of the group: left out. */
  apart: number;
}

/**
 * The peer's groups as nodupe's own hashes see them: each of the scan's groups of byte-identical files, cut along
 * the peer's groups (a file joins the peer's group that first named it). Every file is one root of its own (root
 * 0): the keeper rules rank the copies as they would within one folder scanned by nodupe. A peer's group whose
 * files differ comes apart; what it came apart into is said in `split`. Pure.
 */
export function regroup(
  found: readonly DuplicateGroup[],
  present: readonly PresentFile[],
  includeEmpty: boolean,
): { groups: DuplicateGroup[]; split: SplitGroup[] } {
  const named = new Map(present.map((f) => [pathKey(f.path), f]));
  // The peer's group of a path, when what the scan found there is the file the re-check saw (a file replaced in
  // between, by a link to another one for instance, is no copy the tool reported).
  const peerOf = (file: PhysicalFile, path: FsPath): number => {
    const seen = named.get(pathKey(path));
    return seen !== undefined && seen.dev === file.dev && seen.ino === file.ino ? seen.group : Infinity;
  };
  const groups: DuplicateGroup[] = [];
  const parts = new Map<number, { groups: number; files: number }>();
  for (const group of found) {
    const byPeer = new Map<number, PhysicalFile[]>();
    for (const file of group.files) {
      const peer = Math.min(...file.paths.map((p) => peerOf(file, p)));
      if (peer === Infinity) continue;
      const list = byPeer.get(peer);
      if (list) list.push({ ...file, root: 0 });
      else byPeer.set(peer, [{ ...file, root: 0 }]);
    }
    for (const [peer, files] of byPeer) {
      if (files.length < 2) continue;
      groups.push({ size: group.size, hash: group.hash, files });
      const seen = parts.get(peer) ?? { groups: 0, files: 0 };
      parts.set(peer, { groups: seen.groups + 1, files: seen.files + files.length });
    }
  }
  // Files per peer's group, one per inode, as the re-check found them.
  const byGroup = new Map<number, { first: FsPath; inodes: Set<string> }>();
  for (const f of present) {
    if (f.size === 0 && !includeEmpty) continue;
    const entry = byGroup.get(f.group) ?? { first: f.path, inodes: new Set<string>() };
    entry.inodes.add(`${f.dev}:${f.ino}`);
    byGroup.set(f.group, entry);
  }
  const split: SplitGroup[] = [];
  for (const [peer, { first, inodes }] of [...byGroup].sort((a, b) => a[0] - b[0])) {
    const made = parts.get(peer) ?? { groups: 0, files: 0 };
    if (inodes.size < 2 || (made.groups === 1 && made.files === inodes.size)) continue;
    split.push({ first, files: inodes.size, parts: made.groups, apart: inodes.size - made.files });
  }
  return { groups: sortGroups(groups), split };
}
