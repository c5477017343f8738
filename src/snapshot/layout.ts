import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { dataDir } from '../core/xdg.js';
import type { FileOps } from '../fs/file-ops.js';

/** `$XDG_DATA_HOME/nodupe/snapshots`: beside the default catalog. */
export function defaultSnapshotDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataDir(env), 'snapshots');
}

export const blobsDir = (dir: string): string => join(dir, 'blobs');
export const manifestsDir = (dir: string): string => join(dir, 'manifests');

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

/** Creates the store's folders where missing, private to the user (snapshots hold copies of their files). */
export function ensureStore(ops: FileOps, dir: string): void {
  ops.mkdirp(blobsDir(dir));
  ops.mkdirp(manifestsDir(dir));
}
