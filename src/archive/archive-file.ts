import { constants, type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { FsPath } from '../model/paths.js';
import type { ArchiveProblemCode } from './listing.js';

/** Bytes one read of compressed content takes (and so asks the rate limiter for). */
export const READ_CHUNK = 256 * 1024;

/** What the walk saw of the archive: a file that no longer matches is not read. */
export interface ArchiveExpect {
  size: number;
  mtimeNs: bigint;
  /** The device and inode, when the walk gives them: another file put at the path is never read as this one. */
  dev?: bigint | undefined;
  ino?: bigint | undefined;
}

export interface ReadHooks {
  /** Waits for the rate limiter's grant of `bytes` before each read. */
  budget?: ((bytes: number) => Promise<void>) | undefined;
  /** Told of each read's length (progress). */
  onRead?: ((bytes: number) => void) | undefined;
}

export type OpenProblem = { code: ArchiveProblemCode; message: string };

/**
 * One archive, opened once (without following a final link unless asked, and without blocking on a fifo), whose
 * every read of its stored bytes is throttled and counted: the compressed bytes are what the disk delivers.
 */
export class ArchiveFile {
  /** Stored bytes read so far. */
  bytesRead = 0;

  private constructor(
    readonly handle: FileHandle,
    readonly size: number,
    readonly mtimeNs: bigint,
    private readonly hooks: ReadHooks,
  ) {}

  static async open(
    path: FsPath,
    followSymlinks: boolean,
    hooks: ReadHooks,
  ): Promise<ArchiveFile | OpenProblem> {
    const flags = constants.O_RDONLY | constants.O_NONBLOCK | (followSymlinks ? 0 : constants.O_NOFOLLOW);
    let handle: FileHandle;
    try {
      handle = await open(path, flags);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'ELOOP' && !followSymlinks) return { code: 'not-regular', message: 'a symbolic link' };
      return { code: 'unreadable', message: e.message };
    }
    try {
      const st = await handle.stat({ bigint: true });
      if (!st.isFile()) {
        await handle.close();
        return { code: 'not-regular', message: 'not a regular file' };
      }
      return new ArchiveFile(handle, Number(st.size), st.mtimeNs, hooks);
    } catch (error) {
      await handle.close();
      return { code: 'unreadable', message: (error as Error).message };
    }
  }

  /** Whether the file is still as `expect` says (checked before reading and again after). */
  async matches(expect: ArchiveExpect): Promise<boolean> {
    const st: BigIntStats = await this.handle.stat({ bigint: true });
    return (
      Number(st.size) === expect.size &&
      st.mtimeNs === expect.mtimeNs &&
      (expect.dev === undefined || st.dev === expect.dev) &&
      (expect.ino === undefined || st.ino === expect.ino)
    );
  }

  /** Up to `length` bytes at `position` (fewer at the end of the file), throttled and counted. */
  async read(position: number, length: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(length, this.size - position));
    const buffer = Buffer.allocUnsafe(want);
    let done = 0;
    while (done < want) {
      const piece = Math.min(READ_CHUNK, want - done);
      if (this.hooks.budget) await this.hooks.budget(piece);
      const { bytesRead } = await this.handle.read(buffer, done, piece, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
      this.bytesRead += bytesRead;
      this.hooks.onRead?.(bytesRead);
    }
    return done === want ? buffer : buffer.subarray(0, done);
  }

  /** Counts `bytes` that a helper program reads from the archive itself, as if read here. */
  async charge(bytes: number): Promise<void> {
    for (let left = bytes; left > 0; left -= READ_CHUNK) {
      const piece = Math.min(READ_CHUNK, left);
      if (this.hooks.budget) await this.hooks.budget(piece);
      this.bytesRead += piece;
      this.hooks.onRead?.(piece);
    }
  }

  /** The bytes `start` (inclusive) to `end` (exclusive) as a stream of chunks. */
  stream(start = 0, end = this.size): Readable {
    return Readable.from(chunks(this, start, end), { objectMode: false });
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

async function* chunks(file: ArchiveFile, start: number, end: number): AsyncGenerator<Buffer> {
  for (let at = start; at < end;) {
    const chunk = await file.read(at, Math.min(READ_CHUNK, end - at));
    if (chunk.length === 0) return;
    at += chunk.length;
    yield chunk;
  }
}
