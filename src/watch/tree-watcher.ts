import { statSync, watch as fsWatch, type Stats } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Timer } from '../core/clock.js';
import { checkNumber, NodupeError } from '../core/errors.js';
import type { KnownFileView, TreeWatchBackend, TreeWatchEvent, TreeWatchOptions } from './events.js';
import { inodeKey, KnownFile, KnownFolder } from './known-tree.js';
import { lookAt, namesIn, subtreeLooks, type Look } from './listing.js';
import { isPartialName } from './partial-names.js';
import { Settler } from './settler.js';

export interface TreeWatch {
  /** fs.watch, or polling after a fallback (or when asked for). */
  readonly backend: TreeWatchBackend;
  /** Lists a subtree again (the root by default) and reports what changed since it was last looked at. */
  rescan(path?: string): void;
  /** The files known now, settled or not. */
  files(): Generator<KnownFileView>;
  /** Stops every watch and timer. */
  close(): void;
}

/**
 * Watches a folder tree, one non-recursive fs.watch per folder, and reports files once they are complete. See
 * {@link TreeWatchEvent} for what it says. The tree is listed at once when watching starts (and so is every
 * folder that appears later, right after its watch is in place), so a file is never missed for being created
 * before its folder's watch existed.
 *
 * @example
 * const tree = watchTree('/home/me/Downloads', { clock: systemClock, onEvent: (e) => console.log(e) });
 * // … later
 * tree.close();
 */
export function watchTree(root: string, options: TreeWatchOptions): TreeWatch {
  return new TreeWatcher(resolve(root), options);
}

const ENOSPC_REASON =
  'the inotify watch limit is reached (fs.inotify.max_user_watches); raise it with ' +
  '`sysctl fs.inotify.max_user_watches=524288` to watch without polling';
const EMFILE_REASON = 'too many open files for fs.watch (EMFILE); raise the limit with `ulimit -n`';

class TreeWatcher implements TreeWatch {
  readonly #options: TreeWatchOptions;
  readonly #root: KnownFolder;
  readonly #settler: Settler;
  readonly #pollMs: number;
  readonly #watchFn: typeof fsWatch;
  #backend: TreeWatchBackend;
  #closed = false;
  /** Names that fs.watch reported, by folder, until the end of the turn ('all': list the folder again). */
  #pending = new Map<KnownFolder, Set<string> | 'all'>();
  #flush: NodeJS.Immediate | undefined;
  #pollTimer: Timer | undefined;
  /** During one pass: files that disappeared, by inode (found again: a rename) and by path. */
  readonly #gone = new Map<string, KnownFile>();
  readonly #gonePaths = new Map<string, KnownFile>();

  constructor(root: string, options: TreeWatchOptions) {
    this.#options = options;
    const settleMs = checkNumber('watchTree settleMs', options.settleMs ?? 2_000, { min: 0 });
    this.#pollMs = checkNumber('watchTree pollIntervalMs', options.pollIntervalMs ?? 5_000, { above: 0 });
    this.#watchFn = options.watch ?? fsWatch;
    this.#settler = new Settler(options.clock, settleMs, (file) => this.#due(file));
    const stat = statSync(root, { throwIfNoEntry: false });
    if (!stat?.isDirectory()) throw new NodupeError('BAD_INPUT', `${root} is not a folder`);
    this.#root = new KnownFolder(undefined, '', root, stat.dev, stat.ino);
    this.#backend = options.poll ? 'polling' : 'fs.watch';
    this.#enter(this.#root, true);
    if (this.#backend === 'polling') this.#schedulePoll();
    let files = 0;
    let folders = 0;
    for (const folder of this.#folders()) {
      folders++;
      files += folder.files.size;
    }
    this.#emit({ type: 'ready', backend: this.#backend, files, folders });
  }

  get backend(): TreeWatchBackend {
    return this.#backend;
  }

  rescan(path: string = this.#root.path): void {
    const folder = this.#folderAt(resolve(path));
    if (folder === undefined || this.#closed) return;
    this.#emit({ type: 'rescan', path: folder.path, reason: 'asked for' });
    this.#pass(subtreeLooks(folder));
  }

  *files(): Generator<KnownFileView> {
    for (const folder of this.#folders()) {
      for (const f of folder.files.values()) {
        yield { path: f.path, dev: f.dev, ino: f.ino, size: f.size, mtimeMs: f.mtimeMs };
      }
    }
  }

  close(): void {
    this.#closed = true;
    for (const folder of this.#folders()) this.#unwatch(folder);
    if (this.#flush !== undefined) clearImmediate(this.#flush);
    this.#flush = undefined;
    this.#pending.clear();
    this.#pollTimer?.cancel();
    this.#pollTimer = undefined;
    this.#settler.close();
  }

  // --- watching -------------------------------------------------------------------------------------------------

  /** Watches a folder, then lists it: what appeared before the watch existed is found by the listing. */
  #enter(folder: KnownFolder, initial: boolean): void {
    this.#watch(folder);
    if (!initial) this.#emit({ type: 'folder-added', path: folder.path });
    for (const name of namesIn(folder.path)) {
      const stat = lookAt(join(folder.path, name));
      if (stat?.isDirectory()) {
        const sub = folder.child(name, stat.dev, stat.ino);
        this.#enter(sub, initial);
      } else if (stat?.isFile()) {
        if (initial) folder.files.set(name, fileOf(folder, name, stat, 'reported'));
        else this.#seeFile(folder, name, stat);
      }
    }
  }

  #watch(folder: KnownFolder): void {
    if (this.#backend !== 'fs.watch' || this.#closed) return;
    try {
      const watcher = this.#watchFn(folder.path, { persistent: true }, (_event, name) =>
        this.#notice(folder, typeof name === 'string' ? name : null),
      );
      watcher.on('error', (error) => this.#watchFailed(folder, error));
      folder.watcher = watcher;
    } catch (error) {
      this.#watchFailed(folder, error);
    }
  }

  #unwatch(folder: KnownFolder): void {
    folder.watcher?.close();
    folder.watcher = undefined;
  }

  #watchFailed(folder: KnownFolder, error: unknown): void {
    if (this.#closed) return;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') return this.#fallBack(ENOSPC_REASON);
    if (code === 'EMFILE' || code === 'ENFILE') return this.#fallBack(EMFILE_REASON);
    this.#unwatch(folder);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') {
      // The folder went away (or out of reach) under its watch: its parent's listing tells what is there now.
      if (folder.parent !== undefined) this.#notice(folder.parent, folder.name);
      return;
    }
    // Anything else: this watch may have missed events; watch again and compare the subtree with what is known.
    this.#emit({ type: 'rescan', path: folder.path, reason: `fs.watch failed: ${(error as Error).message}` });
    this.#watch(folder);
    this.#notice(folder, null);
  }

  #fallBack(reason: string): void {
    if (this.#backend === 'polling') return;
    this.#backend = 'polling';
    for (const folder of this.#folders()) this.#unwatch(folder);
    this.#pending.clear();
    this.#emit({ type: 'fallback', reason, pollIntervalMs: this.#pollMs });
    // The first poll compares the whole tree with what is known, so what changed meanwhile is not missed.
    this.#schedulePoll();
  }

  /** Polling: the whole tree is listed and compared every interval (the one mode with a standing timer). */
  #schedulePoll(): void {
    if (this.#closed || this.#pollTimer !== undefined) return;
    this.#pollTimer = this.#options.clock.setTimer(() => {
      this.#pollTimer = undefined;
      this.#pass(subtreeLooks(this.#root));
      this.#schedulePoll();
    }, this.#pollMs);
  }

  /** A name changed in a folder (null: something did, unnamed): looked at once the turn's events are in. */
  #notice(folder: KnownFolder, name: string | null): void {
    if (this.#closed || folder.gone) return;
    const names = this.#pending.get(folder);
    if (name === null) this.#pending.set(folder, 'all');
    else if (names === undefined) this.#pending.set(folder, new Set([name]));
    else if (names !== 'all') names.add(name);
    this.#flush ??= setImmediate(() => {
      this.#flush = undefined;
      const pending = this.#pending;
      this.#pending = new Map();
      const looks: Look[] = [];
      for (const [f, names] of pending) {
        if (f.gone) continue;
        if (names === 'all') subtreeLooks(f, looks);
        else for (const n of names) looks.push({ folder: f, name: n, stat: lookAt(join(f.path, n)) });
      }
      this.#pass(looks);
    });
  }

  // --- comparing what is there with what was known --------------------------------------------------------------

  /**
   * One pass over the names looked at: first what is gone (kept by inode), then what is there (an inode that
   * went away under one name and is here under another is a rename), then what is gone for good.
   */
  #pass(looks: readonly Look[]): void {
    for (const { folder, name, stat } of looks) {
      if (folder.gone) continue;
      const file = folder.files.get(name);
      if (file !== undefined && !(stat?.isFile() && stat.dev === file.dev && stat.ino === file.ino)) {
        this.#disappear(file);
      }
      const sub = folder.folders.get(name);
      if (sub !== undefined && !(stat?.isDirectory() && stat.dev === sub.dev && stat.ino === sub.ino)) {
        this.#leave(sub);
      }
    }
    for (const { folder, name, stat } of looks) {
      if (folder.gone || stat === undefined) continue;
      if (stat.isFile()) this.#seeFile(folder, name, stat);
      else if (stat.isDirectory() && !folder.folders.has(name)) {
        const sub = folder.child(name, stat.dev, stat.ino);
        this.#enter(sub, false);
      }
    }
    for (const file of this.#gone.values()) {
      this.#settler.stop(file);
      // A reported file is gone, unless another file took its path (that one is reported as a change).
      const replaced = !file.folder.gone && file.folder.files.has(file.name);
      if (file.state === 'reported' && !replaced) this.#emit({ type: 'removed', path: file.path });
    }
    this.#gone.clear();
    this.#gonePaths.clear();
  }

  #disappear(file: KnownFile): void {
    file.folder.files.delete(file.name);
    this.#gone.set(inodeKey(file), file);
    this.#gonePaths.set(file.path, file);
  }

  /** A folder left the tree: its watch ends, its files are gone (unless found again under the new name). */
  #leave(folder: KnownFolder): void {
    folder.gone = true;
    this.#unwatch(folder);
    folder.parent?.folders.delete(folder.name);
    for (const file of [...folder.files.values()]) this.#disappear(file);
    for (const sub of [...folder.folders.values()]) this.#leave(sub);
  }

  /** A regular file is at `folder/name` now. */
  #seeFile(folder: KnownFolder, name: string, stat: Stats): void {
    const known = folder.files.get(name);
    if (known !== undefined) {
      // Settling files are looked at by their timer; a partial download waits for its rename.
      if (known.state !== 'reported' || known.sameAs(stat)) return;
      known.update(stat);
      return this.#startSettling(known, 'settling-changed');
    }
    const path = join(folder.path, name);
    const before = this.#gonePaths.get(path);
    const pathWasReported =
      before !== undefined && (before.state === 'reported' || before.state === 'settling-changed');
    const moved = this.#gone.get(inodeKey(stat));
    if (moved !== undefined) {
      this.#gone.delete(inodeKey(stat));
      const from = moved.path;
      const wasReported = moved.state === 'reported';
      moved.folder = folder;
      moved.name = name;
      folder.files.set(name, moved);
      if (wasReported && moved.sameAs(stat) && !isPartialName(name)) {
        return this.#emit({ type: 'renamed', from, to: path, stat });
      }
      // Changed on the way, or never reported (a `.part` renamed to its final name): the new name settles.
      if (wasReported) this.#emit({ type: 'removed', path: from });
      moved.update(stat);
      if (isPartialName(name)) {
        this.#settler.stop(moved);
        moved.state = 'partial';
        return;
      }
      return this.#startSettling(moved, pathWasReported ? 'settling-changed' : 'settling-new');
    }
    if (isPartialName(name)) {
      folder.files.set(name, fileOf(folder, name, stat, 'partial'));
      return;
    }
    const file = fileOf(folder, name, stat, 'settling-new');
    folder.files.set(name, file);
    this.#startSettling(file, pathWasReported ? 'settling-changed' : 'settling-new');
  }

  #startSettling(file: KnownFile, state: 'settling-new' | 'settling-changed'): void {
    file.state = state;
    this.#emit({ type: 'settling', path: file.path });
    this.#settler.wait(file);
  }

  /** A settling file's window has passed: reported if it held still, else it waits another window. */
  #due(file: KnownFile): void {
    if (this.#closed || file.folder.gone || file.folder.files.get(file.name) !== file) return;
    const stat = lookAt(file.path);
    // Gone or no longer a file: the event (or the next poll) that tells so handles it.
    if (!stat?.isFile()) return;
    if (file.sameAs(stat)) {
      const change = file.state === 'settling-changed' ? 'changed' : 'new';
      file.state = 'reported';
      return this.#emit({ type: 'settled', path: file.path, stat, change });
    }
    file.update(stat);
    this.#settler.wait(file);
  }

  // --- helpers --------------------------------------------------------------------------------------------------

  *#folders(): Generator<KnownFolder> {
    const stack = [this.#root];
    for (let folder = stack.pop(); folder !== undefined; folder = stack.pop()) {
      yield folder;
      stack.push(...folder.folders.values());
    }
  }

  #folderAt(path: string): KnownFolder | undefined {
    const rel = relative(this.#root.path, path);
    if (rel.startsWith('..')) return undefined;
    let folder: KnownFolder | undefined = this.#root;
    for (const part of rel === '' ? [] : rel.split(sep)) folder = folder?.folders.get(part);
    return folder;
  }

  #emit(event: TreeWatchEvent): void {
    if (!this.#closed) this.#options.onEvent(event);
  }
}

function fileOf(folder: KnownFolder, name: string, stat: Stats, state: KnownFile['state']): KnownFile {
  return new KnownFile(folder, name, stat.dev, stat.ino, stat.size, stat.mtimeMs, state);
}
