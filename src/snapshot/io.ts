import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { abortErrorFrom } from '../core/errors.js';
import type { FileOps } from '../fs/file-ops.js';
import { parentOf, type FsPath } from '../model/paths.js';

/** A file that could not be saved or restored: a value in the result, never an exception. */
export interface SnapshotProblem {
  path: FsPath;
  /**
   * An errno code (`ENOENT`, ...) or `SYMLINK`, `NOT_REGULAR`, `CHANGED`, `IS_DIRECTORY`, `*_BLOB`; for restore,
   * `NOT_DIRECTORY` (something else than a folder on the path) and `NOT_PLAIN` (`.` or `..` in it) too.
   */
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

/** A file made here and nowhere else: `open` fails (EEXIST) when anything, even a link, has the name. */
export const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

/**
 * Reads `from` to its end once, hashing every chunk with SHA-256 and, when `to` is given, writing the same
 * bytes there: what is hashed is exactly what is written, whatever happens to the source meanwhile. The calls
 * are synchronous; between two chunks the event loop serves an abort.
 */
export async function pump(
  ops: FileOps,
  from: number,
  to: number | undefined,
  buffer: Buffer,
  signal: AbortSignal | undefined,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (;;) {
    checkAborted(signal);
    const read = ops.read(from, buffer, buffer.length, bytes);
    if (read === 0) break;
    hash.update(buffer.subarray(0, read));
    if (to !== undefined) writeAll(ops, to, buffer.subarray(0, read), bytes);
    bytes += read;
    await yieldToLoop();
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Writes all of `bytes` at `position`, however many calls that takes. */
export function writeAll(ops: FileOps, fd: number, bytes: Buffer, position: number): void {
  for (let done = 0; done < bytes.length;) {
    done += ops.write(fd, done === 0 ? bytes : bytes.subarray(done), bytes.length - done, position + done);
  }
}

/** Removes a file, if there is one: a temporary file that may or may not have been made. */
export function removeIfPresent(ops: FileOps, path: FsPath): void {
  try {
    ops.unlink(path);
  } catch (error) {
    if (fsErrorCode(error) !== 'ENOENT') throw error;
  }
}

/**
 * Creates a folder and any of its parents that are missing, with `mode` (less the umask), as `mkdir -p`: a
 * folder already there is fine, anything else there is EEXIST.
 */
export function makeFolders(ops: FileOps, path: FsPath, mode: number): void {
  try {
    ops.mkdir(path, mode);
  } catch (error) {
    const code = fsErrorCode(error);
    if (code === 'EEXIST' && ops.stat(path).isDirectory()) return;
    if (code !== 'ENOENT') throw error;
    makeFolders(ops, parentOf(path), mode);
    ops.mkdir(path, mode);
  }
}
