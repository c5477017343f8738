import type { CatalogStore, ScanRecord } from '../catalog/store.js';
import { count, shellWord } from '../core/format.js';

/** A scan that did not finish and that no later finished scan covered: the catalog may miss what it would have seen. */
export interface UnfinishedScan {
  id: number;
  /** Wall-clock ms. */
  startedAt: number;
  roots: string[];
  /** Paths it saw (hashed or not) before it stopped. */
  filesSeen: number;
}

/** Whether `path` is `root` or lies below it, by whole components. */
function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/**
 * The scans whose roots no later finished scan covered (each of its roots equal to or below a root of a later
 * finished scan). A report from the catalog must say so: an interrupted scan must not look like a clean answer.
 */
export function unfinishedScans(catalog: CatalogStore): UnfinishedScan[] {
  const scans = catalog.scans();
  const covered = (s: ScanRecord, later: readonly ScanRecord[]): boolean =>
    later.some(
      (l) => l.finishedAt !== undefined && s.roots.every((r) => l.roots.some((root) => within(r, root))),
    );
  return scans
    .filter((s, i) => s.finishedAt === undefined && !covered(s, scans.slice(i + 1)))
    .map((s) => ({ id: s.id, startedAt: s.startedAt, roots: s.roots, filesSeen: catalog.filesSeenBy(s.id) }));
}

/** "the last scan of /a, /b (started 2026-11-30 10:00) did not finish: it saw 1,234 files before it stopped" */
export function describeUnfinished(scan: UnfinishedScan): string {
  const started = new Date(scan.startedAt).toISOString().replace('T', ' ').slice(0, 16);
  return (
    `the last scan of ${scan.roots.join(', ')} (started ${started} UTC) did not finish: ` +
    `it saw ${count(scan.filesSeen, 'file')} before it stopped, ` +
    `so duplicates there may be missing; scan again: nodupe scan ${scan.roots.map(shellWord).join(' ')}`
  );
}
