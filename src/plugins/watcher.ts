import { watch, readdirSync, statSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Timer } from '../core/clock.js';

export type WatchBackend = 'fs.watch' | 'polling';

export interface FolderWatcher {
  readonly backend: WatchBackend;
  close(): void;
}

export interface WatchOptions {
  clock: Clock;
  /** Use the polling backend from the start. */
  poll?: boolean;
  /** Polling interval, ms. */
  intervalMs?: number;
  /** Something at or below `path` changed (a file written, renamed, created or removed). */
  onChange(path: string): void;
  /** fs.watch failed (at start or later): the watcher now polls. Never thrown. */
  onFallback?(reason: string): void;
  /** fs.watch itself; tests pass one that fails as an exhausted inotify limit does. */
  watch?: typeof watch;
}

/**
 * Watches plugin folders and their immediate subfolders (folder plugins), each with one non-recursive
 * `fs.watch` (inotify on Linux), or, when fs.watch fails (ENOSPC: the inotify limit; EMFILE) or with `poll`,
 * by polling: a stat of every file each interval, on the Clock. Errors never escape: a watcher that fails
 * falls back to polling and says why.
 */
export function watchFolders(folders: readonly string[], options: WatchOptions): FolderWatcher {
  if (options.poll) return pollFolders(folders, options);
  const watchers = new Map<string, FSWatcher>();
  let current: FolderWatcher | undefined;
  let closed = false;
  const fallBack = (reason: string) => {
    if (closed || current?.backend === 'polling') return;
    for (const w of watchers.values()) w.close();
    watchers.clear();
    options.onFallback?.(reason);
    current = pollFolders(folders, options);
  };
  const watchFn = options.watch ?? watch;
  const drop = (dir: string) => {
    watchers.get(dir)?.close();
    watchers.delete(dir);
  };
  const add = (dir: string, isTop: boolean) => {
    if (watchers.has(dir)) return;
    const w = watchFn(dir, { persistent: true }, (_event, name) => {
      const path = name === null ? dir : join(dir, name);
      if (isTop && name !== null) {
        // A subfolder created, removed or replaced: its watch (a folder plugin's) starts afresh or ends.
        drop(path);
        if (isDirectory(path)) safely(() => add(path, false));
      }
      options.onChange(path);
      // The plugin folder itself was removed or renamed: its watch sees nothing more, so poll instead.
      if (isTop && !isDirectory(dir)) fallBack(`the plugin folder ${dir} was removed`);
    });
    w.on('error', (error) => {
      // A watched subfolder that was removed ends its watcher; anything else means fs.watch cannot be trusted.
      if (!isTop && (error as NodeJS.ErrnoException).code === 'ENOENT') drop(dir);
      else fallBack(`fs.watch failed on ${dir}: ${error.message}`);
    });
    watchers.set(dir, w);
  };
  try {
    for (const folder of folders) {
      // A plugin folder that does not exist is left out (discovery reports it); the others are still watched.
      if (!isDirectory(folder)) continue;
      add(folder, true);
      for (const sub of subfolders(folder)) add(sub, false);
    }
  } catch (error) {
    fallBack(`fs.watch failed: ${(error as Error).message}`);
  }
  current ??= { backend: 'fs.watch', close: () => undefined };
  return {
    get backend() {
      return current!.backend;
    },
    close() {
      closed = true;
      for (const w of watchers.values()) w.close();
      watchers.clear();
      current?.close();
    },
  };
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A folder that vanished between the event and the watch: nothing to watch.
  }
}

/** Whether a folder is there (following links); false for anything else or nothing. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function subfolders(folder: string): string[] {
  try {
    return readdirSync(folder, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(folder, e.name));
  } catch {
    return [];
  }
}

/** What a poll knows of a file: enough to see a write, a rename over it, a new file or a removal. */
function snapshot(folders: readonly string[]): Map<string, string> {
  const seen = new Map<string, string>();
  const look = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        seen.set(path, 'dir');
        if (depth === 0) look(path, 1);
        continue;
      }
      try {
        const st = statSync(path, { bigint: true });
        seen.set(path, `${st.ino}:${st.size}:${st.mtimeNs}`);
      } catch {
        // Gone between readdir and stat: the next poll sees it missing.
      }
    }
  };
  for (const folder of folders) look(folder, 0);
  return seen;
}

function pollFolders(folders: readonly string[], options: WatchOptions): FolderWatcher {
  const interval = options.intervalMs ?? 500;
  let known = snapshot(folders);
  let timer: Timer | undefined;
  const tick = () => {
    const now = snapshot(folders);
    for (const [path, sig] of now) if (known.get(path) !== sig) options.onChange(path);
    for (const path of known.keys()) if (!now.has(path)) options.onChange(path);
    known = now;
    timer = options.clock.setTimer(tick, interval);
  };
  timer = options.clock.setTimer(tick, interval);
  return {
    backend: 'polling',
    close: () => timer?.cancel(),
  };
}
