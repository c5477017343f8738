import type { Stats, watch } from 'node:fs';
import type { Clock } from '../core/clock.js';

export type TreeWatchBackend = 'fs.watch' | 'polling';

/**
 * What a tree watcher reports. Paths are absolute (the root joined with the names below it).
 * - `ready`: the tree was listed and is watched; files present then are known, not reported.
 * - `settling`: a file appeared or changed; it is reported once its size and mtime hold still for the window.
 * - `settled`: a file is complete: `change` says whether the path held a reported file before.
 * - `renamed`: a reported file now has another name (same device and inode, size and mtime): no content changed.
 * - `removed`: a reported file is gone.
 * - `folder-added`: a folder appeared; it is watched and was listed at once.
 * - `rescan`: a subtree was listed again and compared with what was known (a watcher error, or asked for).
 * - `fallback`: fs.watch cannot be used (the inotify watch limit, too many open files): the tree is polled.
 */
export type TreeWatchEvent =
  | { type: 'ready'; backend: TreeWatchBackend; files: number; folders: number }
  | { type: 'settling'; path: string }
  | { type: 'settled'; path: string; stat: Stats; change: 'new' | 'changed' }
  | { type: 'renamed'; from: string; to: string; stat: Stats }
  | { type: 'removed'; path: string }
  | { type: 'folder-added'; path: string }
  | { type: 'rescan'; path: string; reason: string }
  | { type: 'fallback'; reason: string; pollIntervalMs: number };

export interface TreeWatchOptions {
  clock: Clock;
  onEvent(event: TreeWatchEvent): void;
  /** How long a file's size and mtime must hold still before it is reported, ms (default 2,000). */
  settleMs?: number;
  /** How often the tree is listed when polling, ms (default 5,000). */
  pollIntervalMs?: number;
  /** Poll from the start instead of using fs.watch. */
  poll?: boolean;
  /** fs.watch itself; tests pass one that fails as an exhausted inotify limit does. */
  watch?: typeof watch;
}

/** A file the watcher knows: the folder it is in, its name, and what tells a change or a rename. */
export interface KnownFileView {
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}
