import { abortErrorFrom, isAbortError } from '../core/errors.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { keeperRefusal } from '../archive/listing.js';
import { readArchive } from '../archive/read-archive.js';
import { describeErrno, type FileOps, type Stat } from '../fs/file-ops.js';
import { firstDifference } from './check.js';
import { printableName } from '../core/printable.js';
import { displayPath, type FsPath } from '../model/paths.js';

const CHUNK = 512 * 1024;
let buffer: Buffer | undefined;

/**
 * Compares a file with its keeper inside an archive, now: the member `member` is streamed out of the archive at
 * `archive.path` (which must still be the very file opened and checked, `archive.st`: device, inode, size and
 * mtime, before the read and after it), each chunk compared with the file's bytes (`fd`) at its offset as it
 * passes. Nothing is extracted. The archive is read as a scan reads it: every defence and cap, the member's CRC
 * checked, a name repeated by a later entry refused; and it must read to its end without a problem, for a damaged
 * archive is no keeper. Throttled by the read budget: the file's bytes asked for before, the archive's as read.
 *
 * Resolves to undefined when the member is exactly `size` bytes, all equal to the file's (which, when `exact`,
 * has none beyond), else to the reason. An abort is no verdict: it is thrown.
 */
export async function compareWithMember(
  ops: FileOps,
  fd: number,
  archive: { path: FsPath; st: Stat },
  member: string,
  size: number,
  options: { limiter?: RateLimiter | undefined; signal?: AbortSignal | undefined; exact: boolean },
): Promise<string | undefined> {
  const { limiter, signal } = options;
  const budget =
    limiter === undefined ? undefined : (bytes: number) => limiter.acquire(bytes, signal ? { signal } : {});
  const buf = (buffer ??= Buffer.allocUnsafe(CHUNK));
  // The name comes from a plan, which may be tampered with: printable, so that it can colour or forge no line.
  const shown = `${displayPath(archive.path)}!/${printableName(member)}`;
  try {
    // The tap below cannot wait: the file's reads are granted first.
    if (budget) for (let pos = 0; pos < size; pos += CHUNK) await budget(Math.min(CHUNK, size - pos));
    let differs: string | undefined;
    // The member's bytes compared with the file's, in order: only a member streamed whole is compared.
    let compared = 0;
    const tap = (chunk: Uint8Array, offset: number) => {
      if (offset === 0) compared = 0;
      if (differs !== undefined) return;
      differs =
        offset === compared
          ? compareChunk(ops, fd, buf, chunk, offset, size)
          : 'the keeper in the archive did not stream in order';
      compared += chunk.length;
    };
    const listing = await readArchive(
      archive.path,
      {
        size: Number(archive.st.size),
        mtimeNs: archive.st.mtimeNs,
        dev: archive.st.dev,
        ino: archive.st.ino,
      },
      { algorithm: 'xxh3', only: member, tap, budget },
    );
    if (signal?.aborted) throw abortErrorFrom(signal);
    const refusal = keeperRefusal(listing);
    if (refusal !== undefined) return `the keeper's archive can hold no keeper: ${refusal}`;
    const found = listing.members.find((m) => m.name === member);
    // An encrypted member is listed by its size and CRC only: its bytes are never read, so never compared.
    if (found === undefined || found.hashes === undefined || found.encrypted) {
      return `the keeper ${shown} is no longer a readable member of its archive`;
    }
    if (differs !== undefined) return differs;
    if (found.size !== size || compared !== size) {
      return `the keeper ${shown} is ${found.size} bytes now, the file ${size}`;
    }
    if (options.exact && ops.read(fd, buf, 1, size) !== 0) return 'the file grew while being compared';
    return undefined;
  } catch (error) {
    if (isAbortError(error)) throw error;
    return `could not compare with the keeper ${shown}: ${describeErrno(error)}`;
  }
}

/** Why a chunk of the member at `offset` is not the file's bytes there, or undefined when it is. */
function compareChunk(
  ops: FileOps,
  fd: number,
  buf: Buffer,
  chunk: Uint8Array,
  offset: number,
  size: number,
): string | undefined {
  if (offset + chunk.length > size) return 'the keeper in the archive is longer than the file';
  try {
    for (let at = 0; at < chunk.length; at += buf.length) {
      const n = Math.min(buf.length, chunk.length - at);
      if (ops.read(fd, buf, n, offset + at) !== n) return 'the file shrank while being compared';
      const piece = chunk.subarray(at, at + n);
      if (buf.compare(piece, 0, n, 0, n) !== 0) {
        return `its bytes differ from the keeper's in the archive (at offset ${offset + at + firstDifference(buf, piece, n)})`;
      }
    }
    return undefined;
  } catch (error) {
    return `could not compare: ${describeErrno(error)}`;
  }
}
