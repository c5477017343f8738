import * as fs from 'node:fs';
import type { FsPath } from '../scan/paths.js';

export type Stat = fs.BigIntStats;

/**
 * The file system calls apply, undo and purge make, in one place: the safety tests wrap them to inject
 * failures (ENOSPC, EACCES, EXDEV) and crashes at any step. Synchronous, because every step must finish or
 * fail before the next one starts, and because a sync call is the cheapest on a fast disk.
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
  rmdir(path: FsPath): void;
  chmod(path: FsPath, mode: number): void;
  setMtime(path: FsPath, mtimeNs: bigint): void;
  access(path: FsPath, mode: number): void;
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
  rmdir: (path) => fs.rmdirSync(path),
  chmod: (path, mode) => fs.chmodSync(path, mode),
  setMtime: (path, mtimeNs) => {
    const seconds = Number(mtimeNs) / 1e9;
    fs.utimesSync(path, seconds, seconds);
  },
  access: (path, mode) => fs.accessSync(path, mode),
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
