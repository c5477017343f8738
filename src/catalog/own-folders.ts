import { realpathSync } from 'node:fs';
import type { CatalogStore } from './store.js';

/**
 * The `--quarantine` folders this catalog's runs (this machine's) put files in: what they hold is nodupe's, set
 * aside, never a user's file that a scan, a watch or a plan should see again. By their real paths, as scans and
 * watches meet them; a folder that is gone is left out.
 */
export function quarantineFolders(catalog: CatalogStore): string[] {
  const folders = new Set<string>();
  for (const run of catalog.journal().runs()) {
    if (run.quarantineDir === undefined) continue;
    try {
      folders.add(realpathSync(run.quarantineDir));
    } catch {
      // Gone, or not reachable: nothing of it can be met.
    }
  }
  return [...folders];
}

/** Folders never scanned or watched: nodupe's data folder (the catalog, the default quarantine, snapshots) and the runs' quarantine folders. */
export function ownFolders(catalog: CatalogStore, dataDir: string): string[] {
  return [dataDir, ...quarantineFolders(catalog)];
}
