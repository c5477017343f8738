import { contentFolders } from './content-folders.js';
import { bytesOf, type FolderTree } from './folder-tree.js';

/** Shared files fewer than this make no pair: one common file is what `dupes` is for. */
export const MIN_SHARED_FILES = 2;

/** Folder pairs worth measuring: trees apart from each other, and folders against the rest of their parent. */
export interface OverlapCandidates {
  /** Pairs `[a, b]` of folders, neither inside the other, a < b. */
  apart: [number, number][];
  /** Folders to compare with the rest of their parent. */
  nested: number[];
}

/**
 * Finds the candidate pairs through the inverted index content → folders, without looking at every pair: for
 * each folder A in scope, each distinct content in A's tree, each folder X holding it directly, every folder
 * from X up to (not including) the first that holds A too gets A's files of that content. Every such folder B
 * is apart from A, and what it got is the share of A that B's tree holds. A content held directly by more than
 * `maxFoldersPerContent` folders is skipped here (it would pair every two of them); it still counts in the
 * figures of the pairs found through other contents. When the first folder holding A is A's parent, the
 * content is in the parent outside A: that measures A against the rest of its parent.
 * A pair is a candidate when at least `MIN_SHARED_FILES` files of A, and `minOverlap` of A's files or bytes,
 * are found so (the final figures are measured exactly afterwards).
 */
export function overlapCandidates(
  tree: FolderTree,
  minOverlap: number,
  maxFoldersPerContent: number,
): OverlapCandidates {
  const { folders, content, size } = tree;
  const index = contentFolders(tree);
  const contentSeenIn = new Int32Array(tree.contentCount).fill(-1);
  const copies = new Int32Array(tree.contentCount);
  const contentSize = new Float64Array(tree.contentCount);
  const touchedBy = new Int32Array(folders.length).fill(-1);
  const climbedFor = new Int32Array(folders.length).fill(-1);
  const sharedFiles = new Int32Array(folders.length);
  const sharedBytes = new Float64Array(folders.length);
  const distinct: number[] = [];
  const touched: number[] = [];
  const apart = new Map<number, [number, number]>();
  const nested: number[] = [];
  const passes = (files: number, bytes: number, ofFiles: number, ofBytes: number): boolean =>
    files >= MIN_SHARED_FILES &&
    (files / ofFiles >= minOverlap || (ofBytes > 0 && bytes / ofBytes >= minOverlap));
  let step = 0;

  for (let a = 0; a < folders.length; a++) {
    const A = folders[a]!;
    const files = A.end - A.start;
    if (!A.inScope || files < MIN_SHARED_FILES || files === tree.fileCount) continue;
    distinct.length = 0;
    for (let j = A.start; j < A.end; j++) {
      const c = content[j]!;
      if (contentSeenIn[c] !== a) {
        contentSeenIn[c] = a;
        copies[c] = 0;
        contentSize[c] = size[j]!;
        distinct.push(c);
      }
      copies[c]!++;
    }
    touched.length = 0;
    const parent = A.parent;
    const parentInScope = parent >= 0 && folders[parent]!.inScope;
    let nestedFiles = 0;
    let nestedBytes = 0;
    for (const c of distinct) {
      const from = index.start[c]!;
      const to = index.start[c + 1]!;
      if (to - from < 2 || to - from > maxFoldersPerContent) continue;
      const m = copies[c]!;
      const bytes = m * contentSize[c]!;
      step++;
      let inParent = false;
      for (let k = from; k < to; k++) {
        for (let y = index.list[k]!; y >= 0;) {
          const Y = folders[y]!;
          if (Y.start < A.end && A.start < Y.end) {
            // Y holds A (or lies in it): so do its parents. Y is A's parent: the content is there outside A.
            if (y === parent && parentInScope && !inParent) {
              inParent = true;
              nestedFiles += m;
              nestedBytes += bytes;
            }
            break;
          }
          if (!Y.inScope || climbedFor[y] === step) break;
          climbedFor[y] = step;
          if (touchedBy[y] !== a) {
            touchedBy[y] = a;
            sharedFiles[y] = 0;
            sharedBytes[y] = 0;
            touched.push(y);
          }
          sharedFiles[y]! += m;
          sharedBytes[y]! += bytes;
          y = Y.parent;
        }
      }
    }
    const ofBytes = bytesOf(tree, A.start, A.end);
    for (const b of touched) {
      if (!passes(sharedFiles[b]!, sharedBytes[b]!, files, ofBytes)) continue;
      const key = a < b ? a * folders.length + b : b * folders.length + a;
      apart.set(key, a < b ? [a, b] : [b, a]);
    }
    if (parentInScope && passes(nestedFiles, nestedBytes, files, ofBytes)) nested.push(a);
  }
  return { apart: [...apart.values()], nested };
}
