import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { MAX_READ_GRANT } from '../core/byte-rate.js';
import { abortErrorFrom } from '../core/errors.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { describeErrno, errnoOf } from '../fs/file-ops.js';
import { describeChange, identityChange, type FileIdentity } from '../model/identity.js';
import type { FsPath } from '../model/paths.js';

/** A catalog file to preview: what the Service's `fileForPreview(id)` gives. */
export interface PreviewFile {
  path: FsPath;
  size: number;
  /**
   * The full-content hash the catalog holds for it: the thumbnail cache's key, once the bytes read are seen to
   * have it (none: nothing is cached).
   */
  hash: string | undefined;
  /** The algorithm of `hash`, as the catalog records it with the hash. */
  hashAlgorithm: string | undefined;
  /** Device, inode, size and times at the scan: the file on disk must still be this one to be shown. */
  identity: FileIdentity | undefined;
}

/** The file opened, checked to be the catalog's, and what fstat saw. The caller closes `handle`. */
export type PreviewOpening =
  { ok: true; handle: FileHandle; st: BigIntStats } | { ok: false; reason: string };

/**
 * Opens a catalog file to preview it, the way nodupe opens every file it reads for a decision: lstat first, so
 * nothing but a regular file is opened (opening a FIFO or a device can block or have effects), then open without
 * following a final symlink and without blocking, then fstat the open file: it must be a regular file, of the
 * catalog's size, with the catalog's identity when one is given. A file replaced or changed since the scan is
 * not the group's member any more, and its preview would show something else as one.
 */
export async function openForPreview(file: PreviewFile): Promise<PreviewOpening> {
  let handle: FileHandle;
  try {
    const seen = await lstat(file.path);
    if (seen.isSymbolicLink()) return { ok: false, reason: 'the path is a symbolic link now' };
    if (!seen.isFile()) return { ok: false, reason: 'the path is no longer a regular file' };
    handle = await open(file.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT') return { ok: false, reason: 'the file vanished' };
    if (code === 'ELOOP') return { ok: false, reason: 'the path is a symbolic link now' };
    return { ok: false, reason: `the file cannot be opened: ${describeErrno(error)}` };
  }
  try {
    const st = await handle.stat({ bigint: true });
    if (!st.isFile()) return await closing(handle, 'the path is no longer a regular file');
    const change = file.identity === undefined ? undefined : identityChange(st, file.identity);
    if (change !== undefined) {
      return await closing(handle, `the file ${describeChange(change, file.identity!, st)} since the scan`);
    }
    if (Number(st.size) !== file.size) {
      return await closing(handle, `the file changed size since the scan (${file.size} → ${st.size} bytes)`);
    }
    return { ok: true, handle, st };
  } catch (error) {
    return closing(handle, `the file cannot be read: ${describeErrno(error)}`);
  }
}

async function closing(handle: FileHandle, reason: string): Promise<{ ok: false; reason: string }> {
  await handle.close().catch(() => undefined);
  return { ok: false, reason };
}

/**
 * Reads `length` bytes from `position` of an open file, in chunks, each granted by the read budget first (so a
 * preview never reads faster than `--max-read-rate`). Returns fewer bytes when the file ends early. An abort
 * is thrown.
 */
export async function readThrough(
  handle: FileHandle,
  position: number,
  length: number,
  limiter: RateLimiter | undefined,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  const chunk = Math.min(MAX_READ_GRANT, limiter?.burst ?? MAX_READ_GRANT);
  let filled = 0;
  while (filled < length) {
    if (signal?.aborted) throw abortErrorFrom(signal);
    const want = Math.min(chunk, length - filled);
    if (limiter) await limiter.acquire(want, signal ? { signal } : {});
    const { bytesRead } = await handle.read(buffer, filled, want, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
