import type { CatalogStore } from '../catalog/store.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import { catalogGroups } from '../catalog/groups.js';
import { sortGroups } from '../model/groups.js';
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
  const groups = [...catalogGroups(catalog, algorithm, includeEmpty)];
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
