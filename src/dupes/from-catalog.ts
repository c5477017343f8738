import type { CatalogStore } from '../catalog/store.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import { comparePaths } from '../model/paths.js';
import { sortGroups, type DuplicateGroup, type PhysicalFile } from '../model/groups.js';
import { summarize, type DupesReport } from './report.js';
import { unfinishedScans } from './unfinished.js';

/**
 * The groups the catalog knows, without touching the disk: files with the same size and full hash, hard links
 * collapsed. It is what the last scans saw; files changed since are not re-checked here (apply re-checks).
 * Scans that did not finish are named in `unfinished`.
 */
export function dupesFromCatalog(
  catalog: CatalogStore,
  algorithm: HashAlgorithm,
  includeEmpty: boolean,
): DupesReport {
  const byKey = new Map<string, { hash: string; files: Map<string, PhysicalFile> }>();
  for (const row of catalog.sharedHashFiles(algorithm, includeEmpty)) {
    if (row.size === 0 && !includeEmpty) continue;
    const key = row.size === 0 ? 'empty' : `${row.size}:${row.hashes?.full ?? ''}`;
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { hash: row.hashes?.full ?? '', files: new Map() }));
    const files = entry.files;
    const inode = `${row.dev}:${row.ino}`;
    const existing = files.get(inode);
    if (existing) {
      existing.paths.push(row.path);
      existing.paths.sort(comparePaths);
      // A file is named by the row of its first path.
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
      });
    }
  }
  const groups: DuplicateGroup[] = [];
  for (const { hash, files } of byKey.values()) {
    if (files.size < 2) continue;
    const members = [...files.values()].sort((a, b) => comparePaths(a.paths[0]!, b.paths[0]!));
    groups.push({ size: members[0]!.size, hash, files: members });
  }
  return {
    algorithm,
    roots: [],
    groups: sortGroups(groups),
    summary: summarize(groups),
    problems: [],
    changed: [],
    unfinished: unfinishedScans(catalog),
  };
}
