import { quarantineFolders } from '../catalog/own-folders.js';
import { isQuarantineName } from '../scan/filters.js';
import { lstatSync, type BigIntStats } from 'node:fs';
import type { CatalogFile, CatalogStore } from '../catalog/store.js';
import type { Clock } from '../core/clock.js';
import { isAbortError } from '../core/errors.js';
import { displayPath, pathKey } from '../model/paths.js';
import type { DuplicateGroup } from '../model/groups.js';
import { scan, type ScanOptions } from '../scan/scan.js';
import type { TreeWatchEvent, TreeWatchOptions } from './events.js';
import { moveRows, type MovedRow } from './moved-rows.js';
import type { WatchReport } from './reports.js';
import { watchTree, type TreeWatch } from './tree-watcher.js';

export interface CatalogWatchOptions {
  /** Absolute real paths of the folders to watch. */
  roots: readonly string[];
  catalog: CatalogStore;
  clock: Clock;
  onReport(report: WatchReport): void;
  /** Every event of the tree watchers as it comes (`settling` and `folder-added` too): to show more, or to wait on. */
  onTreeEvent?(event: TreeWatchEvent): void;
  /**
   * How every scan is run (the startup one, and the small ones of new files): algorithm, threads,
   * `maxReadRate`, the folders and files never scanned (nodupe's own; their events are ignored too).
   */
  scan?: Omit<ScanOptions, 'roots' | 'catalog' | 'clock' | 'signal'>;
  settleMs?: number;
  pollIntervalMs?: number;
  poll?: boolean;
  /** fs.watch itself (tests pass one that fails as the inotify limit does). */
  watch?: TreeWatchOptions['watch'];
  signal?: AbortSignal;
}

export interface CatalogWatch {
  /** Resolves once the startup scan is done and `ready` was reported (rejects if that scan failed). */
  readonly ready: Promise<void>;
  /** Resolves once every event received so far is in the catalog and reported. */
  idle(): Promise<void>;
  /** Stops watching; resolves once the work under way has stopped. */
  close(): Promise<void>;
}

/**
 * Keeps the catalog current with folder trees and reports new duplicates as they appear. The trees are watched
 * first (see `watchTree`), then the catalog is reconciled with them by the incremental scan (unchanged files are
 * not read); what happened meanwhile is handled next. A file that settled is scanned together with the catalog's
 * live files of its size: it is read (head, tail, full, through the rate limiter) only when there are some, and
 * those keep their hashes unless they changed. A removed file is marked gone; a renamed one gets its new path
 * with its hashes, unread. Events arriving while a batch is handled are handled together next: no timer, no
 * work while nothing happens.
 *
 * @example
 * const watch = watchCatalog({ roots: ['/home/me/Downloads'], catalog, clock: systemClock, onReport: console.log });
 * await watch.ready;
 * // … later
 * await watch.close();
 */
export function watchCatalog(options: CatalogWatchOptions): CatalogWatch {
  return new Watcher(options);
}

class Watcher implements CatalogWatch {
  readonly ready: Promise<void>;
  readonly #options: CatalogWatchOptions;
  /** The runs' quarantine folders, read again at each batch of events. */
  #quarantines: string[] = [];
  readonly #catalog: CatalogStore;
  readonly #abort = new AbortController();
  readonly #signal: AbortSignal;
  readonly #trees: TreeWatch[] = [];
  readonly #algorithm: string;
  #queue: TreeWatchEvent[] = [];
  #started = false;
  #closed = false;
  #working: Promise<void> | undefined;

  constructor(options: CatalogWatchOptions) {
    this.#options = options;
    this.#catalog = options.catalog;
    this.#signal = options.signal
      ? AbortSignal.any([options.signal, this.#abort.signal])
      : this.#abort.signal;
    this.#algorithm = options.scan?.algorithm ?? 'xxh3';
    for (const root of options.roots) {
      this.#trees.push(
        watchTree(root, {
          clock: options.clock,
          onEvent: (event) => this.#take(root, event),
          ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
          ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
          ...(options.poll === undefined ? {} : { poll: options.poll }),
          ...(options.watch === undefined ? {} : { watch: options.watch }),
        }),
      );
    }
    this.ready = this.#start();
    // A failed start is the caller's to see through `ready`; it must not also be an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  idle(): Promise<void> {
    return this.#working ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const tree of this.#trees) tree.close();
    this.#abort.abort();
    await this.ready.catch(() => undefined);
    await this.#working?.catch(() => undefined);
  }

  async #start(): Promise<void> {
    const report = await this.#scan(this.#options.roots);
    this.#started = true;
    this.#report({
      type: 'ready',
      roots: [...this.#options.roots],
      backend: this.#trees.some((t) => t.backend === 'polling') ? 'polling' : 'fs.watch',
      files: report.files,
      bytesRead: report.bytesRead,
      groups: report.groups.length,
    });
    this.#work();
  }

  #take(root: string, event: TreeWatchEvent): void {
    if (this.#closed) return;
    this.#options.onTreeEvent?.(event);
    switch (event.type) {
      case 'ready':
      case 'settling':
      case 'folder-added':
        return;
      case 'fallback':
        return this.#report({
          type: 'fallback',
          root,
          reason: event.reason,
          pollIntervalMs: event.pollIntervalMs,
        });
      case 'rescan':
        return this.#report({ type: 'rescan', path: event.path, reason: event.reason });
      default:
        this.#queue.push(event);
        if (this.#started) this.#work();
    }
  }

  /** Handles the queued events, a batch at a time, until none is left. */
  #work(): void {
    if (this.#working !== undefined || this.#queue.length === 0 || this.#closed) return;
    this.#working = (async () => {
      try {
        // The rest of this turn's events join the batch (a burst's files settle in the same turn).
        await new Promise((resolve) => setImmediate(resolve));
        while (this.#queue.length > 0 && !this.#closed) {
          const batch = this.#queue;
          this.#queue = [];
          await this.#handle(batch);
        }
      } finally {
        this.#working = undefined;
      }
    })().catch((error: unknown) => {
      if (!isAbortError(error) && !this.#closed) {
        this.#report({ type: 'problem', path: '', message: (error as Error).message });
      }
    });
  }

  async #handle(batch: readonly TreeWatchEvent[]): Promise<void> {
    // An apply may have started since with a --quarantine folder in the watched tree: its files are nodupe's.
    this.#quarantines = quarantineFolders(this.#catalog);
    // What each path came to over the batch, in the order of its events.
    const settled = new Map<string, 'new' | 'changed'>();
    const removed = new Set<string>();
    const renames = new Map<string, string>();
    for (const event of batch) {
      if (event.type === 'settled') {
        if (this.#skipped(event.path)) continue;
        removed.delete(event.path);
        settled.set(event.path, event.change);
      } else if (event.type === 'removed') {
        if (this.#skipped(event.path)) continue;
        settled.delete(event.path);
        removed.add(event.path);
      } else if (event.type === 'renamed') {
        removed.delete(event.to);
        if (settled.delete(event.from)) settled.set(event.to, 'new');
        else renames.set(event.from, event.to);
      }
    }
    const at = this.#options.clock.wallNow();
    await this.#renamed(renames, settled, removed, at);
    this.#removed(removed, at);
    if (settled.size > 0) await this.#settled(settled);
  }

  async #renamed(
    renames: ReadonlyMap<string, string>,
    settled: Map<string, 'new' | 'changed'>,
    removed: Set<string>,
    at: number,
  ): Promise<void> {
    const moved: MovedRow[] = [];
    for (const [from, to] of renames) {
      const row = this.#catalog.fileAtPath(from);
      const now = bigStat(to);
      if (row !== undefined && now !== undefined && sameContent(now, row) && !this.#skipped(to)) {
        moved.push({ row, to, now });
      } else {
        // Not the file the catalog knew (or not known): the old path is gone, the new one is scanned.
        if (row !== undefined) removed.add(from);
        if (!this.#skipped(to)) settled.set(to, 'new');
      }
    }
    await moveRows(this.#catalog, moved, this.#algorithm, at);
    for (const { row, to } of moved) {
      this.#report({ type: 'renamed', from: displayPath(row.path), to });
    }
  }

  #removed(paths: ReadonlySet<string>, at: number): void {
    if (paths.size === 0) return;
    const rows = [...paths].flatMap((path) => this.#catalog.fileAtPath(path) ?? []);
    // Each one's copies before any goes: a file is reported as a duplicate gone even when its copies went with it.
    const sameSize = this.#catalog.liveFilesOfSizes([
      ...new Set(rows.filter((row) => row.hashes?.full !== undefined).map((row) => row.size)),
    ]);
    const copiesOf = new Map(rows.map((row) => [row, copiesIn(sameSize, row)] as const));
    this.#catalog.refresh(
      rows.map((row) => ({ path: row.path, now: undefined })),
      at,
    );
    const goneKeys = new Set(rows.map((row) => pathKey(row.path)));
    for (const row of rows) {
      const copies = copiesOf.get(row)!;
      const hashes = row.hashes;
      if (copies.length === 0 || hashes?.full === undefined) {
        this.#report({ type: 'removed', path: displayPath(row.path) });
        continue;
      }
      this.#report({
        type: 'duplicate-gone',
        path: displayPath(row.path),
        size: row.size,
        algorithm: hashes.algorithm,
        hash: hashes.full,
        copies: copies.filter((c) => !goneKeys.has(pathKey(c.path))).map((c) => displayPath(c.path)),
      });
    }
  }

  /**
   * Scans the settled files with the catalog's live files of their sizes: a file is read only when its size
   * has another member; then says, for each settled file, what it duplicates.
   */
  async #settled(settled: ReadonlyMap<string, 'new' | 'changed'>): Promise<void> {
    const roots = new Set<string>();
    const sizes = new Set<number>();
    for (const path of settled.keys()) {
      const stat = bigStat(path);
      if (!stat?.isFile()) continue; // gone since: its removal is on its way
      roots.add(path);
      sizes.add(Number(stat.size));
    }
    if (roots.size === 0) return;
    if (!(this.#options.scan?.includeEmpty ?? false)) sizes.delete(0);
    for (const row of this.#catalog.liveFilesOfSizes([...sizes])) {
      if (typeof row.path !== 'string' || roots.has(row.path)) continue;
      if (bigStat(row.path)?.isFile()) roots.add(row.path);
    }
    const report = await this.#scan([...roots]);
    const groupOf = new Map<string, DuplicateGroup>();
    for (const group of report.groups) {
      for (const file of group.files) for (const path of file.paths) groupOf.set(pathKey(path), group);
    }
    for (const [path, change] of settled) {
      if (!roots.has(path)) continue;
      const row = this.#catalog.fileAtPath(path);
      if (row === undefined) continue; // unreadable, or gone under the scan: its problem was reported
      const group = groupOf.get(pathKey(path));
      if (group === undefined) {
        this.#report({ type: 'file', path, change, size: row.size });
        continue;
      }
      const duplicates = group.files
        .flatMap((f) => f.paths)
        .filter((p) => pathKey(p) !== pathKey(path))
        .map(displayPath);
      this.#report({
        type: 'duplicate',
        path,
        change,
        size: group.size,
        algorithm: report.algorithm,
        hash: group.hash,
        duplicates,
      });
    }
  }

  async #scan(roots: readonly string[]) {
    // A signal per scan: what a scan hangs on it goes with it, not onto the watch's own, which lives for days.
    const controller = new AbortController();
    const abort = () => controller.abort(this.#signal.reason);
    if (this.#signal.aborted) abort();
    this.#signal.addEventListener('abort', abort, { once: true });
    let report;
    try {
      report = await scan({
        ...this.#options.scan,
        roots,
        catalog: this.#catalog,
        clock: this.#options.clock,
        signal: controller.signal,
      });
    } finally {
      this.#signal.removeEventListener('abort', abort);
    }
    for (const problem of report.problems) {
      this.#report({ type: 'problem', path: displayPath(problem.path), message: problem.message });
    }
    return report;
  }

  /**
   * nodupe's own files are not the user's: the catalog and the files named after it, its data folder, the
   * quarantine folders (`.nodupe-quarantine` anywhere, as a scan skips them, and every run's `--quarantine`
   * folder). A file moved into one of them is gone from the user's files, not renamed.
   */
  #skipped(path: string): boolean {
    const files = this.#options.scan?.skipFiles ?? [];
    const folders = [...(this.#options.scan?.skipFolders ?? []), ...this.#quarantines];
    return (
      files.some((f) => path === f || path.startsWith(`${f}-`)) ||
      folders.some((f) => path === f || path.startsWith(`${f}/`)) ||
      path.split('/').some(isQuarantineName)
    );
  }

  #report(report: WatchReport): void {
    if (!this.#closed) this.#options.onReport(report);
  }
}

/** The rows of `rows` other than `row` with its content (by its full hash), when it has one. */
function copiesIn(rows: readonly CatalogFile[], row: CatalogFile): CatalogFile[] {
  const hashes = row.hashes;
  if (hashes?.full === undefined) return [];
  return rows.filter(
    (other) =>
      other.id !== row.id &&
      other.size === row.size &&
      other.hashes?.algorithm === hashes.algorithm &&
      other.hashes.full === hashes.full,
  );
}

/** The very file the row knows, with the same size and mtime (a rename changes its ctime only). */
function sameContent(now: BigIntStats, row: CatalogFile): boolean {
  return (
    now.isFile() &&
    now.dev === row.dev &&
    now.ino === row.ino &&
    Number(now.size) === row.size &&
    now.mtimeNs === row.mtimeNs
  );
}

function bigStat(path: string): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
