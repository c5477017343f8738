// The walk's part of a worker thread: loaded by the worker on its first walk task only.
import { moveResult } from '../core/worker-pool.js';
import { nodeFileOps } from '../fs/file-ops.js';
import { transferables } from '../model/records.js';
import { compileFilters, type Filters } from './filters.js';
import type { WalkTask, WalkTaskResult } from '../model/walk-task.js';
import { readFolders } from './read-folders.js';

/** The filters of the walk this thread last served, compiled once, and the globs they matched here so far. */
let current: { walk: string; filters: Filters; matched: Set<string> } | undefined;

/** Reads a walk task's folders; the file columns are moved to the main thread, not copied. */
export function readFoldersInThread(task: WalkTask): WalkTaskResult {
  if (current?.walk !== task.walk) {
    const matched = new Set<string>();
    current = { walk: task.walk, filters: compileFilters({ ...task.filters, matched }), matched };
  }
  const before = current.matched.size;
  const report = readFolders(task, nodeFileOps, current.filters);
  // A Set keeps the order of insertion: what this task matched first is at the end.
  const matched = before === current.matched.size ? [] : [...current.matched].slice(before);
  return moveResult({ ...report, matched }, transferables(report.files));
}
