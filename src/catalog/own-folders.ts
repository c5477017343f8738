import { realpathSync } from 'node:fs';
import type { CatalogStore } from './store.js';

/**
 * The `--quarantine` folders the catalog's runs put files in (every run's, trusted or not, any machine's): what
 * they hold is nodupe's, set aside, never a user's file that a scan, a watch or a plan should see again. By their
 * real paths, as scans and watches meet them; a folder that is not here is left out.
 */
export function quarantineFolders(catalog: CatalogStore): string[] {
  const folders = new Set<string>();
  for (const folder of catalog.journal().quarantineFolders()) {
    if (!folder.startsWith('/')) continue;
    try {
      folders.add(realpathSync(folder));
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
