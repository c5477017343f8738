import type { FsPath } from '../model/paths.js';
import { compareBytes, type ManifestEntry } from './manifest.js';
import type { TreeFile } from './tree-files.js';

/**
 * How a tree differs from its manifest, path by path: `missing` (listed, not there), `extra` (there, not
 * listed), `changed` (its size or mtime differ), `corrupted` (same size and mtime, another content: bit rot, or
 * an edit whose mtime was set back), `unreadable` (there, listed, but could not be read).
 */
export type TreeDifference =
  | { kind: 'missing'; path: FsPath; listed: ManifestEntry }
  | { kind: 'extra'; path: FsPath; found: TreeFile }
  | { kind: 'changed'; path: FsPath; listed: ManifestEntry; found: TreeFile }
  | { kind: 'corrupted'; path: FsPath; listed: ManifestEntry; found: TreeFile & { hash: string } }
  | { kind: 'unreadable'; path: FsPath; listed: ManifestEntry; found: TreeFile };

export type DifferenceKind = TreeDifference['kind'];
export const DIFFERENCE_KINDS: readonly DifferenceKind[] = [
  'missing',
  'changed',
  'corrupted',
  'unreadable',
  'extra',
];

/**
 * Sets a manifest's entries beside the tree's files (both in the byte order of their paths): the differences,
 * in path order, and how many files matched.
 */
export function checkTree(
  listed: readonly ManifestEntry[],
  found: readonly TreeFile[],
): { matched: number; differences: TreeDifference[] } {
  const differences: TreeDifference[] = [];
  let matched = 0;
  let i = 0;
  let j = 0;
  while (i < listed.length || j < found.length) {
    const order =
      i === listed.length ? 1 : j === found.length ? -1 : compareBytes(listed[i]!.path, found[j]!.path);
    if (order < 0) {
      differences.push({ kind: 'missing', path: listed[i]!.path, listed: listed[i]! });
      i++;
    } else if (order > 0) {
      differences.push({ kind: 'extra', path: found[j]!.path, found: found[j]! });
      j++;
    } else {
      const difference = compareFile(listed[i++]!, found[j++]!);
      if (difference) differences.push(difference);
      else matched++;
    }
  }
  return { matched, differences };
}

function compareFile(listed: ManifestEntry, found: TreeFile): TreeDifference | undefined {
  const path = listed.path;
  if (listed.size !== found.size || listed.mtimeNs !== found.mtimeNs) {
    return { kind: 'changed', path, listed, found };
  }
  const hash = found.hash;
  if (hash === undefined) return { kind: 'unreadable', path, listed, found };
  if (hash !== listed.hash) return { kind: 'corrupted', path, listed, found: { ...found, hash } };
  return undefined;
}
