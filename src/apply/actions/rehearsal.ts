import { constants } from 'node:fs';
import type { FileOps, Stat } from '../../fs/file-ops.js';
import type { MountTable } from '../../fs/mounts.js';
import { STICKY } from '../../fs/trust.js';
import { displayPath, type FsPath } from '../../model/paths.js';
import type { PinnedFolder } from '../pinned-folder.js';
import { nearestExisting } from '../quarantine.js';

/**
 * What a dry run asks in place of the calls apply would make: each throws the error that call would meet, shaped
 * as the call throws it (the `code` decides the reason), so that the dry run skips with the reason apply gives.
 * They look with this user's eyes: the real user id, as `access` does (nodupe never runs setuid).
 */

function refuse(code: string, message: string): never {
  throw Object.assign(new Error(`${code}: ${message}`), { code });
}

function euid(): number {
  return process.geteuid?.() ?? 0;
}

/**
 * Throws what renaming or unlinking `file` in its folder (held open) would meet: EACCES where the folder cannot
 * be written or searched (EROFS on a read-only file system), EPERM in a sticky folder when the user owns neither
 * the file nor the folder (root may).
 */
export function mustMayRemove(ops: FileOps, folder: PinnedFolder, file: Stat): void {
  ops.access(folder.reach(), constants.W_OK | constants.X_OK);
  const uid = euid();
  if (uid === 0) return;
  const st = folder.identity();
  if ((Number(st.mode) & STICKY) !== 0 && Number(file.uid) !== uid && Number(st.uid) !== uid) {
    refuse('EPERM', "the file's folder is sticky and neither the file nor the folder is this user's");
  }
}

/**
 * Throws what making a name in `dir` would meet (EACCES, EROFS); where `dir` is not there yet, in the nearest
 * folder above it, where apply would make the folders first.
 */
export function mustMayCreateIn(ops: FileOps, dir: FsPath): void {
  ops.access(nearestExisting(ops, dir).path, constants.W_OK | constants.X_OK);
}

/**
 * Throws EXDEV when `path` (or, where it is not there yet, the nearest folder above it) cannot be reached by a
 * rename or a link from the folder `from` (on device `dev`): it lies on another device, or on another mount of
 * the same file system (two bind mounts of one folder share a device, not a mount).
 */
export function mustBeOnMountOf(
  ops: FileOps,
  mounts: MountTable,
  path: FsPath,
  from: { folder: FsPath; dev: bigint },
): void {
  const { path: there, st } = nearestExisting(ops, path);
  if (st.dev !== from.dev || mounts.differ(there, from.folder)) {
    refuse('EXDEV', `${displayPath(path)} is on another file system or mount`);
  }
}

/**
 * Throws EPERM when a file this user makes (a clone) could not be given `file`'s owner and group: only root gives
 * a file to another user, and a group only to one of the user's own.
 */
export function mustMayGiveAway(file: Stat): void {
  const uid = euid();
  if (uid === 0) return;
  const groups = [process.getegid?.() ?? -1, ...(process.getgroups?.() ?? [])];
  if (Number(file.uid) !== uid || !groups.includes(Number(file.gid))) {
    refuse('EPERM', "only root can give the copy the file's owner and group");
  }
}

/**
 * Throws EPERM where the kernel protects hard links (`fs.protected_hardlinks`, on by default) and the keeper is
 * another user's: a hard link to it needs that user's file to be readable and writable by this user, and
 * neither setuid nor setgid-executable (root may always).
 */
export function mustMayLinkTo(ops: FileOps, keeper: FsPath, st: Stat): void {
  const uid = euid();
  if (uid === 0 || Number(st.uid) === uid || !protectedHardlinks(ops)) return;
  const mode = Number(st.mode);
  const special = (mode & 0o4000) !== 0 || (mode & 0o2010) === 0o2010;
  let usable = !special;
  if (usable) {
    try {
      ops.access(keeper, constants.R_OK | constants.W_OK);
    } catch {
      usable = false;
    }
  }
  if (!usable) refuse('EPERM', "the kernel protects hard links to another user's file");
}

function protectedHardlinks(ops: FileOps): boolean {
  try {
    return ops.readFile('/proc/sys/fs/protected_hardlinks').toString().trim() !== '0';
  } catch {
    return false;
  }
}
