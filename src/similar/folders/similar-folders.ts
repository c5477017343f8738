import type { CatalogStore, KnownRows } from '../../catalog/store.js';
import { comparePaths } from '../../model/paths.js';
import { duplicateFolderGroups, folderSignatures } from './duplicate-folders.js';
import { resolveFolderOptions, type SimilarFolderOptions } from './folder-options.js';
import type { SimilarFolders } from './folder-result.js';
import { folderOverlaps } from './folder-overlaps.js';
import { buildFolderTree } from './folder-tree.js';
import { overlapCandidates } from './overlap-candidates.js';

/**
 * Duplicate and overlapping folders among the catalog's files at or under `roots` (every file when none), from
 * the catalog alone: no file is read. See `findSimilarFolders`.
 */
export function similarFoldersInCatalog(
  catalog: CatalogStore,
  roots: readonly string[],
  options: SimilarFolderOptions = {},
): SimilarFolders {
  const resolved = resolveFolderOptions(options);
  return findSimilarFolders(catalog.knownRowChunks(roots.length > 0 ? roots : ['/']), roots, resolved);
}

/**
 * Duplicate and overlapping folders among `rows` (the catalog's rows in path byte order, in chunks as
 * `knownRowChunks` gives them); only folders at or under `roots` (all when none) are reported.
 *
 * A folder stands for its whole tree (its files and everything below it). Files are compared by content (see
 * `buildFolderTree`); hard links of one file are that file under several names.
 *
 * Duplicate folders: the same relative names, each file with the same content, recursively; see
 * `folderSignatures` and `duplicateFolderGroups`.
 *
 * Overlap of folders A and B, neither inside the other: a file of A is shared when B's tree holds a file with its
 * content (under any name, anywhere in it). A's share inside B is its shared files over all its files (by
 * count, and by bytes); "A ⊆ B" when all of A is shared. The pair is listed when at least 2 files of one side
 * are shared and that side's share, by files or by bytes, reaches `minOverlap`. Its similarity is both sides'
 * shared files over both sides' files (1: each holds every content of the other). What is only on one side is
 * listed by path relative to that side's folder: the files whose content the other side lacks (what would be
 * lost by removing that side). A folder is also measured against the rest of its parent folder (the parent's
 * tree without it): `a/backup/` holding a copy of the rest of `a/` is reported as such, never as "a/ holds
 * a/backup/", which every folder does of its subfolders.
 */
export function findSimilarFolders(
  rows: Iterable<KnownRows>,
  roots: readonly string[],
  options: SimilarFolderOptions = {},
): SimilarFolders {
  const { includeEmpty, minOverlap, maxFoldersPerContent, listLimit } = resolveFolderOptions(options);
  const tree = buildFolderTree(rows, roots, includeEmpty);
  const signature = folderSignatures(tree);
  const duplicates = duplicateFolderGroups(tree, signature).sort(
    (x, y) => y.reclaimable - x.reclaimable || comparePaths(x.folders[0]!, y.folders[0]!),
  );
  const candidates = overlapCandidates(tree, minOverlap, maxFoldersPerContent);
  const overlaps = folderOverlaps(tree, signature, candidates, minOverlap, listLimit);
  return {
    files: tree.fileCount,
    folders: tree.folders.filter((f) => f.inScope).length,
    duplicates,
    overlaps,
    unconfirmed: tree.unconfirmed,
  };
}
