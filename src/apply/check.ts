import { isAbortError } from '../core/errors.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import type { PlannedAction, PlannedKeeper } from '../plan/plan.js';
import { displayPath } from '../scan/paths.js';
import { describeErrno, errnoOf, type FileOps, type Stat } from './file-ops.js';

export type CheckResult = { ok: true; file: Stat } | { ok: false; reason: string };

export interface CheckOptions {
  limiter?: RateLimiter;
  signal?: AbortSignal;
  /**
   * The action destroys the file's bytes (delete, or a link over it): then a file that grew after it was
   * compared must not go. Quarantine and move keep the file, so they skip that last read.
   */
  destructive: boolean;
}

/** The identity a plan recorded for a file. */
interface Expected {
  dev: bigint;
  ino: bigint;
  size: number;
  mtimeNs: bigint;
}

function differs(st: Stat, want: Expected): string | undefined {
  if (!st.isFile()) return 'is no longer a regular file';
  if (st.dev !== want.dev || st.ino !== want.ino) return 'was replaced by another file since the plan';
  if (Number(st.size) !== want.size) return `changed size since the plan (${want.size} → ${st.size} bytes)`;
  if (st.mtimeNs !== want.mtimeNs) return 'was modified since the plan (its mtime changed)';
  return undefined;
}

function openReason(error: unknown, role: string): string {
  const code = errnoOf(error);
  if (code === 'ENOENT') return `${role} vanished`;
  if (code === 'ELOOP') return `${role} is now a symbolic link`;
  return `${role}: ${describeErrno(error)}`;
}

const CHUNK = 512 * 1024;
let buffers: [Buffer, Buffer] | undefined;

/**
 * The last check before a destructive step, on the open files themselves: each is opened without following a
 * final symlink (and without blocking, should it have become a FIFO), and its fstat must still be the regular
 * file the plan recorded (device, inode, size, mtime); the file must not be its keeper's own inode (a hard
 * link: removing it frees nothing); then their bytes are compared, now. Resolves to the file's stat when all
 * holds, else to the reason it does not.
 */
export async function checkAndCompare(
  ops: FileOps,
  action: PlannedAction,
  keeper: PlannedKeeper,
  options: CheckOptions,
): Promise<CheckResult> {
  const [bufA, bufB] = (buffers ??= [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)]);
  const keeperRole = `the keeper ${displayPath(keeper.path)}`;
  let fdA: number | undefined;
  let fdB: number | undefined;
  const fail = (reason: string): CheckResult => ({ ok: false, reason });
  try {
    try {
      fdA = ops.openRead(action.path);
    } catch (error) {
      return fail(openReason(error, 'the file'));
    }
    try {
      fdB = ops.openRead(keeper.path);
    } catch (error) {
      return fail(openReason(error, keeperRole));
    }
    const file = ops.fstat(fdA);
    const kept = ops.fstat(fdB);
    const fileChange = differs(file, action.expect);
    if (fileChange) return fail(`the file ${fileChange}`);
    const keeperChange = differs(kept, keeper);
    if (keeperChange) return fail(`${keeperRole} ${keeperChange}`);
    if (kept.dev === file.dev && kept.ino === file.ino) {
      return fail('the file is a hard link of its keeper (one file; nothing to free)');
    }
    const size = action.expect.size;
    for (let pos = 0; pos < size; pos += CHUNK) {
      const length = Math.min(CHUNK, size - pos);
      if (options.limiter) {
        await options.limiter.acquire(2 * length, options.signal ? { signal: options.signal } : {});
      }
      const readA = ops.read(fdA, bufA, length, pos);
      const readB = ops.read(fdB, bufB, length, pos);
      if (readA !== length || readB !== length)
        return fail('the file or its keeper shrank while being compared');
      if (bufA.compare(bufB, 0, length, 0, length) !== 0) {
        return fail(
          `its bytes differ from the keeper's (at offset ${pos + firstDifference(bufA, bufB, length)})`,
        );
      }
    }
    if (options.destructive && ops.read(fdA, bufA, 1, size) !== 0) {
      return fail('the file grew while being compared');
    }
    return { ok: true, file };
  } catch (error) {
    // An abort (Ctrl-C while waiting for read budget) is no verdict on the file: the action stays an intent.
    if (isAbortError(error)) throw error;
    return fail(`could not compare: ${describeErrno(error)}`);
  } finally {
    if (fdA !== undefined) ops.close(fdA);
    if (fdB !== undefined) ops.close(fdB);
  }
}

function firstDifference(a: Buffer, b: Buffer, length: number): number {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return length;
}
