import type { TreeWatchBackend } from './events.js';

/**
 * What `nodupe watch` reports (and `nodupe serve --watch` sends as `watch` events). Paths are text (bytes that are
 * not UTF-8 shown replaced, as `displayPath` does); sizes in bytes; `hash` is the full-content hash by `algorithm`.
 * - `ready`: the catalog was reconciled with the trees (a scan: unchanged files not read) and they are watched.
 * - `duplicate`: a new or changed file has the same content as `duplicates` (other files in the catalog).
 * - `file`: a new or changed file that duplicates nothing the catalog holds.
 * - `duplicate-gone`: a file that had a copy went away; `copies`: the copies still in the catalog.
 * - `removed`: a file that duplicated nothing went away.
 * - `renamed`: a file got another name (same inode, size and mtime): the catalog row follows, nothing is read.
 * - `fallback`: fs.watch cannot watch `root` (the inotify watch limit, too many open files): it is polled.
 * - `rescan`: a subtree was listed again after a watcher error.
 * - `problem`: a file could not be read or the catalog could not be updated for it; watching goes on.
 */
export type WatchReport =
  | {
      type: 'ready';
      roots: string[];
      backend: TreeWatchBackend;
      files: number;
      bytesRead: number;
      groups: number;
    }
  | {
      type: 'duplicate';
      path: string;
      change: 'new' | 'changed';
      size: number;
      algorithm: string;
      hash: string;
      duplicates: string[];
    }
  | { type: 'file'; path: string; change: 'new' | 'changed'; size: number }
  | { type: 'duplicate-gone'; path: string; size: number; algorithm: string; hash: string; copies: string[] }
  | { type: 'removed'; path: string }
  | { type: 'renamed'; from: string; to: string }
  | { type: 'fallback'; root: string; reason: string; pollIntervalMs: number }
  | { type: 'rescan'; path: string; reason: string }
  | { type: 'problem'; path: string; message: string };
