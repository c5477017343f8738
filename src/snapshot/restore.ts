import { lstatIfPresent, nodeFileOps, type FileOps } from '../fs/file-ops.js';
import type { FsPath } from '../model/paths.js';
import { DestinationFolders } from './destination.js';
import {
  CHUNK_BYTES,
  checkAborted,
  fsErrorCode,
  NEW_FILE,
  problemFrom,
  pump,
  removeIfPresent,
  type SnapshotProblem,
} from './io.js';
import { blobPath, tempName } from './layout.js';
import { readManifest, type SnapshotEntry } from './manifest.js';
import { trustedStore } from './store-trust.js';

export interface RestoreSnapshotOptions {
  signal?: AbortSignal;
  /** The file system calls; tests inject failures here. */
  ops?: FileOps;
}

export interface RestoreSnapshotResult {
  /** Files written back. */
  restored: number;
  /** Files already there with the saved content: left alone. */
  unchanged: number;
  /** Files that could not be restored, and why; the others were restored all the same. */
  problems: SnapshotProblem[];
}

/**
 * Puts every file of snapshot `id` back where it was, with its content, permission bits and mtime (to about a
 * microsecond: Node's utimes takes seconds as a double). A file that already holds the saved content is left
 * alone. Each file is written beside its target and renamed over it only once its content has been checked
 * against the saved hash, so a damaged or missing blob leaves the target as it was. Files are written as the
 * user running restore, into folders reached without following a link (see `DestinationFolders`), and without
 * the setuid and setgid bits: the snapshot does not record owners, and a restored file belongs to whoever
 * restores it (chown drops those bits too). Throws BAD_INPUT for an unknown id, a malformed manifest, or a
 * store someone else could have written (`storeTrust`), changing nothing.
 *
 * @example
 * const { restored, problems } = await restoreSnapshot(defaultSnapshotDir(), '20260101-000000-a1b2c3');
 */
export async function restoreSnapshot(
  dir: string,
  id: string,
  options: RestoreSnapshotOptions = {},
): Promise<RestoreSnapshotResult> {
  const { signal } = options;
  const ops = options.ops ?? nodeFileOps;
  const store = trustedStore(ops, dir, { make: false });
  const manifest = readManifest(ops, store, id);
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const result: RestoreSnapshotResult = { restored: 0, unchanged: 0, problems: [] };
  // The renames are made durable once per folder, as each folder is let go.
  const folders = new DestinationFolders(ops);
  try {
    for (const entry of manifest.files) {
      checkAborted(signal);
      try {
        const outcome = await restoreFile(ops, store, entry, folders, buffer, signal);
        if (typeof outcome === 'string') result[outcome]++;
        else result.problems.push(outcome);
      } catch (error) {
        result.problems.push(problemFrom(entry.path, error));
      }
    }
  } finally {
    folders.close();
  }
  result.problems.push(...folders.problems);
  return result;
}

/** Permission bits a restore sets: all but setuid and setgid. */
const RESTORED_MODE = 0o1777;

async function restoreFile(
  ops: FileOps,
  store: string,
  entry: SnapshotEntry,
  folders: DestinationFolders,
  buffer: Buffer,
  signal?: AbortSignal,
): Promise<'restored' | 'unchanged' | SnapshotProblem> {
  const { path } = entry;
  // Nothing is made before the blob is known to be there: a missing blob leaves the disk as it was.
  const there = folders.folderOf(path, false);
  if (typeof there !== 'string' && 'code' in there) return there;
  const current =
    there === 'missing'
      ? undefined
      : await currentContent(ops, there.folder.reach(there.name), entry.size, buffer, signal);
  if (current === 'folder') return { path, code: 'IS_DIRECTORY', message: 'a folder is in the way' };
  if (current?.sha256 === entry.sha256) return 'unchanged';
  let blob: number;
  try {
    blob = ops.openRead(blobPath(store, entry.sha256));
  } catch (error) {
    if (fsErrorCode(error) !== 'ENOENT') throw error;
    return {
      path,
      code: 'MISSING_BLOB',
      message: `its content (blob ${entry.sha256}) is missing from the store`,
    };
  }
  let temp: FsPath | undefined;
  try {
    const place = there === 'missing' ? folders.folderOf(path, true) : there;
    if ('code' in place) return place;
    const { folder, name } = place;
    const made = folder.reach(Buffer.from(tempName()));
    const out = ops.open(made, NEW_FILE, 0o600);
    temp = made;
    try {
      const copied = await pump(ops, blob, out, buffer, signal);
      if (copied.sha256 !== entry.sha256 || copied.bytes !== entry.size) {
        return {
          path,
          code: 'CORRUPT_BLOB',
          message: `blob ${entry.sha256} is damaged; the file was left as it is`,
        };
      }
      ops.fchmod(out, entry.mode & RESTORED_MODE);
      ops.futimes(out, entry.mtimeNs, entry.mtimeNs);
      ops.fsync(out);
    } finally {
      ops.close(out);
    }
    ops.rename(made, folder.reach(name));
    temp = undefined;
    folder.changed = true;
    return 'restored';
  } finally {
    ops.close(blob);
    if (temp !== undefined) removeIfPresent(ops, temp);
  }
}

/**
 * The SHA-256 of the regular file at `path` (reached through its held folder) when it has the expected size (no
 * point reading it otherwise), 'folder' for a folder, undefined for anything a restore simply replaces (nothing,
 * a link, another size). Only a regular file is opened: never a device or FIFO put at the name.
 */
async function currentContent(
  ops: FileOps,
  path: FsPath,
  size: number,
  buffer: Buffer,
  signal?: AbortSignal,
): Promise<{ sha256: string } | 'folder' | undefined> {
  const seen = lstatIfPresent(ops, path);
  if (seen?.isDirectory()) return 'folder';
  if (!seen?.isFile() || seen.size !== BigInt(size)) return undefined;
  let fd: number;
  try {
    fd = ops.openRead(path);
  } catch (error) {
    const code = fsErrorCode(error);
    if (code === 'ENOENT' || code === 'ELOOP') return undefined;
    throw error;
  }
  try {
    const st = ops.fstat(fd);
    // Replaced since the look: whatever it is now, the restore replaces it.
    if (st.dev !== seen.dev || st.ino !== seen.ino || st.size !== seen.size) return undefined;
    return { sha256: (await pump(ops, fd, undefined, buffer, signal)).sha256 };
  } finally {
    ops.close(fd);
  }
}
