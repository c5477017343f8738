import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { abortErrorFrom } from '../core/errors.js';
import type { FsPath } from '../scan/paths.js';

/** A file that could not be saved or restored: a value in the result, never an exception. */
export interface SnapshotProblem {
  path: FsPath;
  /** An errno code (`ENOENT`, ...) or `SYMLINK`, `NOT_REGULAR`, `CHANGED`, `IS_DIRECTORY`, `*_BLOB`. */
  code: string;
  message: string;
}

/** The errno code of a failed system call; undefined for anything else (a bug, an abort: those propagate). */
export function fsErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('syscall' in error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : undefined;
}

/** The problem for an expected file system failure; rethrows anything else. */
export function problemFrom(path: FsPath, error: unknown): SnapshotProblem {
  const code = fsErrorCode(error);
  if (code === undefined) throw error;
  return { path, code, message: describeFsError((error as Error).message) };
}

/** "ENOENT: no such file or directory, open '/x'" → "no such file or directory (open)" (path aside). */
export function describeFsError(message: string): string {
  const match = /^[A-Z0-9]+: (.*?), (\w+)(?: '.*')?$/s.exec(message);
  return match ? `${match[1]} (${match[2]})` : message;
}

/** Throws the project's AbortError (exit 130 in the CLI) rather than the signal's bare reason. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortErrorFrom(signal);
}

export const CHUNK_BYTES = 1 << 20;

/**
 * Reads `from` to its end once, hashing every chunk with SHA-256 and, when `to` is given, writing the same
 * bytes there: what is hashed is exactly what is written, whatever happens to the source meanwhile.
 */
export async function pump(
  from: FileHandle,
  to: FileHandle | undefined,
  buffer: Buffer,
  signal: AbortSignal | undefined,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (;;) {
    checkAborted(signal);
    const { bytesRead } = await from.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    for (let done = 0; to && done < bytesRead;) {
      done += (await to.write(buffer, done, bytesRead - done)).bytesWritten;
    }
    bytes += bytesRead;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** fsyncs a folder, so that names just created or renamed in it survive a crash. */
export async function syncDir(path: FsPath): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
