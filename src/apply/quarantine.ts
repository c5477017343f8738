import { constants } from 'node:fs';
import { isAbortError } from '../core/errors.js';
import { describeErrno, errnoOf, lstatIfPresent, type FileOps, type Stat } from '../fs/file-ops.js';
import { displayPath, joinName, nameOf, parentOf, pathKey, type FsPath } from '../model/paths.js';
import { othersMayChange, STICKY, untrustedAncestor, WRITABLE_BY_OTHERS } from '../fs/trust.js';

/** Thrown when a file has no trusted quarantine folder on its file system: apply stops before acting. */
export class NoQuarantineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoQuarantineError';
  }
}

/** `path` itself, or the nearest folder above it that exists, and its stat. */
export function nearestExisting(ops: FileOps, path: FsPath): { path: FsPath; st: Stat } {
  let at = path;
  for (;;) {
    try {
      return { path: at, st: ops.lstat(at) };
    } catch (error) {
      const parent = parentOf(at);
      if (errnoOf(error) !== 'ENOENT' || pathKey(parent) === pathKey(at)) throw error;
      at = parent;
    }
  }
}

/** The highest folder above `path` still on device `dev`: the mount point of the file's file system. */
function mountTop(ops: FileOps, path: FsPath, dev: bigint): FsPath {
  let top = parentOf(path);
  for (;;) {
    const parent = parentOf(top);
    if (pathKey(parent) === pathKey(top)) return top;
    try {
      if (ops.lstat(parent).dev !== dev) return top;
    } catch {
      return top;
    }
    top = parent;
  }
}

/**
 * Finds, per file system, the folder quarantined files are renamed into, and makes the folders below it. A
 * rename never copies, so it must be on the file's own file system. Tried in order: `--quarantine DIR` (then the
 * only one), the data folder's `quarantine/`, and `.nodupe-quarantine/` at the top of the file's file system.
 *
 * A quarantine folder holds the only copy of what it holds, so it is trusted only when no one else can reach
 * into it: it is a real folder (not a symlink), owned by the user running nodupe, writable by no one else, and
 * every folder above it is owned by that user or root and writable by no one else unless sticky (as /tmp is:
 * there no one can rename another's folder away). A shared sticky folder (mode 1777) is not used itself: a
 * private subfolder named after the user's id is. Folders are made one at a time (mkdir, 0700), never through
 * a symlink, and each is checked as it is reached.
 */
export class QuarantineRoots {
  readonly #ops: FileOps;
  readonly #candidates: FsPath[];
  readonly #preferred: string | undefined;
  readonly #create: boolean;
  readonly #uid: number;
  readonly #byDevice = new Map<bigint, FsPath>();
  /** Trusted roots, as keys, for makeFolder. */
  readonly #roots = new Map<string, FsPath>();
  /** Folders below them made (or found made by this run and checked), as keys. */
  readonly #made = new Set<string>();

  constructor(ops: FileOps, options: { dataDir: string; preferred?: string; create: boolean; uid?: number }) {
    this.#ops = ops;
    this.#create = options.create;
    this.#preferred = options.preferred;
    this.#uid = options.uid ?? process.geteuid?.() ?? 0;
    this.#candidates = [joinName(options.dataDir, Buffer.from('quarantine'))];
  }

  /** The quarantine folder for a file on device `dev`; throws NoQuarantineError when there is none. */
  rootFor(path: FsPath, dev: bigint): FsPath {
    const known = this.#byDevice.get(dev);
    if (known !== undefined) return known;
    // A folder the user named is the only one used: never silently replaced by another.
    if (this.#preferred !== undefined) {
      const found = this.#usable(this.#preferred, dev, false);
      if (typeof found !== 'string') return this.#remember(dev, found.root);
      const why =
        found === 'another file system' ? 'it is on another file system (a quarantine is a rename)' : found;
      throw new NoQuarantineError(`--quarantine ${this.#preferred} cannot take ${displayPath(path)}: ${why}`);
    }
    const tried: string[] = [];
    const top = mountTop(this.#ops, path, dev);
    const atTop = this.#atTop(top);
    const candidates = [
      ...this.#candidates.map((candidate) => ({ path: candidate, shared: false })),
      ...atTop,
    ];
    for (const candidate of candidates) {
      const found = this.#usable(candidate.path, dev, candidate.shared);
      if (typeof found !== 'string') return this.#remember(dev, found.root);
      tried.push(`${displayPath(candidate.path)} (${found})`);
    }
    throw new NoQuarantineError(
      `no trusted, writable quarantine folder on the file system of ${displayPath(path)}; tried ${tried.join(', ')}. ` +
        this.#advice(top, atTop, path, dev),
    );
  }

  /** What the user can do when no quarantine folder is usable: whom to ask, and which --quarantine to pass. */
  #advice(top: FsPath, atTop: readonly { path: FsPath }[], path: FsPath, dev: bigint): string {
    const pass =
      'Pass --quarantine DIR with a folder of yours on that file system that no one else can write to';
    try {
      const mine = this.#ownFolderBelow(top, path, dev);
      return (
        this.#takenByOthers(atTop.map((c) => c.path)) +
        pass +
        (mine === undefined
          ? '.'
          : ` (such as ${displayPath(joinName(mine, Buffer.from('.nodupe-quarantine')))}, made private if missing).`)
      );
    } catch {
      return `${pass}.`; // what stands there cannot be looked at: the plain advice
    }
  }

  /**
   * On a shared top (mode 1777), the quarantine names another user took first, which only they or root can
   * remove: said, so that the user knows why and whom to ask.
   */
  #takenByOthers(names: readonly FsPath[]): string {
    const theirs: string[] = [];
    for (const name of names) {
      const st = lstatIfPresent(this.#ops, name);
      if (st !== undefined && Number(st.uid) !== this.#uid && st.uid !== 0n) {
        theirs.push(`${displayPath(name)} (uid ${st.uid})`);
      }
    }
    if (theirs.length === 0) return '';
    return `Another user made ${theirs.join(' and ')} first: only they or root can remove ${theirs.length > 1 ? 'them' : 'it'}. `;
  }

  /**
   * The highest folder above `path`, below the file system's top, that is the user's own and that no one else
   * can replace (every folder above it trusted): where a quarantine of the user's own can go. Undefined if none.
   */
  #ownFolderBelow(top: FsPath, path: FsPath, dev: bigint): FsPath | undefined {
    let found: FsPath | undefined;
    for (let at = parentOf(path); pathKey(at) !== pathKey(top) && pathKey(parentOf(at)) !== pathKey(at);) {
      const st = lstatIfPresent(this.#ops, at);
      if (st === undefined || st.dev !== dev || this.#distrust(st) !== undefined) break;
      found = at;
      at = parentOf(at);
    }
    if (found === undefined) return undefined;
    return this.#distrustAncestors(parentOf(found)) === undefined ? found : undefined;
  }

  /**
   * Makes a folder below a trusted root, and the missing ones between: each made private, and each that is
   * there already must be a real folder of the user's that no one else can write to. Returns the folders it
   * made. Without `create` (a dry run) it makes none: it checks those that are there, down to the first missing
   * one (those below it would be made, private).
   */
  makeFolder(dir: FsPath): FsPath[] {
    // The folders still to make (or to check), deepest first, up to a trusted root or a folder made already.
    const missing: FsPath[] = [];
    let at = dir;
    while (!this.#made.has(pathKey(at))) {
      if (this.#roots.has(pathKey(at))) break;
      const parent = parentOf(at);
      if (pathKey(parent) === pathKey(at)) {
        throw new NoQuarantineError(`${displayPath(dir)} is outside every quarantine folder`);
      }
      const name = nameOf(at).toString('latin1');
      if (name === '' || name === '.' || name === '..') {
        throw new NoQuarantineError(`${displayPath(dir)} is not a plain path below the quarantine folder`);
      }
      missing.push(at);
      at = parent;
    }
    const made: FsPath[] = [];
    for (const folder of missing.reverse()) {
      const there = this.#create ? !this.#mkdir(folder) : lstatIfPresent(this.#ops, folder) !== undefined;
      if (there) {
        const problem = this.#distrust(this.#ops.lstat(folder));
        if (problem !== undefined) throw new NoQuarantineError(`${displayPath(folder)} ${problem}`);
      } else if (this.#create) made.push(folder);
      else return made; // a dry run: this one and those below would be made, private
      this.#made.add(pathKey(folder));
    }
    return made;
  }

  /** Makes one private folder: true when made, false when something is there already (EEXIST). */
  #mkdir(folder: FsPath): boolean {
    try {
      this.#ops.mkdir(folder, 0o700);
      return true;
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw error;
      return false;
    }
  }

  /**
   * Takes `--to DIR` of a move as a trusted folder as well (made private where missing): a real folder of the
   * user's or root's, writable by no one else unless sticky, every folder above it safe. Throws otherwise.
   */
  trustMoveDestination(to: string): void {
    if (this.#roots.has(pathKey(to))) return;
    const refuse = (why: string) => {
      throw new NoQuarantineError(`--to ${to} cannot receive moved files: ${why}`);
    };
    try {
      const above = this.#distrustAncestors(nearestExisting(this.#ops, parentOf(to)).path);
      if (above !== undefined) refuse(above);
      if (this.#create) {
        this.#ops.mkdirp(parentOf(to));
        try {
          this.#ops.mkdir(to, 0o700);
        } catch (error) {
          if (errnoOf(error) !== 'EEXIST') throw error;
        }
      }
      const st = lstatIfPresent(this.#ops, to);
      if (st === undefined) {
        // A dry run: it would be made, private, where the nearest folder there lets nodupe make it.
        this.#ops.access(nearestExisting(this.#ops, to).path, constants.W_OK);
        this.#roots.set(pathKey(to), to);
        return;
      }
      if (st.isSymbolicLink() || !st.isDirectory()) refuse('it is not a folder (or it is a symbolic link)');
      const problem = othersMayChange(st, this.#uid, { rootOk: true, stickyOk: true });
      if (problem !== undefined) refuse(`it ${problem}`);
    } catch (error) {
      if (error instanceof NoQuarantineError || isAbortError(error)) throw error;
      refuse(describeErrno(error));
    }
    this.#roots.set(pathKey(to), to);
  }

  #remember(dev: bigint, root: FsPath): FsPath {
    this.#byDevice.set(dev, root);
    this.#roots.set(pathKey(root), root);
    return root;
  }

  /**
   * The quarantine folders at the top of a file system. In a shared sticky one (mode 1777, as /tmp),
   * `.nodupe-quarantine` is a shared folder that only root makes (mode 1777, owned by root, a private `user-UID`
   * in it for each user: no user's folder there can shut out the others), and a user for whom it is not there
   * (or not usable) gets a private `.nodupe-quarantine-UID` of their own beside it. Elsewhere `.nodupe-quarantine`
   * is the user's own, private.
   */
  #atTop(top: FsPath): { path: FsPath; shared: boolean }[] {
    const named = joinName(top, Buffer.from('.nodupe-quarantine'));
    const st = lstatIfPresent(this.#ops, top);
    const mode = Number(st?.mode ?? 0);
    if (!st?.isDirectory() || (mode & STICKY) === 0 || (mode & WRITABLE_BY_OTHERS) === 0) {
      return [{ path: named, shared: false }];
    }
    const own = { path: joinName(top, Buffer.from(`.nodupe-quarantine-${this.#uid}`)), shared: false };
    return this.#uid === 0 ? [{ path: named, shared: true }] : [{ path: named, shared: true }, own];
  }

  /**
   * The root to use for `candidate` (itself, or its private subfolder), or why it cannot be used. `shared`: a
   * folder for every user (see `#atTop`), made only by root.
   */
  #usable(candidate: FsPath, dev: bigint, shared: boolean): { root: FsPath } | string {
    try {
      const existing = nearestExisting(this.#ops, candidate);
      if (existing.st.dev !== dev) return 'another file system';
      const above = this.#distrustAncestors(
        pathKey(existing.path) === pathKey(candidate) ? parentOf(candidate) : existing.path,
      );
      if (above !== undefined) return above;
      if (pathKey(existing.path) !== pathKey(candidate)) {
        if (shared && this.#uid !== 0) {
          return `not there; only root makes it, shared by every user: mkdir -m 1777 ${displayPath(candidate)}`;
        }
        if (!this.#create) {
          // A dry run: it would be made (private, or shared with the user's private folder in it), where the
          // nearest folder there lets nodupe make it.
          this.#ops.access(existing.path, constants.W_OK);
          return { root: shared ? joinName(candidate, Buffer.from(`user-${this.#uid}`)) : candidate };
        }
        // Only the candidate's parents may be made the ordinary way; the candidate is made private (or shared).
        this.#ops.mkdirp(parentOf(candidate));
        const parentProblem = this.#distrustAncestors(parentOf(candidate));
        if (parentProblem !== undefined) return parentProblem;
        try {
          this.#ops.mkdir(candidate, shared ? 0o1777 : 0o700);
          if (shared) this.#ops.chmod(candidate, 0o1777); // whatever the umask took
        } catch (error) {
          if (errnoOf(error) !== 'EEXIST') throw error;
        }
      }
      let root = candidate;
      let st = this.#ops.lstat(candidate);
      if (st.isDirectory() && (Number(st.mode) & STICKY) !== 0 && !st.isSymbolicLink()) {
        // A shared folder: the user's own private subfolder in it. Only in one of root's or the user's own, whose
        // owner cannot take the subfolder away.
        if (Number(st.uid) !== this.#uid && st.uid !== 0n) {
          return `${displayPath(candidate)} is a shared folder of another user (uid ${st.uid})`;
        }
        root = joinName(candidate, Buffer.from(`user-${this.#uid}`));
        if (!this.#create && lstatIfPresent(this.#ops, root) === undefined) {
          this.#ops.access(candidate, constants.W_OK); // a dry run: it would be made, private
          return { root };
        }
        try {
          this.#ops.mkdir(root, 0o700);
        } catch (error) {
          if (errnoOf(error) !== 'EEXIST') throw error;
        }
        st = this.#ops.lstat(root);
      }
      const problem = this.#distrust(st);
      if (problem !== undefined) return `${displayPath(root)} ${problem}`;
      if (st.dev !== dev) return 'another file system';
      this.#ops.access(root, constants.W_OK);
      return { root };
    } catch (error) {
      if (isAbortError(error)) throw error;
      return describeErrno(error);
    }
  }

  /** Why a folder of the quarantine cannot be trusted (the user's own, not root's), or undefined when it can. */
  #distrust(st: Stat): string | undefined {
    if (st.isSymbolicLink()) return 'is a symbolic link';
    if (!st.isDirectory()) return 'is not a folder';
    return othersMayChange(st, this.#uid, { rootOk: false, stickyOk: false });
  }

  /** Why the folders from `dir` up to `/` let someone else replace what is below them, or undefined. */
  #distrustAncestors(dir: FsPath): string | undefined {
    return untrustedAncestor(this.#ops, dir, this.#uid, 'the quarantine');
  }
}
