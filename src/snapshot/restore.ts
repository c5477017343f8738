import { syncPath } from '../fs/durable.js';
import { nodeFileOps, type FileOps } from '../fs/file-ops.js';
import { joinName, parentOf, pathKey, type FsPath } from '../model/paths.js';
import {
  CHUNK_BYTES,
  checkAborted,
  fsErrorCode,
  makeFolders,
  NEW_FILE,
  problemFrom,
  pump,
  removeIfPresent,
  type SnapshotProblem,
} from './io.js';
import { blobPath, tempName } from './layout.js';
import { readManifest, type SnapshotEntry } from './manifest.js';

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
 * against the saved hash, so a damaged or missing blob leaves the target as it was. Throws BAD_INPUT for an
 * unknown id or a malformed manifest.
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
  const manifest = readManifest(ops, dir, id);
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const result: RestoreSnapshotResult = { restored: 0, unchanged: 0, problems: [] };
  const parents = new Map<string, FsPath>();
  for (const entry of manifest.files) {
    checkAborted(signal);
    try {
      const outcome = await restoreFile(ops, dir, entry, buffer, signal);
      if (typeof outcome !== 'string') {
        result.problems.push(outcome);
      } else {
        result[outcome]++;
        const parent = parentOf(entry.path);
        if (outcome === 'restored') parents.set(pathKey(parent), parent);
      }
    } catch (error) {
      result.problems.push(problemFrom(entry.path, error));
    }
  }
  // The renames are made durable once per folder.
  for (const parent of parents.values()) {
    try {
      syncPath(ops, parent);
    } catch (error) {
      result.problems.push(problemFrom(parent, error));
    }
  }
  return result;
}

async function restoreFile(
  ops: FileOps,
  dir: string,
  entry: SnapshotEntry,
  buffer: Buffer,
  signal?: AbortSignal,
): Promise<'restored' | 'unchanged' | SnapshotProblem> {
  const { path } = entry;
  const current = await currentContent(ops, path, entry.size, buffer, signal);
  if (current === 'folder') return { path, code: 'IS_DIRECTORY', message: 'a folder is in the way' };
  if (current?.sha256 === entry.sha256) return 'unchanged';
  let blob: number;
  try {
    blob = ops.openRead(blobPath(dir, entry.sha256));
  } catch (error) {
    if (fsErrorCode(error) !== 'ENOENT') throw error;
    return {
      path,
      code: 'MISSING_BLOB',
      message: `its content (blob ${entry.sha256}) is missing from the store`,
    };
  }
  const parent = parentOf(path);
  const temp = joinName(parent, Buffer.from(tempName()));
  let tempExists = false;
  try {
    makeFolders(ops, parent, 0o777);
    const out = ops.open(temp, NEW_FILE, 0o600);
    tempExists = true;
    try {
      const copied = await pump(ops, blob, out, buffer, signal);
      if (copied.sha256 !== entry.sha256 || copied.bytes !== entry.size) {
        return {
          path,
          code: 'CORRUPT_BLOB',
          message: `blob ${entry.sha256} is damaged; the file was left as it is`,
        };
      }
      ops.fchmod(out, entry.mode);
      ops.futimes(out, entry.mtimeNs, entry.mtimeNs);
      ops.fsync(out);
    } finally {
      ops.close(out);
    }
    ops.rename(temp, path);
    tempExists = false;
    return 'restored';
  } finally {
    ops.close(blob);
    if (tempExists) removeIfPresent(ops, temp);
  }
}

/**
 * The SHA-256 of the regular file at `path` when it has the expected size (no point reading it otherwise),
 * 'folder' for a folder, undefined for anything a restore simply replaces (nothing, a link, another size).
 */
async function currentContent(
  ops: FileOps,
  path: FsPath,
  size: number,
  buffer: Buffer,
  signal?: AbortSignal,
): Promise<{ sha256: string } | 'folder' | undefined> {
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
    if (st.isDirectory()) return 'folder';
    if (!st.isFile() || st.size !== BigInt(size)) return undefined;
    return { sha256: (await pump(ops, fd, undefined, buffer, signal)).sha256 };
  } finally {
    ops.close(fd);
  }
}
