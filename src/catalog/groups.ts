import type { HashAlgorithm } from '../hash/algorithms.js';
import type { DuplicateGroup, PhysicalFile } from '../model/groups.js';
import { comparePaths } from '../model/paths.js';
import type { CatalogFile, CatalogStore } from './store.js';

/**
 * The rows of the catalog's groups, one group's rows at a time (rows with the same size and full hash; every
 * empty file in one, when asked for): `sharedHashFiles` gives a group's rows one after another, so only one
 * group is ever held here.
 */
export function* sharedHashRuns(
  catalog: CatalogStore,
  algorithm: HashAlgorithm,
  includeEmpty: boolean,
): Generator<CatalogFile[]> {
  let run: CatalogFile[] = [];
  let runKey = '';
  for (const row of catalog.sharedHashFiles(algorithm, includeEmpty)) {
    const key = row.size === 0 ? 'empty' : `${row.size}:${row.hashes?.full ?? ''}`;
    if (key !== runKey && run.length > 0) {
      yield run;
      run = [];
    }
    runKey = key;
    run.push(row);
  }
  if (run.length > 0) yield run;
}

/**
 * The physical files of rows that share their content: hard links (same device and inode) collapsed into one
 * file whose paths are in path order and which is named by the row of its first path; files in order of their
 * first path.
 */
export function physicalFiles(rows: readonly CatalogFile[]): PhysicalFile[] {
  const files = new Map<string, PhysicalFile>();
  for (const row of rows) {
    const inode = `${row.dev}:${row.ino}`;
    const existing = files.get(inode);
    if (existing) {
      existing.paths.push(row.path);
      existing.paths.sort(comparePaths);
      if (existing.paths[0] === row.path) existing.id = row.id;
    } else {
      files.set(inode, {
        id: row.id,
        paths: [row.path],
        root: 0,
        dev: row.dev,
        ino: row.ino,
        size: row.size,
        mtimeNs: row.mtimeNs,
        ctimeNs: row.ctimeNs,
        ...(row.type === undefined ? {} : { type: row.type }),
      });
    }
  }
  return [...files.values()].sort((a, b) => comparePaths(a.paths[0]!, b.paths[0]!));
}

/** The group of one run of rows (see `sharedHashRuns`), or undefined when they are fewer than two files. */
export function groupOf(rows: readonly CatalogFile[]): DuplicateGroup | undefined {
  const files = physicalFiles(rows);
  if (files.length < 2) return undefined;
  return { size: files[0]!.size, hash: rows[0]!.hashes?.full ?? '', files };
}

/** The catalog's groups, one at a time, in no particular order (`sortGroups` orders them). */
export function* catalogGroups(
  catalog: CatalogStore,
  algorithm: HashAlgorithm,
  includeEmpty: boolean,
): Generator<DuplicateGroup> {
  for (const rows of sharedHashRuns(catalog, algorithm, includeEmpty)) {
    const group = groupOf(rows);
    if (group) yield group;
  }
}
