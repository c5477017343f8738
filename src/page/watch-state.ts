/** What `serve --watch` found lately, as the page keeps it: the pure rule that folds a watch report in. */
import type { WatchReport } from '../watch/reports.js';

/** How many findings the page keeps: the latest ones, newest first. */
export const FINDINGS_KEPT = 20;

/**
 * A finding worth a line on the page: a new copy of files the catalog holds, a duplicate that went away, a watch
 * that fell back to polling, a file it could not read. (New files without a copy, removals and renames are not.)
 */
export type WatchFinding =
  | { kind: 'copy'; path: string; change: 'new' | 'changed'; size: number; of: string[] }
  | { kind: 'gone'; path: string; size: number; left: string[] }
  | { kind: 'fallback'; root: string; reason: string }
  | { kind: 'problem'; path: string; message: string };

export interface WatchState {
  /** The watched folders, once the watch is ready (undefined: the server watches nothing, or not yet). */
  roots: string[] | undefined;
  findings: WatchFinding[];
}

export function initialWatchState(): WatchState {
  return { roots: undefined, findings: [] };
}

/** `watch` folded in: the roots when ready, a finding first in the list (the oldest dropped past FINDINGS_KEPT). */
export function withWatchReport(watch: WatchState, report: WatchReport): WatchState {
  const finding = findingOf(report);
  if (report.type === 'ready') return { ...watch, roots: report.roots };
  if (finding === undefined) return watch;
  return { ...watch, findings: [finding, ...watch.findings].slice(0, FINDINGS_KEPT) };
}

function findingOf(report: WatchReport): WatchFinding | undefined {
  switch (report.type) {
    case 'duplicate':
      return {
        kind: 'copy',
        path: report.path,
        change: report.change,
        size: report.size,
        of: report.duplicates,
      };
    case 'duplicate-gone':
      return { kind: 'gone', path: report.path, size: report.size, left: report.copies };
    case 'fallback':
      return { kind: 'fallback', root: report.root, reason: report.reason };
    case 'problem':
      return { kind: 'problem', path: report.path, message: report.message };
    case 'ready':
    case 'file':
    case 'removed':
    case 'renamed':
    case 'rescan':
      return undefined;
    default:
      return report satisfies never;
  }
}
