import { constants } from 'node:fs';
import { describeErrno, type FileOps, type Stat } from '../fs/file-ops.js';
import { displayPath, nameOf, parentOf, pathKey, toBytes, type FsPath } from '../model/paths.js';
import { changedError } from './actions/shared.js';

/**
 * A folder held open while nodupe acts in it. Paths are resolved anew at every call, so between two calls
 * someone who can rename a folder above a file could swap that folder for a symlink and send the next call
 * elsewhere (and O_NOFOLLOW only guards a path's last name). Once the folder is held open, its entries are
 * reached through `/proc/self/fd/N/NAME`, which names that very folder whatever happens to the path above it.
 * Where /proc is not there (not Linux), paths are used as they are.
 */
export class PinnedFolder {
  /** The folder's own device and inode: those of what is held open never change, so they are asked once. */
  #identity: Stat | undefined;

  private constructor(
    private readonly ops: FileOps,
    private readonly fd: number | undefined,
    private readonly folder: FsPath,
  ) {}

  /**
   * Opens the folder of `path` and checks that `path` in it is the very file `expect` (device and inode),
   * so that what is held open is the folder the checked file is in. Throws when it is not.
   */
  static holding(ops: FileOps, path: FsPath, expect: Pick<Stat, 'dev' | 'ino'>): PinnedFolder {
    const folder = parentOf(path);
    if (!procWorks(ops)) return new PinnedFolder(ops, undefined, folder);
    let fd: number;
    try {
      fd = ops.open(folder, constants.O_RDONLY | constants.O_DIRECTORY);
    } catch (error) {
      throw changedError(`its folder cannot be opened: ${describeErrno(error)}`);
    }
    const pinned = new PinnedFolder(ops, fd, folder);
    if (!pinned.holds(path, expect)) {
      pinned.close();
      throw changedError('its folder was replaced while being acted on');
    }
    return pinned;
  }

  /** Whether `path`, reached through this folder, is the file `expect` (device and inode). */
  holds(path: FsPath, expect: Pick<Stat, 'dev' | 'ino'>): boolean {
    try {
      const there = this.ops.lstat(this.within(path));
      return there.dev === expect.dev && there.ino === expect.ino;
    } catch {
      return false;
    }
  }

  /** The folder's own device and inode, as held open (without /proc: as its path leads, each time). */
  identity(): Stat {
    if (this.fd === undefined) return this.ops.lstat(this.folder);
    return (this.#identity ??= this.ops.fstat(this.fd));
  }

  /**
   * Throws ECHANGED unless this is the very folder `recorded` (device and inode) names, when one was recorded:
   * a folder renamed away and another (or a symlink) put in its place is not the folder a file came from.
   */
  mustBe(recorded: { dev: bigint; ino: bigint } | undefined): void {
    if (recorded === undefined) return;
    const st = this.identity();
    if (st.dev !== recorded.dev || st.ino !== recorded.ino) {
      throw changedError(`its folder ${displayPath(this.folder)} is not the folder it was in`);
    }
  }

  /** Whether this is the folder of `path` (by its path). */
  isFolderOf(path: FsPath): boolean {
    return pathKey(parentOf(path)) === pathKey(this.folder);
  }

  /**
   * Opens `folder` itself, to put a file back into it. It must be the very folder the file left (`recorded`, its
   * device and inode); for a run journaled before folders were recorded, a folder of the file's owner (`uid`)
   * itself. Else a folder someone put in its place (or a symlink to one of root's) would receive the file.
   */
  static theFolderLeft(
    ops: FileOps,
    folder: FsPath,
    recorded: { dev: bigint; ino: bigint } | undefined,
    uid: number,
  ): PinnedFolder {
    const fd = ops.open(folder, constants.O_RDONLY | constants.O_DIRECTORY);
    const pinned = new PinnedFolder(ops, procWorks(ops) ? fd : undefined, folder);
    try {
      const st = ops.fstat(fd);
      pinned.#identity = st;
      if (recorded !== undefined) pinned.mustBe(recorded);
      else if (Number(st.uid) !== uid) {
        throw changedError(
          `its folder ${displayPath(folder)} is not the owner's (uid ${st.uid}): nothing goes back into it`,
        );
      }
    } catch (error) {
      pinned.close();
      throw error;
    } finally {
      if (pinned.fd === undefined) ops.close(fd);
    }
    return pinned;
  }

  /** Whether `path` names the entry `name` of this very folder (its folder is this one, by device and inode). */
  holdsEntry(path: FsPath, name: Buffer): boolean {
    if (this.fd === undefined)
      return pathKey(path) === pathKey(Buffer.concat([toBytes(this.folder), Buffer.from('/'), name]));
    try {
      const mine = this.identity();
      const theirs = this.ops.lstat(parentOf(path));
      return mine.dev === theirs.dev && mine.ino === theirs.ino && nameOf(toBytes(path)).equals(name);
    } catch {
      return false;
    }
  }

  /** The path by which to reach this very folder: through /proc while held open, else its path. */
  reach(): FsPath {
    return this.fd === undefined ? this.folder : `/proc/self/fd/${this.fd}`;
  }

  /** The path by which to reach `path` when it lies directly in this folder; any other path as it is. */
  within(path: FsPath): FsPath {
    if (this.fd === undefined || pathKey(parentOf(path)) !== pathKey(this.folder)) return path;
    return Buffer.concat([Buffer.from(`/proc/self/fd/${this.fd}/`), nameOf(toBytes(path))]);
  }

  close(): void {
    if (this.fd !== undefined) this.ops.close(this.fd);
  }
}

/**
 * The folder of the last file acted on, held open across actions: most files of a plan share their folder with
 * the one before, and each is still checked to be in it (one lstat) before anything is done there.
 */
export class HeldFolders {
  #last: PinnedFolder | undefined;
  constructor(private readonly ops: FileOps) {}

  /** The folder of `path`, held open, in which `path` is the file `expect`; throws ECHANGED when it is not. */
  holding(path: FsPath, expect: Pick<Stat, 'dev' | 'ino'>): PinnedFolder {
    const last = this.#last;
    if (last?.isFolderOf(path) && last.holds(path, expect)) return last;
    last?.close();
    this.#last = undefined;
    this.#last = PinnedFolder.holding(this.ops, path, expect);
    return this.#last;
  }

  close(): void {
    this.#last?.close();
    this.#last = undefined;
  }
}

let hasProc: boolean | undefined;

/** Whether this system has /proc/self/fd, whose entries lead to what a process holds open (asked once). */
export function procWorks(ops: FileOps): boolean {
  if (hasProc === undefined) {
    try {
      hasProc = ops.lstat('/proc/self/fd').isDirectory();
    } catch {
      hasProc = false;
    }
  }
  return hasProc;
}

/**
 * A path that reaches the very file held open as `fd` (through /proc), for the calls that take a path only (a
 * clone): never a FIFO or another file put at the name meanwhile. Without /proc, `fallback`.
 */
export function heldPath(ops: FileOps, fd: number, fallback: FsPath): FsPath {
  return procWorks(ops) ? `/proc/self/fd/${fd}` : fallback;
}
