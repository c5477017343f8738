import { syncPath } from '../fs/durable.js';
import { constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import { NodupeError } from '../core/errors.js';
import { nodeFileOps, type FileOps } from '../fs/file-ops.js';
import { comparePaths, displayPath, pathKey, toBytes, type FsPath } from '../model/paths.js';
import { pathAt, walk } from '../scan/walk.js';
import {
  CHUNK_BYTES,
  checkAborted,
  describeFsError,
  fsErrorCode,
  NEW_FILE,
  problemFrom,
  pump,
  removeIfPresent,
  type SnapshotProblem,
} from './io.js';
import { blobPath, blobsDir, makePrivateFolder, manifestPath, tempName } from './layout.js';
import { withStoreLock } from './lock.js';
import { newSnapshotId, writeManifest, type SnapshotEntry } from './manifest.js';
import { trustedStore } from './store-trust.js';

export interface CreateSnapshotOptions {
  /** Dates the snapshot (`wallNow()`). */
  clock: Clock;
  signal?: AbortSignal;
  /** Free text kept with the snapshot, such as why it was taken. */
  note?: string;
  /** The file system calls: the store's, and the walk's of the folders taken; tests inject failures here. */
  ops?: FileOps;
}

export interface CreateSnapshotResult {
  id: string;
  /** Files saved. */
  files: number;
  /** Their total size. */
  bytes: number;
  /** Bytes of content the store did not hold before (the rest was deduplicated). */
  newBlobBytes: number;
  /** Links met inside folders: skipped, never followed. */
  symlinks: number;
  /** Sockets, fifos and devices met inside folders: skipped. */
  special: number;
  /** Files that were not saved, and why. */
  problems: SnapshotProblem[];
}

/**
 * Saves copies of regular files into the snapshot store at `dir` (created on demand) and records them in a
 * new manifest. Folders are taken recursively; links inside them are skipped and counted. A link, special
 * file or missing path named explicitly, or a file that changes while it is copied, is a problem in the
 * result. Paths must be absolute (BAD_INPUT otherwise); a live process holding the store is BAD_INPUT too, and so
 * is a store someone else could have written (`trustedStore`: restore would put back what they stored), which
 * is then left as it was.
 *
 * @example
 * const dir = defaultSnapshotDir();
 * const { id, problems } = await createSnapshot(dir, ['/home/me/photos'], { clock: systemClock });
 */
export async function createSnapshot(
  dir: string,
  paths: readonly FsPath[],
  options: CreateSnapshotOptions,
): Promise<CreateSnapshotResult> {
  for (const path of paths) {
    if (toBytes(path)[0] !== 0x2f) {
      throw new NodupeError(
        'BAD_INPUT',
        `createSnapshot: expected absolute paths, received "${displayPath(path)}"`,
      );
    }
  }
  const { clock, signal, note } = options;
  const ops = options.ops ?? nodeFileOps;
  const store = trustedStore(ops, dir, { make: true });
  return withStoreLock(store, async () => {
    const found = await collectFiles(ops, storePrefixes(dir, store), paths, signal);
    const problems = found.problems;
    const entries: SnapshotEntry[] = [];
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const touched = new Set<string>();
    let newBlobBytes = 0;
    for (const path of found.files) {
      checkAborted(signal);
      try {
        const saved = await saveFile(ops, store, path, buffer, signal);
        if ('code' in saved) {
          problems.push(saved);
          continue;
        }
        entries.push(saved.entry);
        newBlobBytes += saved.newBytes;
        if (saved.newBytes > 0) touched.add(dirname(blobPath(store, saved.entry.sha256)));
      } catch (error) {
        problems.push(problemFrom(path, error));
      }
    }
    // The blobs are made durable before the manifest that names them is written.
    for (const folder of touched) syncPath(ops, folder);
    if (touched.size > 0) syncPath(ops, blobsDir(store));
    const bytes = entries.reduce((sum, e) => sum + e.size, 0);
    const now = clock.wallNow(); // read once: the id and the date agree
    const id = freshId(ops, store, now);
    writeManifest(ops, store, {
      id,
      createdAt: new Date(now).toISOString(),
      ...(note === undefined ? {} : { note }),
      files: entries,
      totalBytes: bytes,
    });
    return {
      id,
      files: entries.length,
      bytes,
      newBlobBytes,
      symlinks: found.symlinks,
      special: found.special,
      problems,
    };
  });
}

interface Found {
  files: FsPath[];
  symlinks: number;
  special: number;
  problems: SnapshotProblem[];
}

/** The regular files the paths name, each once, in path order; never the store's own files (under `store`). */
async function collectFiles(
  ops: FileOps,
  store: readonly Buffer[],
  paths: readonly FsPath[],
  signal?: AbortSignal,
): Promise<Found> {
  const files: FsPath[] = [];
  const folders: FsPath[] = [];
  const problems: SnapshotProblem[] = [];
  for (const path of paths) {
    try {
      const st = ops.lstat(path);
      if (st.isFile()) files.push(path);
      else if (st.isDirectory()) folders.push(path);
      else problems.push(st.isSymbolicLink() ? symlinkProblem(path) : notRegular(path));
    } catch (error) {
      problems.push(problemFrom(path, error));
    }
  }
  // walk() only stats, reads and joins its roots, all of which take bytes; its type says string because the
  // command line's roots are strings.
  const walked = await walk({
    roots: folders as string[],
    filters: {},
    ...(signal ? { signal } : {}),
    ops,
    onFiles: (found) => {
      for (let i = 0; i < found.count; i++) {
        const path = pathAt(found, i);
        const bytes = toBytes(path);
        if (!store.some((prefix) => bytes.subarray(0, prefix.length).equals(prefix))) files.push(path);
      }
    },
  });
  for (const p of walked.problems)
    problems.push({ path: p.path, code: p.code, message: describeFsError(p.message) });
  const seen = new Set<string>();
  const unique = files.filter((path) => {
    const key = pathKey(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    files: unique.sort(comparePaths),
    symlinks: walked.symlinks.length,
    special: walked.special,
    problems,
  };
}

/**
 * Snapshotting a folder that holds the store would copy the store into itself: the store as named, and its real
 * path (`trustedStore`'s).
 */
function storePrefixes(dir: string, real: string): Buffer[] {
  return [resolve(dir), real].map((p) => Buffer.concat([toBytes(p), Buffer.from('/')]));
}

const symlinkProblem = (path: FsPath): SnapshotProblem => ({
  path,
  code: 'SYMLINK',
  message: 'a symbolic link (not followed)',
});

const notRegular = (path: FsPath): SnapshotProblem => ({
  path,
  code: 'NOT_REGULAR',
  message: 'not a regular file',
});

type Saved = { entry: SnapshotEntry; newBytes: number } | SnapshotProblem;

/**
 * Streams one file through SHA-256 into a temporary blob, then names the blob by the hash of the bytes it
 * holds. A blob already stored under that name is kept and the copy dropped.
 */
async function saveFile(
  ops: FileOps,
  dir: string,
  path: FsPath,
  buffer: Buffer,
  signal?: AbortSignal,
): Promise<Saved> {
  let source: number;
  try {
    source = ops.openRead(path);
  } catch (error) {
    if (fsErrorCode(error) === 'ELOOP') return symlinkProblem(path); // became a link after the walk saw it
    throw error;
  }
  const temp = join(blobsDir(dir), tempName());
  let tempExists = false;
  try {
    const before = ops.fstat(source);
    if (!before.isFile()) return notRegular(path);
    const out = ops.open(temp, NEW_FILE, 0o600);
    tempExists = true;
    let copied: { bytes: number; sha256: string };
    try {
      copied = await pump(ops, source, out, buffer, signal);
      ops.fsync(out);
    } finally {
      ops.close(out);
    }
    const after = ops.fstat(source);
    if (
      copied.bytes !== Number(before.size) ||
      after.size !== before.size ||
      after.mtimeNs !== before.mtimeNs
    ) {
      return { path, code: 'CHANGED', message: 'changed while it was copied; not saved' };
    }
    const target = blobPath(dir, copied.sha256);
    makePrivateFolder(ops, dirname(target));
    // The fresh copy, just hashed, always takes the blob's name: a stored blob could have been damaged since
    // it was written, and a snapshot taken before a delete must not point at bytes nobody checked.
    const stored = storedBlob(ops, target);
    ops.rename(temp, target);
    tempExists = false;
    const newBytes = stored ? 0 : copied.bytes;
    const entry = {
      path,
      size: copied.bytes,
      mtimeNs: before.mtimeNs,
      mode: Number(before.mode & 0o7777n),
      sha256: copied.sha256,
    };
    return { entry, newBytes };
  } finally {
    ops.close(source);
    if (tempExists) removeIfPresent(ops, temp);
  }
}

/** Whether a blob is stored under that name already. */
function storedBlob(ops: FileOps, target: string): boolean {
  try {
    ops.stat(target);
    return true;
  } catch (error) {
    if (fsErrorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** A new id; one already taken (same second, same random part) is drawn again. The store is locked. */
function freshId(ops: FileOps, dir: string, wallMs: number): string {
  for (;;) {
    const id = newSnapshotId(wallMs);
    try {
      ops.access(manifestPath(dir, id), constants.F_OK);
    } catch (error) {
      if (fsErrorCode(error) === 'ENOENT') return id;
      throw error;
    }
  }
}
