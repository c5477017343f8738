import { createHash } from 'node:crypto';
import type { DuplicateFolderGroup } from './folder-result.js';
import { bytesOf, filesOf, folderPath, nameKey, type FolderTree } from './folder-tree.js';

/**
 * A signature per folder (Merkle style): equal signatures ⇔ the same tree, that is the same names, each file
 * with the same content and each subfolder with the same signature, recursively. A folder's signature is the id
 * of the SHA-256 of the text of its entries (name, kind, content id or signature), sorted: independent of the
 * order the files came in. Names are compared as bytes (names that are not UTF-8
 * included).
 */
export function folderSignatures(tree: FolderTree): Int32Array {
  const { folders, pathBytes, pathStart } = tree;
  // Each folder's own files, in columns (counting sort by folder): a folder's entries are made when it is
  // signed, so only one folder's names are held as text at a time.
  const first = new Int32Array(folders.length + 1);
  for (let j = 0; j < tree.fileCount; j++) first[tree.folder[j]! + 1]!++;
  for (let f = 0; f < folders.length; f++) first[f + 1]! += first[f]!;
  const next = first.slice(0, folders.length);
  const own = new Int32Array(tree.fileCount);
  for (let j = 0; j < tree.fileCount; j++) own[next[tree.folder[j]!]!++] = j;

  const subfolders: string[][] = folders.map(() => []);
  const signature = new Int32Array(folders.length);
  const ids = new Map<string, number>();
  // Pre-order: a folder's subfolders come after it, so from the end every subfolder is done before its parent.
  for (let f = folders.length - 1; f >= 0; f--) {
    const entries = subfolders[f]!;
    subfolders[f] = [];
    for (let k = first[f]!; k < first[f + 1]!; k++) {
      const j = own[k]!;
      entries.push(`${nameKey(pathBytes, pathStart[j + 1]!)}/f${tree.content[j]!}`);
    }
    entries.sort();
    // Kept as a SHA-256 of the text, not the text: a million names would otherwise stay in memory.
    const digest = createHash('sha256').update(entries.join('\0'), 'latin1').digest('base64');
    let id = ids.get(digest);
    if (id === undefined) ids.set(digest, (id = ids.size));
    signature[f] = id;
    const { parent, path } = folders[f]!;
    if (parent >= 0) subfolders[parent]!.push(`${nameKey(path, path.length)}/d${id}`);
  }
  return signature;
}

/**
 * The groups of duplicate folders among those in scope, maximal ones only: a group is left out when its
 * folders' parents are all different folders of one group too (the parents' group says it all). Left out as
 * well: a group whose folders hold the very same physical files (hard links of each other: one tree seen twice,
 * nothing to reclaim). Folders with no files (empty files left out) are not in the tree, so never duplicates.
 */
export function duplicateFolderGroups(tree: FolderTree, signature: Int32Array): DuplicateFolderGroup[] {
  const { folders } = tree;
  const bySignature = new Map<number, number[]>();
  for (let f = 0; f < folders.length; f++) {
    if (!folders[f]!.inScope) continue;
    const members = bySignature.get(signature[f]!);
    if (members) members.push(f);
    else bySignature.set(signature[f]!, [f]);
  }
  const groups: DuplicateFolderGroup[] = [];
  for (const members of bySignature.values()) {
    if (members.length < 2 || coveredByParents(tree, signature, members)) continue;
    const reclaimable = reclaimableOf(tree, members);
    if (reclaimable === undefined) continue;
    const first = folders[members[0]!]!;
    groups.push({
      folders: members.map((f) => folderPath(tree, f)),
      files: filesOf(tree, members[0]!),
      bytes: bytesOf(tree, first.start, first.end),
      reclaimable,
    });
  }
  return groups;
}

function coveredByParents(tree: FolderTree, signature: Int32Array, members: number[]): boolean {
  const parents = members.map((f) => tree.folders[f]!.parent);
  if (parents.some((p) => p < 0 || !tree.folders[p]!.inScope)) return false;
  if (new Set(parents).size !== parents.length) return false;
  return parents.every((p) => signature[p] === signature[parents[0]!]);
}

/**
 * Bytes freed by removing every member but the first, each physical file (device and inode) once and none the
 * first holds; undefined when every member holds exactly the first's physical files.
 */
function reclaimableOf(tree: FolderTree, members: number[]): number | undefined {
  const inodesOf = (f: number): Map<string, number> => {
    const inodes = new Map<string, number>();
    const { start, end } = tree.folders[f]!;
    for (let j = start; j < end; j++) inodes.set(`${tree.dev[j]!}:${tree.ino[j]!}`, tree.size[j]!);
    return inodes;
  };
  const keeper = inodesOf(members[0]!);
  const counted = new Set<string>();
  let reclaimable = 0;
  let sameFiles = true;
  for (const f of members.slice(1)) {
    const inodes = inodesOf(f);
    if (inodes.size !== keeper.size) sameFiles = false;
    for (const [inode, size] of inodes) {
      if (keeper.has(inode)) continue;
      sameFiles = false;
      if (counted.has(inode)) continue;
      counted.add(inode);
      reclaimable += size;
    }
  }
  return sameFiles ? undefined : reclaimable;
}
