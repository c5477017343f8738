import { constants } from 'node:fs';
import { procWorks } from '../apply/pinned-folder.js';
import type { FileOps } from '../fs/file-ops.js';
import { displayPath, joinName, toBytes, type FsPath } from '../model/paths.js';
import { fsErrorCode, problemFrom, type SnapshotProblem } from './io.js';

/** A folder opened for what is in it, never through a symbolic link at its last name. */
const FOLDER = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** One folder of the chain, held open. */
export class DestinationFolder {
  /** Whether a name in it was made or replaced: it is fsynced before it is let go. */
  changed = false;

  constructor(
    private readonly ops: FileOps,
    /** As reached from `/`: for messages, and for reaching it where there is no /proc. */
    readonly path: FsPath,
    readonly name: Buffer,
    readonly fd: number,
  ) {}

  /** A path that reaches `name` in this very folder: through /proc while it is held open. */
  reach(name: Buffer): FsPath {
    return joinName(procWorks(this.ops) ? `/proc/self/fd/${this.fd}` : this.path, name);
  }
}

/** Where a restored file goes: its folder, held open, and its name there. */
export interface Destination {
  folder: DestinationFolder;
  name: Buffer;
}

/**
 * The folders restore writes into. Each is reached from `/` one name at a time, opened through the folder before
 * it (`/proc/self/fd/N/NAME`) without following a symbolic link, and made where missing (0777 less the umask, as
 * `mkdir -p`); the chain of the last file's folders stays open for the next file. So a restored file lands in
 * the very folder its path names: a folder on the way that someone replaced with a link (to lead a restore run
 * by root into /etc, say) stops that file, and a folder renamed away meanwhile takes the file with it rather
 * than letting whatever now has its name receive it. Without /proc (not Linux) paths are used as they are, each
 * folder still opened without following a link at its name.
 */
export class DestinationFolders {
  /** `/`, then each folder below it on the last path asked for. */
  readonly #chain: DestinationFolder[] = [];
  /** Folders that could not be fsynced once files were restored into them. */
  readonly problems: SnapshotProblem[] = [];

  constructor(private readonly ops: FileOps) {}

  /**
   * The folder `path` is in, held open, and the file's name in it; `missing` when a folder on the way is not
   * there and `make` is false; or why the file cannot go there (a link, or something other than a folder, on
   * the way; a path with `.` or `..` in it).
   */
  folderOf(path: FsPath, make: true): Destination | SnapshotProblem;
  folderOf(path: FsPath, make: false): Destination | 'missing' | SnapshotProblem;
  folderOf(path: FsPath, make: boolean): Destination | 'missing' | SnapshotProblem {
    const parts = toBytes(path)
      .toString('latin1')
      .split('/')
      .filter((part) => part !== '')
      .map((part) => Buffer.from(part, 'latin1'));
    const name = parts.pop();
    if (name === undefined || [name, ...parts].some((p) => p.equals(DOT) || p.equals(DOT_DOT))) {
      return { path, code: 'NOT_PLAIN', message: 'not a plain absolute path (. or .. in it): not restored' };
    }
    if (this.#chain.length === 0) {
      this.#chain.push(new DestinationFolder(this.ops, '/', Buffer.alloc(0), this.ops.open('/', FOLDER)));
    }
    let depth = 0;
    while (depth < parts.length && this.#chain[depth + 1]?.name.equals(parts[depth]!)) depth++;
    this.#release(depth + 1);
    for (; depth < parts.length; depth++) {
      const parent = this.#chain[depth]!;
      const part = parts[depth]!;
      const at = joinName(parent.path, part);
      let fd: number | undefined;
      try {
        fd = this.#open(parent, part, make);
      } catch (error) {
        return this.#problem(path, parent, part, at, error);
      }
      if (fd === undefined) return 'missing';
      this.#chain.push(new DestinationFolder(this.ops, at, part, fd));
    }
    return { folder: this.#chain[depth]!, name };
  }

  /** Lets every folder go, fsyncing those with new names. */
  close(): void {
    this.#release(0);
  }

  /** Opens `part` in `parent`, made first where missing when `make` (else undefined). */
  #open(parent: DestinationFolder, part: Buffer, make: boolean): number | undefined {
    try {
      return this.ops.open(parent.reach(part), FOLDER);
    } catch (error) {
      if (fsErrorCode(error) !== 'ENOENT') throw error;
      if (!make) return undefined;
    }
    try {
      this.ops.mkdir(parent.reach(part), 0o777);
      parent.changed = true;
    } catch (error) {
      if (fsErrorCode(error) !== 'EEXIST') throw error; // made meanwhile: opened as any other
    }
    return this.ops.open(parent.reach(part), FOLDER);
  }

  #problem(
    path: FsPath,
    parent: DestinationFolder,
    part: Buffer,
    at: FsPath,
    error: unknown,
  ): SnapshotProblem {
    const code = fsErrorCode(error);
    if (code !== 'ENOTDIR' && code !== 'ELOOP') return problemFrom(path, error);
    let link = false;
    try {
      link = this.ops.lstat(parent.reach(part)).isSymbolicLink();
    } catch {
      // gone meanwhile: said as not a folder
    }
    return link
      ? { path, code: 'SYMLINK', message: `${displayPath(at)} on its path is a symbolic link (not followed)` }
      : { path, code: 'NOT_DIRECTORY', message: `${displayPath(at)} on its path is not a folder` };
  }

  /** Closes the folders below the first `keep`, deepest first, fsyncing those with new names. */
  #release(keep: number): void {
    while (this.#chain.length > keep) {
      const folder = this.#chain.pop()!;
      try {
        if (folder.changed) this.ops.fsync(folder.fd);
      } catch (error) {
        this.problems.push(problemFrom(folder.path, error));
      } finally {
        this.ops.close(folder.fd);
      }
    }
  }
}

const DOT = Buffer.from('.');
const DOT_DOT = Buffer.from('..');
