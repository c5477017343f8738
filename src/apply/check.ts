import type { RateLimiter } from '../core/rate-limiter.js';
import type { PlannedAction, PlannedKeeper } from '../plan/plan.js';
import { displayPath } from '../scan/paths.js';
import { describeErrno, errnoOf, type FileOps, type Stat } from './file-ops.js';

export type CheckResult = { ok: true; file: Stat; keeper: Stat } | { ok: false; reason: string };

/** The identity a plan recorded for a file. */
interface Expected {
  dev: bigint;
  ino: bigint;
  size: number;
  mtimeNs: bigint;
}

function differs(st: Stat, want: Expected): string | undefined {
  if (st.dev !== want.dev || st.ino !== want.ino) return 'was replaced by another file';
  if (Number(st.size) !== want.size) return `changed size (${want.size} → ${st.size} bytes)`;
  if (st.mtimeNs !== want.mtimeNs) return 'was modified (its mtime changed)';
  return undefined;
}

function lstatOrReason(ops: FileOps, path: Parameters<FileOps['lstat']>[0], role: string) {
  try {
    const st = ops.lstat(path);
    if (st.isSymbolicLink()) return { reason: `${role} is now a symbolic link` };
    if (!st.isFile()) return { reason: `${role} is no longer a regular file` };
    return { st };
  } catch (error) {
    return {
      reason: errnoOf(error) === 'ENOENT' ? `${role} vanished` : `${role}: ${describeErrno(error)}`,
    };
  }
}

/**
 * Does the file, and its keeper, still look the way the plan saw them? Checked right before acting, by lstat:
 * a path that became a symlink, a replaced file (another inode), a size or mtime change all say no. A file that
 * is the keeper's own inode (a hard link) is never acted on: removing it would free nothing.
 */
export function checkAction(ops: FileOps, action: PlannedAction, keeper: PlannedKeeper): CheckResult {
  const file = lstatOrReason(ops, action.path, 'the file');
  if (!file.st) return { ok: false, reason: file.reason };
  const fileChange = differs(file.st, action.expect);
  if (fileChange) return { ok: false, reason: `the file ${fileChange} since the plan` };
  const kept = lstatOrReason(ops, keeper.path, `the keeper ${displayPath(keeper.path)}`);
  if (!kept.st) return { ok: false, reason: kept.reason };
  const keeperChange = differs(kept.st, keeper);
  if (keeperChange) {
    return { ok: false, reason: `the keeper ${displayPath(keeper.path)} ${keeperChange} since the plan` };
  }
  if (kept.st.dev === file.st.dev && kept.st.ino === file.st.ino) {
    return { ok: false, reason: 'the file is a hard link of its keeper (one file; nothing to free)' };
  }
  return { ok: true, file: file.st, keeper: kept.st };
}

const CHUNK = 512 * 1024;
let buffers: [Buffer, Buffer] | undefined;

/**
 * Compares two files byte for byte, now: the last check before a destructive step. Each is opened without
 * following links and must still be the inode that was checked. Resolves to undefined when the bytes are
 * equal, else to the reason they are not. Reads are throttled by `limiter` when given.
 */
export async function compareBytes(
  ops: FileOps,
  a: { path: Parameters<FileOps['lstat']>[0]; st: Stat },
  b: { path: Parameters<FileOps['lstat']>[0]; st: Stat },
  options: { limiter?: RateLimiter; signal?: AbortSignal } = {},
): Promise<string | undefined> {
  const [bufA, bufB] = (buffers ??= [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)]);
  let fdA: number | undefined;
  let fdB: number | undefined;
  try {
    fdA = ops.openRead(a.path);
    fdB = ops.openRead(b.path);
    const stA = ops.fstat(fdA);
    const stB = ops.fstat(fdB);
    if (stA.ino !== a.st.ino || stA.dev !== a.st.dev) return 'the file was replaced while being checked';
    if (stB.ino !== b.st.ino || stB.dev !== b.st.dev) return 'the keeper was replaced while being checked';
    const size = Number(stA.size);
    if (Number(stB.size) !== size) return 'the file and its keeper differ in size';
    for (let pos = 0; pos < size; pos += CHUNK) {
      const length = Math.min(CHUNK, size - pos);
      if (options.limiter) {
        await options.limiter.acquire(2 * length, options.signal ? { signal: options.signal } : {});
      }
      const readA = ops.read(fdA, bufA, length, pos);
      const readB = ops.read(fdB, bufB, length, pos);
      if (readA !== length || readB !== length)
        return 'the file or its keeper changed size while being compared';
      if (bufA.compare(bufB, 0, length, 0, length) !== 0) {
        return `its bytes differ from the keeper's at offset ${pos}`;
      }
    }
    // One byte past the end: a file that grew since the fstat is not the file that was compared.
    if (ops.read(fdA, bufA, 1, size) !== 0 || ops.read(fdB, bufB, 1, size) !== 0) {
      return 'the file or its keeper grew while being compared';
    }
    return undefined;
  } catch (error) {
    return `could not compare: ${describeErrno(error)}`;
  } finally {
    if (fdA !== undefined) ops.close(fdA);
    if (fdB !== undefined) ops.close(fdB);
  }
}
