import type { FolderTree } from './folder-tree.js';

/**
 * The inverted index: for each content, the folders holding a file of it directly (each once), in columns:
 * content `c`'s folders are `list[start[c]] .. list[start[c + 1] - 1]`.
 */
export interface ContentFolders {
  start: Int32Array;
  list: Int32Array;
}

export function contentFolders(tree: FolderTree): ContentFolders {
  const contents = tree.contentCount;
  const fileStart = new Int32Array(contents + 1);
  for (let j = 0; j < tree.fileCount; j++) fileStart[tree.content[j]! + 1]!++;
  for (let c = 0; c < contents; c++) fileStart[c + 1]! += fileStart[c]!;
  const next = fileStart.slice(0, contents);
  const byContent = new Int32Array(tree.fileCount);
  for (let j = 0; j < tree.fileCount; j++) byContent[next[tree.content[j]!]!++] = j;

  const start = new Int32Array(contents + 1);
  const list = new Int32Array(tree.fileCount);
  const lastContent = new Int32Array(tree.folders.length).fill(-1);
  let length = 0;
  for (let c = 0; c < contents; c++) {
    start[c] = length;
    for (let k = fileStart[c]!; k < fileStart[c + 1]!; k++) {
      const f = tree.folder[byContent[k]!]!;
      if (lastContent[f] === c) continue;
      lastContent[f] = c;
      list[length++] = f;
    }
  }
  start[contents] = length;
  return { start, list: list.subarray(0, length) };
}
