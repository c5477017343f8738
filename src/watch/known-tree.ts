import type { FSWatcher } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a file stands: `settling-new` and `settling-changed` wait for their size and mtime to hold still (the
 * second when the path held a reported file before), `reported` was announced, `partial` has a download's
 * temporary name and waits for its rename.
 */
export type FileState = 'settling-new' | 'settling-changed' | 'reported' | 'partial';

/** A folder of the watched tree: its files and subfolders by name, and its fs.watch while it has one. */
export class KnownFolder {
  readonly files = new Map<string, KnownFile>();
  readonly folders = new Map<string, KnownFolder>();
  watcher: FSWatcher | undefined = undefined;
  /** Left the tree (removed, renamed, replaced): events still queued for it are dropped. */
  gone = false;

  constructor(
    readonly parent: KnownFolder | undefined,
    readonly name: string,
    readonly path: string,
    readonly dev: number,
    readonly ino: number,
  ) {}

  child(name: string, dev: number, ino: number): KnownFolder {
    const folder = new KnownFolder(this, name, join(this.path, name), dev, ino);
    this.folders.set(name, folder);
    return folder;
  }
}

/** What the watcher keeps per file, and no more: its folder, its name, what tells a change or a rename. */
export class KnownFile {
  constructor(
    public folder: KnownFolder,
    public name: string,
    public dev: number,
    public ino: number,
    public size: number,
    public mtimeMs: number,
    public state: FileState,
  ) {}

  get path(): string {
    return join(this.folder.path, this.name);
  }

  /** Whether `stat` shows this very inode with the size and mtime last seen. */
  sameAs(stat: { dev: number; ino: number; size: number; mtimeMs: number }): boolean {
    return (
      stat.dev === this.dev &&
      stat.ino === this.ino &&
      stat.size === this.size &&
      stat.mtimeMs === this.mtimeMs
    );
  }

  /** Takes the size and mtime (and inode) of `stat` as the ones to compare the next look with. */
  update(stat: { dev: number; ino: number; size: number; mtimeMs: number }): void {
    this.dev = stat.dev;
    this.ino = stat.ino;
    this.size = stat.size;
    this.mtimeMs = stat.mtimeMs;
  }
}

/** The key a file that disappeared is found again by, when it reappears under another name. */
export function inodeKey(stat: { dev: number; ino: number }): string {
  return `${stat.dev}:${stat.ino}`;
}
