import * as fs from 'node:fs';
import type { FsPath } from '../model/paths.js';

export type Stat = fs.BigIntStats;

/**
 * The file system calls apply, undo, purge, verify, snapshot and scan make, in one place: the safety tests wrap
 * them to inject failures (ENOSPC, EACCES, EXDEV), races (an adversary acting between two calls) and crashes at
 * any step. Synchronous, because every step must finish or fail before the next one starts, and because a sync
 * call is the cheapest on a fast disk.
 */
export interface FileOps {
  lstat(path: FsPath): Stat;
  /** Opens for reading without following a final symlink, and without blocking on a FIFO. */
  openRead(path: FsPath): number;
  fstat(fd: number): Stat;
  read(fd: number, buffer: Buffer, length: number, position: number): number;
  close(fd: number): void;
  rename(from: FsPath, to: FsPath): void;
  unlink(path: FsPath): void;
  link(existing: FsPath, newPath: FsPath): void;
  symlink(target: FsPath, path: FsPath): void;
  readlink(path: FsPath): FsPath;
  copyFile(from: FsPath, to: FsPath, mode: number): void;
  mkdirp(path: FsPath): void;
  /** One folder, private (0700) unless `mode` says otherwise; EEXIST when anything, even a symlink, is there. */
  mkdir(path: FsPath, mode?: number): void;
  rmdir(path: FsPath): void;
  chmod(path: FsPath, mode: number): void;
  chown(path: FsPath, uid: number, gid: number): void;
  /** Sets access and modification times (to the microsecond: Node passes times as seconds in a double). */
  utimes(path: FsPath, atimeNs: bigint, mtimeNs: bigint): void;
  /** The file system's type (its magic number, as statfs(2) gives it): overlayfs and FUSE are told apart by it. */
  fsType(path: FsPath): number;
  access(path: FsPath, mode: number): void;

  // The calls scan, verify and snapshot make besides those above.
  /** Follows a final symlink, where lstat does not. */
  stat(path: FsPath): Stat;
  /** A folder's entries with their types; names as bytes, so that names which are not UTF-8 survive. */
  readdir(path: FsPath): fs.Dirent<Buffer>[];
  /** The path with every symbolic link resolved (realpath(3)), as bytes. */
  realpath(path: FsPath): FsPath;
  /** Opens with any flags: a new file to write (`O_WRONLY | O_CREAT | O_EXCL`), a folder to fsync (`O_RDONLY`). */
  open(path: FsPath, flags: number, mode?: number): number;
  /**
   * Writes the first `length` bytes of `buffer` at `position` (null: where the file stands, as a FIFO or device
   * needs); returns how many were written.
   */
  write(fd: number, buffer: Buffer, length: number, position: number | null): number;
  fsync(fd: number): void;
  fchmod(fd: number, mode: number): void;
  fchown(fd: number, uid: number, gid: number): void;
  /** Sets an open file's access and modification times (to about a microsecond, as utimes). */
  futimes(fd: number, atimeNs: bigint, mtimeNs: bigint): void;
  readFile(path: FsPath): Buffer;
}

export const nodeFileOps: FileOps = {
  lstat: (path) => fs.lstatSync(path, { bigint: true }),
  openRead: (path) =>
    fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK),
  fstat: (fd) => fs.fstatSync(fd, { bigint: true }),
  read: (fd, buffer, length, position) => fs.readSync(fd, buffer, 0, length, position),
  close: (fd) => fs.closeSync(fd),
  rename: (from, to) => fs.renameSync(from, to),
  unlink: (path) => fs.unlinkSync(path),
  link: (existing, newPath) => fs.linkSync(existing, newPath),
  symlink: (target, path) => fs.symlinkSync(target, path),
  readlink: (path) => fs.readlinkSync(path, { encoding: 'buffer' }),
  copyFile: (from, to, mode) => fs.copyFileSync(from, to, mode),
  mkdirp: (path) => void fs.mkdirSync(path, { recursive: true, mode: 0o700 }),
  mkdir: (path, mode = 0o700) => fs.mkdirSync(path, { mode }),
  rmdir: (path) => fs.rmdirSync(path),
  chmod: (path, mode) => fs.chmodSync(path, mode),
  chown: (path, uid, gid) => fs.lchownSync(path, uid, gid),
  utimes: (path, atimeNs, mtimeNs) => fs.utimesSync(path, Number(atimeNs) / 1e9, Number(mtimeNs) / 1e9),
  fsType: (path) => fs.statfsSync(path).type,
  access: (path, mode) => fs.accessSync(path, mode),

  // The calls scan, verify and snapshot make besides those above.
  stat: (path) => fs.statSync(path, { bigint: true }),
  readdir: (path) => fs.readdirSync(path, { withFileTypes: true, encoding: 'buffer' }),
  realpath: (path) => fs.realpathSync.native(path, { encoding: 'buffer' }),
  open: (path, flags, mode) => fs.openSync(path, flags, mode),
  write: (fd, buffer, length, position) => fs.writeSync(fd, buffer, 0, length, position),
  fsync: (fd) => fs.fsyncSync(fd),
  fchmod: (fd, mode) => fs.fchmodSync(fd, mode),
  fchown: (fd, uid, gid) => fs.fchownSync(fd, uid, gid),
  futimes: (fd, atimeNs, mtimeNs) => {
    // Whole seconds and the fraction converted apart: one rounding, where Number(ns) / 1e9 makes two.
    const seconds = (ns: bigint) => Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
    fs.futimesSync(fd, seconds(atimeNs), seconds(mtimeNs));
  },
  readFile: (path) => fs.readFileSync(path),
};

/** The errno code of a failed call (`ENOENT`, ...), or undefined for anything else. */
export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

const MEANINGS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EXDEV: 'on another file system',
  EROFS: 'read-only file system',
  EEXIST: 'already exists',
  ENOTSUP: 'not supported by the file system',
  EOPNOTSUPP: 'not supported by the file system',
  ELOOP: 'is a symbolic link',
  EISDIR: 'is a folder',
};

/** A short reason for a failed call, for reports: "permission denied (EACCES)". */
export function describeErrno(error: unknown): string {
  const code = errnoOf(error);
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  return `${MEANINGS[code] ?? (error as Error).message} (${code})`;
}

/** lstat, or undefined when nothing is there (ENOENT); other errors are thrown. */
export function lstatIfPresent(ops: FileOps, path: FsPath): Stat | undefined {
  try {
    return ops.lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Renames without ever replacing what stands at `to` (EEXIST then): a hard link under the new name, then the old
 * name removed, as two calls of `ops` (so crash and race tests reach the moment between them, when both names
 * hold the one inode; crash recovery recognizes it). Where the file system has no hard links (EPERM, ENOTSUP,
 * EMLINK), an lstat-then-rename, which is safe only in a folder no one else can write to.
 */
export function renameNoReplace(ops: FileOps, from: FsPath, to: FsPath): void {
  try {
    ops.link(from, to);
  } catch (error) {
    const code = errnoOf(error);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') throw error;
    if (lstatIfPresent(ops, to))
      throw Object.assign(new Error(`EEXIST: file exists, ${String(to)}`), { code: 'EEXIST' });
    ops.rename(from, to);
    return;
  }
  ops.unlink(from);
}
