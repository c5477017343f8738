import { isAbortError } from '../core/errors.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { describeErrno, errnoOf, type FileOps, type Stat } from '../fs/file-ops.js';
import { describeChange, identityChange, type FileIdentity } from '../model/identity.js';
import { displayPath, type FsPath } from '../model/paths.js';

/** A file opened for an action's checks: its descriptor and its stat when opened. */
export interface Opened {
  fd: number;
  st: Stat;
}

export type Opening = { ok: true; opened: Opened } | { ok: false; reason: string };

/**
 * Opens a file the way every check does: without following a final symlink, without blocking should it have
 * become a FIFO, and then fstat: it must be a regular file with the identity given (when given). The caller
 * closes what it gets.
 */
export function openChecked(
  ops: FileOps,
  path: FsPath,
  role: string,
  want?: FileIdentity,
  options: { ignoreCtime?: boolean } = {},
): Opening {
  let fd: number;
  try {
    // Nothing but a regular file is opened: opening a device can have effects of its own (a tape rewinds).
    const st = ops.lstat(path);
    if (st.isSymbolicLink()) return { ok: false, reason: `${role} is now a symbolic link` };
    if (!st.isFile()) return { ok: false, reason: `${role} is no longer a regular file` };
    fd = ops.openRead(path);
  } catch (error) {
    const code = errnoOf(error);
    const reason =
      code === 'ENOENT'
        ? `${role} vanished`
        : code === 'ELOOP'
          ? `${role} is now a symbolic link`
          : `${role}: ${describeErrno(error)}`;
    return { ok: false, reason };
  }
  try {
    const st = ops.fstat(fd);
    if (!st.isFile()) throw new NotChecked(`${role} is no longer a regular file`);
    const change = want === undefined ? undefined : identityChange(st, want, options);
    if (change !== undefined)
      throw new NotChecked(`${role} ${describeChange(change, want!, st)} since the plan`);
    return { ok: true, opened: { fd, st } };
  } catch (error) {
    ops.close(fd);
    if (error instanceof NotChecked) return { ok: false, reason: error.message };
    return { ok: false, reason: `${role}: ${describeErrno(error)}` };
  }
}

class NotChecked extends Error {}

const CHUNK = 512 * 1024;
let buffers: [Buffer, Buffer] | undefined;

/**
 * Compares `size` bytes of two open files, now, throttled by the read budget. Resolves to undefined when they
 * are equal and neither is longer (`exact`), else to the reason. An abort is no verdict: it is thrown.
 */
export async function compareOpen(
  ops: FileOps,
  a: number,
  b: number,
  size: number,
  options: { limiter?: RateLimiter | undefined; signal?: AbortSignal | undefined; exact: boolean },
): Promise<string | undefined> {
  const [bufA, bufB] = (buffers ??= [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)]);
  try {
    for (let pos = 0; pos < size; pos += CHUNK) {
      const length = Math.min(CHUNK, size - pos);
      if (options.limiter) {
        await options.limiter.acquire(2 * length, options.signal ? { signal: options.signal } : {});
      }
      const readA = ops.read(a, bufA, length, pos);
      const readB = ops.read(b, bufB, length, pos);
      if (readA !== length || readB !== length) return 'the file or its keeper shrank while being compared';
      if (bufA.compare(bufB, 0, length, 0, length) !== 0) {
        return `its bytes differ from the keeper's (at offset ${pos + firstDifference(bufA, bufB, length)})`;
      }
    }
    if (options.exact && (ops.read(a, bufA, 1, size) !== 0 || ops.read(b, bufB, 1, size) !== 0)) {
      return 'the file or its keeper grew while being compared';
    }
    return undefined;
  } catch (error) {
    if (isAbortError(error)) throw error;
    return `could not compare: ${describeErrno(error)}`;
  }
}

/** The offset of the first byte where `a` and `b` differ within `length`, or `length` when none does. */
export function firstDifference(a: Uint8Array, b: Uint8Array, length: number): number {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return length;
}

/** Magic numbers of file systems that show another file system's files under their own device and inode. */
const STACKING_FILE_SYSTEMS = new Set([
  0x794c7630, // overlayfs (Docker's overlay2: `diff`, `merged` and the lower folders side by side)
  0x61756673, // aufs
  0x65735546, // FUSE (mergerfs, unionfs-fuse, bindfs…)
]);

/**
 * Whether two files on different devices might be one physical file: when either lies on a file system that
 * stacks over others (overlayfs, aufs, FUSE), the same file can show under two (device, inode) identities, and
 * removing one would remove the other. Answers per device are kept for the run.
 */
export class StackingCheck {
  readonly #byDevice = new Map<bigint, boolean>();
  constructor(private readonly ops: FileOps) {}

  mayAlias(a: { path: FsPath; st: Stat }, b: { path: FsPath; st: Stat }): boolean {
    if (a.st.dev === b.st.dev) return false;
    return this.#stacking(a.path, a.st.dev) || this.#stacking(b.path, b.st.dev);
  }

  #stacking(path: FsPath, dev: bigint): boolean {
    let known = this.#byDevice.get(dev);
    if (known === undefined) {
      known = STACKING_FILE_SYSTEMS.has(this.ops.fsType(path));
      this.#byDevice.set(dev, known);
    }
    return known;
  }
}

/**
 * Why a keeper of another owner cannot stand in for a file whose bytes are about to go: that owner could delete
 * or change it later, and with it the last copy. A keeper of the file's owner, or of root, can. `advice`: what
 * the user can do instead (apply and purge differ).
 */
export function keeperOfAnother(file: Stat, keeper: Stat, advice: string): string | undefined {
  if (keeper.uid === file.uid || keeper.uid === 0n) return undefined;
  return (
    `the keeper belongs to another user (uid ${keeper.uid}, the file to uid ${file.uid}), who could remove it ` +
    `later with the last copy; ${advice}`
  );
}

/** Why a keeper cannot stand in for a file under a link (owner or mode differ), or undefined when it can. */
export function ownerMismatch(file: Stat, keeper: Stat): string | undefined {
  const describe = (st: Stat) =>
    `uid ${st.uid}, gid ${st.gid}, mode ${(Number(st.mode) & 0o7777).toString(8).padStart(4, '0')}`;
  if (
    file.uid === keeper.uid &&
    file.gid === keeper.gid &&
    (file.mode & 0o7777n) === (keeper.mode & 0o7777n)
  ) {
    return undefined;
  }
  return (
    `the keeper's owner or mode differ from the file's (${describe(keeper)} vs ${describe(file)}): a link would ` +
    'give the file another owner or mode; use quarantine or reflink, or pass --any-owner'
  );
}

/** The keeper's words for messages. */
export function keeperRole(path: FsPath): string {
  return `the keeper ${displayPath(path)}`;
}
