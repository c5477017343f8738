import { syncPath } from '../fs/durable.js';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { NodupeError } from '../core/errors.js';
import { nodeFileOps, type FileOps } from '../fs/file-ops.js';
import { checkAborted, fsErrorCode, removeIfPresent } from './io.js';
import { BLOB_FOLDER, blobsDir, manifestPath, manifestsDir, TEMP_PREFIX } from './layout.js';
import { withStoreLock } from './lock.js';
import { manifestIds, readManifest, readManifestText } from './manifest.js';
import { trustedStore } from './store-trust.js';

// The store's public face: the CLI and `apply --snapshot` import from here.
export { createSnapshot, type CreateSnapshotOptions, type CreateSnapshotResult } from './create.js';
export { restoreSnapshot, type RestoreSnapshotOptions, type RestoreSnapshotResult } from './restore.js';
export { defaultSnapshotDir } from './layout.js';
export type { SnapshotProblem } from './io.js';
export { SNAPSHOT_SCHEMA, type SnapshotEntry, type SnapshotManifest } from './manifest.js';

export interface SnapshotSummary {
  id: string;
  createdAt: string;
  /** How many files the snapshot holds. */
  files: number;
  totalBytes: number;
  note?: string;
}

/**
 * The snapshots in the store at `dir`, oldest first (ids sort by time); none when the store does not exist.
 * A malformed manifest is BAD_INPUT. Listing only reads, so any store may be listed, another user's too.
 */
export async function listSnapshots(
  dir: string,
  options: { ops?: FileOps } = {},
): Promise<SnapshotSummary[]> {
  const ops = options.ops ?? nodeFileOps;
  const summaries: SnapshotSummary[] = [];
  for (const id of manifestIds(ops, dir)) {
    await yieldToLoop(); // manifests can be large: the event loop still runs between two
    const m = readManifest(ops, dir, id);
    summaries.push({
      id,
      createdAt: m.createdAt,
      files: m.files.length,
      totalBytes: m.totalBytes,
      ...(m.note === undefined ? {} : { note: m.note }),
    });
  }
  return summaries;
}

export interface DeleteSnapshotResult {
  /** Blobs no other snapshot used, now removed. */
  removedBlobs: number;
  freedBytes: number;
}

/**
 * Removes snapshot `id`, then every blob that no remaining snapshot names (and temporary files a crash left).
 * An unknown id is BAD_INPUT; so is a malformed *other* manifest, since its blobs could not be told apart,
 * and then nothing is removed. The snapshot's own manifest may be malformed: that is a reason to delete it.
 * A store someone else could have written is BAD_INPUT too (`trustedStore`), and nothing is removed.
 */
export async function deleteSnapshot(
  dir: string,
  id: string,
  options: { signal?: AbortSignal; ops?: FileOps } = {},
): Promise<DeleteSnapshotResult> {
  const ops = options.ops ?? nodeFileOps;
  const store = trustedStore(ops, dir, { make: false });
  readManifestText(ops, store, id);
  return withStoreLock(store, async () => {
    const keep = new Set<string>();
    for (const other of manifestIds(ops, store)) {
      if (other === id) continue;
      for (const file of readManifest(ops, store, other).files) keep.add(file.sha256);
    }
    try {
      ops.unlink(manifestPath(store, id));
    } catch (error) {
      if (fsErrorCode(error) !== 'ENOENT') throw error;
      throw new NodupeError('BAD_INPUT', `no snapshot ${id} in ${store}`, { cause: error });
    }
    syncPath(ops, manifestsDir(store));
    removeTemporaryFiles(ops, manifestsDir(store));
    return collectBlobs(ops, store, keep, options.signal);
  });
}

/** Removes the blobs not in `keep`, and folders left empty. The caller holds the store's lock. */
async function collectBlobs(
  ops: FileOps,
  dir: string,
  keep: Set<string>,
  signal?: AbortSignal,
): Promise<DeleteSnapshotResult> {
  const result: DeleteSnapshotResult = { removedBlobs: 0, freedBytes: 0 };
  const root = blobsDir(dir);
  removeTemporaryFiles(ops, root);
  for (const folder of names(ops, root)) {
    if (!BLOB_FOLDER.test(folder)) continue;
    await yieldToLoop(); // the calls are synchronous: an abort is served between two folders
    const path = join(root, folder);
    for (const name of names(ops, path)) {
      checkAborted(signal);
      if (keep.has(name) || !/^[0-9a-f]{64}$/.test(name)) continue;
      const blob = join(path, name);
      result.freedBytes += Number(ops.lstat(blob).size);
      ops.unlink(blob);
      result.removedBlobs++;
    }
    try {
      ops.rmdir(path);
    } catch (error) {
      if (fsErrorCode(error) !== 'ENOTEMPTY') throw error;
    }
  }
  return result;
}

/** The names in a folder, as text: the store's own names are all ASCII. */
function names(ops: FileOps, folder: string): string[] {
  return ops.readdir(folder).map((entry) => entry.name.toString());
}

/** Nothing else writes in the store while its lock is held: temporary files found then are a crash's. */
function removeTemporaryFiles(ops: FileOps, folder: string): void {
  for (const name of names(ops, folder)) {
    if (name.startsWith(TEMP_PREFIX)) removeIfPresent(ops, join(folder, name));
  }
}
