import type { KnownFile } from '../catalog/store.js';
import { identityString } from '../model/identity.js';
import type { Candidate } from '../dupes/candidates.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import { pathKey, type FsPath } from '../model/paths.js';
import type { PhysicalFile } from './scan.js';
import type { WalkedFile } from './walk.js';

/** A physical file on its way through a scan: one object a file, since a large tree has millions. */
export interface Tracked extends PhysicalFile, Candidate {
  readonly id: number;
  readonly size: number;
  /** Hashes were computed by this run (so every path's row gets them). */
  fresh: boolean;
  /** Changed while read: written without hashes, left out of every group. */
  changed: boolean;
  /** Could not be read: left out of every group. */
  failed: boolean;
  /** On a rescan, paths whose catalog rows are new or changed (absent: all rows are as the catalog has them). */
  dirty: FsPath[] | undefined;
}

/**
 * What a scan learns from the walk, file by file, as the walk goes: hard links collapse into one physical file,
 * each path is matched with the catalog (unchanged ones keep their hashes), and files are sorted by size, so
 * that a file becomes a candidate, and may be read, the moment a second file of its size turns up.
 */
export class FileIndex {
  readonly tracked: Tracked[] = [];
  /** Catalog rows seen again unchanged. */
  readonly unchangedIds: number[] = [];
  reused = 0;
  /** Device, then inode: BigInt keys compare by value, so no key strings are made. */
  readonly #byInode = new Map<bigint, Map<bigint, Tracked>>();
  /** One BigInt per device, shared by all its files. */
  readonly #devices = new Map<bigint, bigint>();
  /** A size seen once maps to its file; a size seen twice or more maps to `true` (its files are candidates). */
  readonly #bySize = new Map<number, Tracked | true>();
  readonly #known: Map<string, KnownFile>;
  readonly #firstScan: boolean;
  readonly #algorithm: HashAlgorithm;

  /**
   * `known` is the catalog's rows under the roots. The index takes rows out of it as their paths are seen, so
   * that it shrinks as the walk goes, and what is left at the end is what the walk did not find.
   */
  constructor(known: Map<string, KnownFile>, algorithm: HashAlgorithm) {
    this.#known = known;
    this.#firstScan = known.size === 0;
    this.#algorithm = algorithm;
  }

  /** Takes in one walked path; returns the physical files that just became candidates (none, one or two). */
  add(w: WalkedFile): Tracked[] {
    const key = pathKey(w.path);
    const row = this.#firstScan ? undefined : this.#known.get(key);
    if (row) this.#known.delete(key);
    const unchanged = row !== undefined && row.identity === identityString(w);
    if (unchanged) this.unchangedIds.push(row.id);

    let inodes = this.#byInode.get(w.dev);
    if (!inodes) {
      inodes = new Map();
      this.#byInode.set(w.dev, inodes);
      this.#devices.set(w.dev, w.dev);
    }
    const existing = inodes.get(w.ino);
    if (existing) {
      // Another path to a file already known: a hard link, or the same path reached twice.
      if (!existing.paths.some((p) => pathKey(p) === key)) {
        existing.paths.push(w.path);
        if (!unchanged && !this.#firstScan) (existing.dirty ??= []).push(w.path);
      }
      existing.root = Math.min(existing.root, w.root);
      this.#takeHashes(existing, unchanged ? row : undefined);
      return [];
    }
    const t: Tracked = {
      id: this.tracked.length,
      paths: [w.path],
      root: w.root,
      dev: this.#devices.get(w.dev)!,
      ino: w.ino,
      size: w.size,
      mtimeNs: w.mtimeNs,
      ctimeNs: w.ctimeNs,
      head: undefined,
      tail: undefined,
      full: undefined,
      fresh: false,
      changed: false,
      failed: false,
      dirty: unchanged || this.#firstScan ? undefined : [w.path],
    };
    this.#takeHashes(t, unchanged ? row : undefined);
    inodes.set(w.ino, t);
    this.tracked.push(t);

    if (w.size === 0) return [];
    const bucket = this.#bySize.get(w.size);
    if (bucket === undefined) {
      this.#bySize.set(w.size, t);
      return [];
    }
    if (bucket === true) return [t];
    this.#bySize.set(w.size, true);
    return [bucket, t];
  }

  /** The paths of `t` whose catalog rows must be written: all when it was hashed or changed, else the new ones. */
  pathsToWrite(t: Tracked): FsPath[] {
    return this.#firstScan || t.fresh || t.changed ? t.paths : (t.dirty ?? []);
  }

  #takeHashes(t: Tracked, row: KnownFile | undefined): void {
    if (!row || t.head !== undefined || t.full !== undefined) return;
    const hashes = row.hashes;
    if (hashes?.algorithm !== this.#algorithm) return;
    t.head = hashes.head;
    t.tail = hashes.tail;
    t.full = hashes.full;
    this.reused++;
  }
}
