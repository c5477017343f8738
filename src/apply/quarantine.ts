import { constants } from 'node:fs';
import { join } from 'node:path';
import { displayPath, joinName, parentOf, type FsPath } from '../scan/paths.js';
import { describeErrno, errnoOf, type FileOps } from './file-ops.js';

/** Thrown when a file has no writable quarantine folder on its file system: apply stops before acting. */
export class NoQuarantineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoQuarantineError';
  }
}

/** The nearest folder at or above `path` that exists, and its device. */
function nearestExisting(ops: FileOps, path: FsPath): { path: FsPath; dev: bigint } {
  let at = path;
  for (;;) {
    try {
      return { path: at, dev: ops.lstat(at).dev };
    } catch (error) {
      const parent = parentOf(at);
      if (errnoOf(error) !== 'ENOENT' || parent.toString() === at.toString()) throw error;
      at = parent;
    }
  }
}

/** The highest folder above `path` still on device `dev`: the mount point of the file's file system. */
function mountTop(ops: FileOps, path: FsPath, dev: bigint): FsPath {
  let top = parentOf(path);
  for (;;) {
    const parent = parentOf(top);
    if (parent.toString() === top.toString()) return top;
    try {
      if (ops.lstat(parent).dev !== dev) return top;
    } catch {
      return top;
    }
    top = parent;
  }
}

/**
 * Finds, per file system, the folder quarantined files are renamed into: a rename never copies, so it must be
 * on the file's own file system. Tried in order: `--quarantine DIR`, the data folder's `quarantine/`, and
 * `.nodupe-quarantine/` at the top of the file's file system. The first on the right device that can be
 * created and written wins; `create: false` (dry runs) only checks that the nearest existing folder is writable.
 */
export class QuarantineRoots {
  readonly #ops: FileOps;
  readonly #candidates: FsPath[];
  readonly #preferred: string | undefined;
  readonly #create: boolean;
  readonly #byDevice = new Map<bigint, FsPath>();

  constructor(ops: FileOps, options: { dataDir: string; preferred?: string; create: boolean }) {
    this.#ops = ops;
    this.#create = options.create;
    this.#preferred = options.preferred;
    this.#candidates = [join(options.dataDir, 'quarantine')];
  }

  /** The quarantine folder for a file on device `dev`; throws NoQuarantineError when there is none. */
  rootFor(path: FsPath, dev: bigint): FsPath {
    const known = this.#byDevice.get(dev);
    if (known !== undefined) return known;
    // A folder the user named is the only one used: never silently replaced by another.
    if (this.#preferred !== undefined) {
      const reason = this.#usable(this.#preferred, dev);
      if (reason !== undefined) {
        throw new NoQuarantineError(
          `--quarantine ${this.#preferred} cannot take ${displayPath(path)}: ${reason === 'another file system' ? 'it is on another file system (a quarantine is a rename)' : reason}`,
        );
      }
      this.#byDevice.set(dev, this.#preferred);
      return this.#preferred;
    }
    const tried: string[] = [];
    const candidates = [
      ...this.#candidates,
      joinName(mountTop(this.#ops, path, dev), Buffer.from('.nodupe-quarantine')),
    ];
    for (const candidate of candidates) {
      const reason = this.#usable(candidate, dev);
      if (reason === undefined) {
        this.#byDevice.set(dev, candidate);
        return candidate;
      }
      tried.push(`${displayPath(candidate)} (${reason})`);
    }
    throw new NoQuarantineError(
      `no writable quarantine folder on the file system of ${displayPath(path)}; tried ${tried.join(', ')}. ` +
        'Pass --quarantine DIR with a writable folder on that file system.',
    );
  }

  #usable(candidate: FsPath, dev: bigint): string | undefined {
    try {
      const existing = nearestExisting(this.#ops, candidate);
      if (existing.dev !== dev) return 'another file system';
      if (!this.#create) {
        this.#ops.access(existing.path, constants.W_OK);
        return undefined;
      }
      this.#ops.mkdirp(candidate);
      this.#ops.access(candidate, constants.W_OK);
      return this.#ops.lstat(candidate).dev === dev ? undefined : 'another file system';
    } catch (error) {
      return describeErrno(error);
    }
  }
}
