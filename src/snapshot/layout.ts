import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { dataDir } from '../core/xdg.js';
import type { FileOps } from '../fs/file-ops.js';
import { makeFolders } from './io.js';

/** `$XDG_DATA_HOME/nodupe/snapshots`: beside the default catalog. */
export function defaultSnapshotDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataDir(env), 'snapshots');
}

export const blobsDir = (dir: string): string => join(dir, 'blobs');
export const manifestsDir = (dir: string): string => join(dir, 'manifests');

/** The names of the folders in `blobs/`: the first two hex digits of the blobs each holds. */
export const BLOB_FOLDER = /^[0-9a-f]{2}$/;

/** `blobs/<first 2 hex>/<sha256 hex>`: two levels keep any one folder small. */
export function blobPath(dir: string, sha256: string): string {
  return join(dir, 'blobs', sha256.slice(0, 2), sha256);
}

export function manifestPath(dir: string, id: string): string {
  return join(dir, 'manifests', `${id}.json`);
}

/** Temporary files start with this; whatever holds the store's lock may remove stale ones. */
export const TEMP_PREFIX = '.tmp-';

export function tempName(): string {
  return `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`;
}

/**
 * Makes the store, `manifests/` and `blobs/` (and any missing folder above the store) private to the user
 * (0700): snapshots hold copies of their files. The caller has checked that the store is one no one else could
 * have written (`storeTrust`).
 */
export function ensureStore(ops: FileOps, dir: string, uid: number = process.geteuid?.() ?? 0): void {
  for (const folder of [dir, manifestsDir(dir), blobsDir(dir)]) makePrivateFolder(ops, folder, uid);
}

/**
 * A folder of the store, made where missing (0700, less the umask) and, when it is the user's, closed to group
 * and others if it was not: a store made by hand, or by an older nodupe, becomes private too.
 */
export function makePrivateFolder(
  ops: FileOps,
  folder: string,
  uid: number = process.geteuid?.() ?? 0,
): void {
  makeFolders(ops, folder, 0o700);
  const st = ops.lstat(folder);
  const mode = Number(st.mode) & 0o7777;
  // Never through a link (someone may have put one at the name): chmod would change what it leads to.
  if (st.isDirectory() && (mode & 0o077) !== 0 && Number(st.uid) === uid) ops.chmod(folder, mode & 0o700);
}
