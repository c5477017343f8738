import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { Clock } from '../core/clock.js';
import { Debouncer } from './debounce.js';
import { folderEntry, isPluginFile } from './discovery.js';
import type { PluginHost } from './host.js';
import { isDirectory, watchFolders, type FolderWatcher, type WatchBackend } from './watcher.js';

export type ReloaderEvent =
  | { type: 'watching'; backend: WatchBackend; folders: readonly string[] }
  | { type: 'fallback'; reason: string }
  | { type: 'unchanged'; path: string }
  | { type: 'error'; message: string };

export interface HotReloadOptions {
  host: PluginHost;
  folders: readonly string[];
  clock: Clock;
  /** Quiet time before a changed plugin is reloaded: an editor's burst of writes gives one reload. */
  debounceMs?: number;
  poll?: boolean;
  pollIntervalMs?: number;
  onEvent?(event: ReloaderEvent): void;
}

/**
 * Keeps the host's file plugins in step with their files: a change is debounced per plugin, a save that leaves
 * the bytes as they were is ignored (content hash), a changed file is reloaded (the host keeps the old version
 * if the new one fails), a removed file is unloaded, a new one is loaded.
 */
export class HotReloader {
  readonly #options: HotReloadOptions;
  readonly #debouncer: Debouncer<string>;
  readonly #hashes = new Map<string, string>();
  #watcher: FolderWatcher | undefined;

  constructor(options: HotReloadOptions) {
    this.#options = options;
    this.#debouncer = new Debouncer(options.clock, options.debounceMs ?? 25, (item) => {
      this.#settle(item).catch((error: unknown) => this.#emit({ type: 'error', message: String(error) }));
    });
    for (const record of options.host.list()) {
      if (record.source.kind === 'file') this.#remember(record.source.path);
    }
  }

  /** Starts watching; returns the backend in use. */
  start(): WatchBackend {
    this.#options.host.keepWarm(true);
    this.#watcher = watchFolders(this.#options.folders, {
      clock: this.#options.clock,
      ...(this.#options.poll ? { poll: true } : {}),
      ...(this.#options.pollIntervalMs === undefined ? {} : { intervalMs: this.#options.pollIntervalMs }),
      onChange: (path) => this.changed(path),
      onFallback: (reason) => this.#emit({ type: 'fallback', reason }),
    });
    this.#emit({ type: 'watching', backend: this.#watcher.backend, folders: this.#options.folders });
    return this.#watcher.backend;
  }

  /** Something changed at `path`: the plugin it belongs to is looked at once things are quiet. */
  changed(path: string): void {
    const item = this.#itemOf(path);
    if (item !== undefined) this.#debouncer.touch(item);
  }

  close(): void {
    this.#watcher?.close();
    this.#debouncer.close();
    this.#options.host.keepWarm(false);
  }

  /** The top-level entry of a plugin folder that `path` is, or is inside: a plugin file or a plugin folder. */
  #itemOf(path: string): string | undefined {
    for (const folder of this.#options.folders) {
      const rel = relative(folder, path);
      if (rel === '' || rel.startsWith('..')) continue;
      const first = rel.split(sep)[0]!;
      const item = `${folder}${sep}${first}`;
      return first === rel && !isPluginFile(first) && !isDirectory(item) ? undefined : item;
    }
    return undefined;
  }

  async #settle(item: string): Promise<void> {
    const host = this.#options.host;
    const entry = isDirectory(item) ? await folderEntry(item) : isPluginFile(item) ? item : undefined;
    if (entry === undefined || !existsSync(entry)) {
      // Removed: unload whatever was loaded from it (a file, or any file inside a removed folder).
      for (const record of host.list()) {
        if (record.source.kind !== 'file') continue;
        const path = record.source.path;
        if (path === item || dirname(path) === item || path.startsWith(`${item}${sep}`)) {
          this.#hashes.delete(path);
          await host.unloadFile(path);
        }
      }
      return;
    }
    // A folder plugin whose package.json now names another entry: the old entry's plugin goes first.
    for (const record of host.list()) {
      const path = record.source.kind === 'file' ? record.source.path : undefined;
      if (path !== undefined && path !== entry && path.startsWith(`${item}${sep}`)) {
        this.#hashes.delete(path);
        await host.unloadFile(path);
      }
    }
    const hash = contentHash(isDirectory(item) ? item : entry);
    if (
      hash !== undefined &&
      hash === this.#hashes.get(entry) &&
      host.list().some((r) => r.source.kind === 'file' && r.source.path === entry && r.state === 'active')
    ) {
      this.#emit({ type: 'unchanged', path: entry });
      return;
    }
    if (hash !== undefined) this.#hashes.set(entry, hash);
    await host.reloadFile(entry);
  }

  #remember(path: string): void {
    const item = this.#itemOf(path);
    const hash = contentHash(item !== undefined && isDirectory(item) ? item : path);
    if (hash !== undefined) this.#hashes.set(path, hash);
  }

  #emit(event: ReloaderEvent): void {
    this.#options.onEvent?.(event);
  }
}

/** The SHA-256 of a plugin file, or of every file of a folder plugin (its modules, its package.json). */
function contentHash(path: string): string | undefined {
  try {
    const hash = createHash('sha256');
    if (isDirectory(path)) {
      for (const name of readdirSync(path).sort()) {
        const file = join(path, name);
        if (!isDirectory(file)) hash.update(name).update('\0').update(readFileSync(file));
      }
    } else hash.update(readFileSync(path));
    return hash.digest('hex');
  } catch {
    return undefined;
  }
}
