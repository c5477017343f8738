import { mkdirSync } from 'node:fs';
import { SqliteCatalog } from '../../src/catalog/sqlite/sqlite-store.js';
import type { CatalogStore } from '../../src/catalog/store.js';
import { FakeClock } from '../../src/core/fake-clock.js';
import { displayPath } from '../../src/model/paths.js';
import { scan } from '../../src/scan/scan.js';
import { watchCatalog, type CatalogWatchOptions } from '../../src/watch/catalog-watch.js';
import type { TreeWatchEvent } from '../../src/watch/events.js';
import type { WatchReport } from '../../src/watch/reports.js';
import { scratch } from './tree.js';

export const SETTLE = 1_000;

/**
 * A watched tree for one test: a scratch folder (`dir`, the root), a catalog beside it (not under the root), a fake
 * clock, and what the watch reported. Waiting is on real events (never on time); the 10 s guard only turns a
 * hang into a failure.
 */
export async function watchedTree(
  files: Record<string, string> = {},
  options: Partial<CatalogWatchOptions> = {},
  prepare?: (root: string) => void,
) {
  const dir = scratch();
  const root = dir.path('root');
  mkdirSync(root);
  for (const [name, content] of Object.entries(files)) dir.write(`root/${name}`, content);
  prepare?.(root);
  const catalog = SqliteCatalog.open(dir.path('catalog.db'));
  const clock = new FakeClock();
  const reports: WatchReport[] = [];
  const treeEvents: TreeWatchEvent[] = [];
  const waiters = new Set<() => boolean>();
  const poke = () => {
    for (const done of waiters) if (done()) waiters.delete(done);
  };
  const watch = watchCatalog({
    roots: [root],
    catalog,
    clock,
    settleMs: SETTLE,
    scan: { skipFiles: [dir.path('catalog.db')], threads: 1 },
    onReport: (report) => {
      reports.push(report);
      poke();
    },
    onTreeEvent: (event) => {
      treeEvents.push(event);
      poke();
    },
    ...options,
  });
  const until = (test: () => boolean, what: string): Promise<void> => {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => {
        waiters.delete(done);
        reject(new Error(`no ${what} after 10 s; reports: ${JSON.stringify(reports.slice(-5))}`));
      }, 10_000);
      const done = () => {
        if (!test()) return false;
        clearTimeout(guard);
        resolve();
        return true;
      };
      waiters.add(done);
    });
  };
  let barriers = 0;
  /** Every fs event before this call has reached the watcher (inotify keeps one order; a new folder's comes last). */
  const barrier = async () => {
    const path = dir.path(`root/.barrier-${barriers++}`);
    mkdirSync(path);
    await until(() => treeEvents.some((e) => e.type === 'folder-added' && e.path === path), 'barrier');
  };
  /** Lets every file seen so far settle, and waits until the watch has put them in the catalog. */
  const settleAll = async () => {
    await barrier();
    clock.advance(SETTLE);
    await new Promise((resolve) => setImmediate(resolve));
    await watch.idle();
  };
  const close = async () => {
    await watch.close();
    catalog.close();
    dir.remove();
  };
  await watch.ready;
  return {
    dir,
    root,
    path: (name: string) => dir.path(`root/${name}`),
    write: (name: string, content: string) => dir.write(`root/${name}`, content),
    catalog,
    clock,
    watch,
    reports,
    treeEvents,
    until,
    barrier,
    settleAll,
    close,
    of: <T extends WatchReport['type']>(type: T) =>
      reports.filter((r): r is Extract<WatchReport, { type: T }> => r.type === type),
  };
}

/** The catalog's live paths under `root`, sorted, barrier folders left out. */
export function livePaths(catalog: CatalogStore, root: string): string[] {
  return catalog
    .liveFiles()
    .map((f) => displayPath(f.path))
    .filter((p) => p.startsWith(`${root}/`))
    .sort();
}

/** The catalog's duplicate groups as sorted lists of paths (hard links and empty files aside). */
export function groupsOf(catalog: CatalogStore): string[][] {
  const groups = new Map<string, string[]>();
  for (const f of catalog.sharedHashFiles('xxh3', false)) {
    const key = `${f.size}:${f.hashes?.full}`;
    groups.set(key, [...(groups.get(key) ?? []), displayPath(f.path)]);
  }
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** What a fresh full scan of `root` into a new catalog finds: its live paths and its groups. */
export async function freshScan(root: string) {
  const catalog = SqliteCatalog.open(':memory:');
  try {
    await scan({ roots: [root], catalog, threads: 1 });
    return { paths: livePaths(catalog, root), groups: groupsOf(catalog) };
  } finally {
    catalog.close();
  }
}
