import type { CatalogEntry, EntryStore, StoredContainer } from '../catalog/entries.js';
import { printableName } from '../core/printable.js';
import { NodupeError } from '../core/errors.js';
import type { HashAlgorithm } from '../model/hashes.js';
import { MANIFEST_SCHEMA, type Manifest } from './manifest.js';

/**
 * `nodupe scan --from-manifest FILE`: a manifest's files as read-only catalog entries of the container
 * `{ kind: 'manifest', label }`, for a disk that is not mounted now. No tree is read: the manifest says it all.
 * `dupes --manifests` then groups them with the loose files of the same content; plans never see them.
 */

/** Why entries were left out of an import, as stored in the container's `skipped`. */
export const SKIPPED_NOT_UTF8 = 'name not UTF-8';
export const SKIPPED_HARD_LINK = 'hard link of a listed file';

/** The longest label taken, in characters. */
const MAX_LABEL = 200;

/** Why `label` cannot name an imported manifest, or undefined when it can. */
export function labelProblem(label: string): string | undefined {
  if (label.length === 0) return 'is empty';
  if (label.length > MAX_LABEL) return `is longer than ${MAX_LABEL} characters`;
  // Shown as LABEL:/path: a slash or a control character would make that line ambiguous.
  if (label.includes('/')) return 'holds a "/"';
  if (printableName(label) !== label) return 'holds a control character';
  return undefined;
}

/** A manifest's entries as the catalog keeps them, and what was left out. */
export function manifestEntries(manifest: Manifest): {
  entries: CatalogEntry[];
  skipped: Record<string, number>;
} {
  const entries: CatalogEntry[] = [];
  const skipped: Record<string, number> = {};
  const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  const linked = new Set<number>();
  for (const e of manifest.entries) {
    // Entry names are text; a name that is not UTF-8 cannot be one without being changed.
    if (typeof e.path !== 'string') {
      skip(SKIPPED_NOT_UTF8);
      continue;
    }
    // Hard links are one file on that disk: its first path stands for it, as a scan shows one physical file.
    if (e.link !== undefined) {
      if (linked.has(e.link)) {
        skip(SKIPPED_HARD_LINK);
        continue;
      }
      linked.add(e.link);
    }
    entries.push({
      name: e.path,
      size: e.size,
      mtimeMs: Number(e.mtimeNs / 1_000_000n),
      // Only the whole content's hash is known: head and tail ranges were never read.
      hashes: { head: undefined, tail: undefined, full: e.hash },
    });
  }
  return { entries, skipped };
}

export interface ManifestImport {
  label: string;
  algorithm: HashAlgorithm;
  /** Files imported, and those left out by reason. */
  files: number;
  skipped: Record<string, number>;
  /** The import that this one replaced (same label), if any. */
  replaced: StoredContainer | undefined;
}

/**
 * Imports a (valid, see `readManifest`) manifest under `label`, replacing any import of that label in one
 * transaction. Without a label, the manifest's folder name is used, and an import already held under it is
 * replaced only when it came from a manifest written at the same moment (the same manifest imported again):
 * two disks' folders of one name must not silently replace each other; naming the label says "replace it".
 */
export function importManifest(
  store: EntryStore,
  manifest: Manifest,
  label: string | undefined,
): ManifestImport {
  const chosen = label ?? manifest.header.root;
  const problem = labelProblem(chosen);
  if (problem !== undefined) {
    throw new NodupeError(
      'BAD_INPUT',
      label === undefined
        ? `the manifest's folder name ${JSON.stringify(chosen)} ${problem}: it cannot be the import's label`
        : `--label ${JSON.stringify(chosen)} ${problem}`,
      { hint: 'name the import with --label NAME (for instance the disk it describes)' },
    );
  }
  const writtenAt = Date.parse(manifest.header.createdAt);
  const replaced = importedManifests(store).find((c) => c.key.kind === 'manifest' && c.key.label === chosen);
  if (label === undefined && replaced !== undefined && replaced.readAt !== writtenAt) {
    throw new NodupeError(
      'BAD_INPUT',
      `a manifest labelled ${JSON.stringify(chosen)} is already imported (${replaced.entries} files, written ` +
        `${new Date(replaced.readAt).toISOString()}), and this one was written ${manifest.header.createdAt}`,
      {
        hint: `pass --label ${JSON.stringify(chosen)} to replace it, or another --label to keep both`,
      },
    );
  }
  const { entries, skipped } = manifestEntries(manifest);
  store.replace(
    {
      key: { kind: 'manifest', label: chosen },
      identity: undefined,
      format: MANIFEST_SCHEMA,
      algorithm: manifest.header.algorithm,
      skipped,
      problem: undefined,
      // When the manifest was written: the moment its files were read.
      readAt: writtenAt,
    },
    entries,
  );
  return { label: chosen, algorithm: manifest.header.algorithm, files: entries.length, skipped, replaced };
}

/** The imported manifests, by import order. */
function importedManifests(store: EntryStore): StoredContainer[] {
  return store.containers('manifest');
}

/** Drops the import labelled `label`; BAD_INPUT naming the labels held when there is none by that label. */
export function forgetManifest(store: EntryStore, label: string): StoredContainer {
  const held = importedManifests(store);
  const found = held.find((c) => c.key.kind === 'manifest' && c.key.label === label);
  if (found === undefined) {
    throw new NodupeError('BAD_INPUT', `no manifest labelled ${JSON.stringify(label)} is imported`, {
      hint:
        held.length === 0
          ? 'none is: `nodupe scan --from-manifest FILE` imports one'
          : `imported: ${held.map((c) => labelOf(c)).join(', ')}`,
    });
  }
  store.remove([found.key]);
  return found;
}

/** The imports whose hashes are by another algorithm than `algorithm`: their files can join no group by it. */
export function manifestsHashedOtherwise(store: EntryStore, algorithm: HashAlgorithm): StoredContainer[] {
  return importedManifests(store).filter((c) => c.algorithm !== algorithm);
}

export function labelOf(container: StoredContainer): string {
  return container.key.kind === 'manifest' ? container.key.label : '';
}
