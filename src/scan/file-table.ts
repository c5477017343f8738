import type { CatalogRows, KnownRows } from '../catalog/store.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import type { HashBatch } from '../hash/hash-batch.js';
import type { HashRange } from '../hash/task.js';
import { comparePaths, fromBytes, type FsPath } from '../model/paths.js';
import { exactNumber, halvesOf, type WalkedFiles } from '../model/records.js';
import { PathIndex } from './path-index.js';

/** Where a path's bytes are: in the arena of the walk batch that brought it. */
interface PathRef {
  batch: number;
  start: number;
  end: number;
  /** On a rescan: its catalog row is new or changed, so it is written even when the file's hashes are not. */
  dirty: boolean;
}

const FRESH = 1; // hashed by this scan: every path's row gets the hashes
const CHANGED = 2; // changed while read: written without hashes, in no group
const FAILED = 4; // could not be read: in no group
const DIRTY = 8; // the first path's row is new or changed (rescans)
const SINGLE = 16; // one link, one root, no followed link: no second path expected (a bind mount may bring one)
const SETTLED = 32; // its hashes are final and its rows are on their way to the catalog

export interface TableOptions {
  /** The catalog's rows under the roots (a rescan), or undefined (a first scan). */
  known: KnownRows | undefined;
  algorithm: HashAlgorithm;
  /**
   * A file with one link may still be reached by more than one path (several roots, followed links): none is
   * taken to have a single path (see `isSingle`).
   */
  everyFileShared: boolean;
}

/**
 * The scan's files, in columns: one entry per physical file (device and inode), a few dozen bytes each plus its
 * path bytes, which stay in the walk batches' arenas. As the walk hands files over, hard links collapse into one
 * entry (through an open-addressing table of device and inode), each path is matched with the catalog (through
 * a hash table of the catalog's path bytes: unchanged files keep their hashes), and files are bucketed by size,
 * so a file becomes a candidate, and may be read, the moment a second file of its size turns up.
 * Ids are entry numbers, which the grouping and the hashing pass around instead of objects.
 */
export class FileTable {
  count = 0;
  readonly head: (string | undefined)[] = [];
  readonly tail: (string | undefined)[] = [];
  readonly full: (string | undefined)[] = [];
  /** Each file's type from its first bytes, when they were read (now, or by the scan that stored its hashes). */
  readonly type: (string | undefined)[] = [];
  /** Files whose hashes came from the catalog. */
  reused = 0;

  #capacity = 0;
  #dev = new BigUint64Array(0);
  #ino = new BigUint64Array(0);
  #size = new Float64Array(0);
  #mtimeNs = new BigInt64Array(0);
  #ctimeNs = new BigInt64Array(0);
  /** The same four columns as 32-bit halves: compared and copied without a BigInt. */
  #devH: Uint32Array = new Uint32Array(0);
  #inoH: Uint32Array = new Uint32Array(0);
  #mtimeH: Uint32Array = new Uint32Array(0);
  #ctimeH: Uint32Array = new Uint32Array(0);
  #root = new Uint32Array(0);
  #device = new Uint16Array(0);
  #pathBatch = new Uint32Array(0);
  #pathStart = new Uint32Array(0);
  #pathEnd = new Uint32Array(0);
  #flags = new Uint8Array(0);
  readonly #arenas: Uint8Array[] = [];
  /** Paths after the first (hard links), for the few files that have them. */
  readonly #extra = new Map<number, PathRef[]>();
  /** Device numbers by their index in `#device` (at most 65,535 devices a scan). */
  readonly #devices = new Map<number | bigint, number>();
  #lastDevice: { key: number | bigint | undefined; index: number } = { key: undefined, index: 0 };
  /** Entry per slot, -1 when empty: the inode table. */
  #slots = new Int32Array(1024).fill(-1);
  #used = 0;
  /** A size seen once maps to its entry; a size seen twice or more maps to -1 (its files are candidates). */
  readonly #bySize = new Map<number, number>();
  readonly #known: KnownRows | undefined;
  /** The known rows' device, inode and times as 32-bit halves. */
  readonly #knownH:
    { dev: Uint32Array; ino: Uint32Array; mtime: Uint32Array; ctime: Uint32Array } | undefined;
  readonly #index: PathIndex | undefined;
  readonly #matched: Uint8Array;
  readonly #algorithm: HashAlgorithm;
  readonly #everyFileShared: boolean;

  constructor(options: TableOptions) {
    this.#known = options.known && options.known.count > 0 ? options.known : undefined;
    this.#index = this.#known && new PathIndex(this.#known);
    const k = this.#known;
    this.#knownH = k && {
      dev: halvesOf(k.dev),
      ino: halvesOf(k.ino),
      mtime: halvesOf(k.mtimeNs),
      ctime: halvesOf(k.ctimeNs),
    };
    this.#matched = new Uint8Array(this.#known?.count ?? 0);
    this.#algorithm = options.algorithm;
    this.#everyFileShared = options.everyFileShared;
    this.#grow(1024);
  }

  get firstScan(): boolean {
    return this.#known === undefined;
  }

  /** Takes in a batch of walked files; `onCandidate` hears of each file the moment it becomes a candidate. */
  add(batch: WalkedFiles, onCandidate: (id: number) => void): void {
    const b = this.#arenas.push(batch.paths) - 1;
    const dev = halvesOf(batch.dev);
    const ino = halvesOf(batch.ino);
    const mtime = halvesOf(batch.mtimeNs);
    const ctime = halvesOf(batch.ctimeNs);
    const known = this.#known;
    const kh = this.#knownH;
    for (let i = 0; i < batch.count; i++) {
      const start = batch.pathStart[i]!;
      const end = batch.pathStart[i + 1]!;
      const device = this.#deviceIndex(batch.dev, dev, i);
      // Every file goes through the inode table, one link or not: a file bind-mounted at a second path has one
      // link and two paths, and must not be reported as a copy of itself.
      const shared = this.#everyFileShared || batch.links[i]! > 1;
      const existing = this.#findInode(device, ino[2 * i]!, ino[2 * i + 1]!);
      if (existing !== -1 && this.#hasPath(existing, batch.paths, start, end)) continue; // reached twice

      let row = -1;
      let unchanged = false;
      if (known) {
        row = this.#index!.find(batch.paths, start, end);
        if (row !== -1) {
          this.#matched[row] = 1;
          unchanged =
            same(kh!.dev, row, dev, i) &&
            same(kh!.ino, row, ino, i) &&
            known.size[row] === batch.size[i] &&
            same(kh!.mtime, row, mtime, i) &&
            same(kh!.ctime, row, ctime, i);
        }
      }

      if (existing !== -1) {
        // Another path to a file already known: a hard link (or a file reached through two roots).
        const ref = { batch: b, start, end, dirty: !unchanged && known !== undefined };
        const extra = this.#extra.get(existing);
        if (extra) extra.push(ref);
        else this.#extra.set(existing, [ref]);
        this.#root[existing] = Math.min(this.#root[existing]!, batch.root[i]!);
        if (unchanged) this.#takeHashes(existing, row);
        // Its rows may have gone out already, as a file of one path (a bind mount made a second): it is
        // settled again, and then every path's row is written.
        this.#flags[existing]! &= ~(SETTLED | SINGLE);
        continue;
      }

      const id = this.count;
      if (id === this.#capacity) this.#grow(this.#capacity * 2);
      this.count++;
      copy(this.#devH, id, dev, i);
      copy(this.#inoH, id, ino, i);
      copy(this.#mtimeH, id, mtime, i);
      copy(this.#ctimeH, id, ctime, i);
      const size = batch.size[i]!;
      this.#size[id] = size;
      this.#root[id] = batch.root[i]!;
      this.#device[id] = device;
      this.#pathBatch[id] = b;
      this.#pathStart[id] = start;
      this.#pathEnd[id] = end;
      this.#flags[id] = (unchanged || known === undefined ? 0 : DIRTY) | (shared ? 0 : SINGLE);
      this.head.push(undefined);
      this.tail.push(undefined);
      this.full.push(undefined);
      this.type.push(undefined);
      this.#addInode(id);
      if (unchanged) this.#takeHashes(id, row);

      if (size === 0) continue;
      const first = this.#bySize.get(size);
      if (first === undefined) this.#bySize.set(size, id);
      else if (first === -1) onCandidate(id);
      else {
        this.#bySize.set(size, -1);
        onCandidate(first);
        onCandidate(id);
      }
    }
  }

  size(id: number): number {
    return this.#size[id]!;
  }

  /** The sizes of the files walked, each once (empty files left out). */
  sizes(): IterableIterator<number> {
    return this.#bySize.keys();
  }

  /** Adds the file to a hashing batch: its first path's bytes, size and mtime, copied into the batch's columns. */
  addToBatch(id: number, batch: HashBatch): void {
    const arena = this.#arenas[this.#pathBatch[id]!]!;
    batch.addFrom(arena, this.#pathStart[id]!, this.#pathEnd[id]!, this.#size[id]!, this.#mtimeH, id);
  }

  /** The path to show and to read: after `finishPaths`, the first of the file's paths in path order. */
  pathOf(id: number): FsPath {
    return fromBytes(this.#arenas[this.#pathBatch[id]!]!.subarray(this.#pathStart[id], this.#pathEnd[id]));
  }

  /** Every path of the file, the first one first. */
  paths(id: number): FsPath[] {
    const paths = [this.pathOf(id)];
    for (const ref of this.#extra.get(id) ?? []) paths.push(this.#refPath(ref));
    return paths;
  }

  root(id: number): number {
    return this.#root[id]!;
  }

  identity(id: number): { dev: bigint; ino: bigint; size: number; mtimeNs: bigint; ctimeNs: bigint } {
    return {
      dev: this.#dev[id]!,
      ino: this.#ino[id]!,
      size: this.#size[id]!,
      mtimeNs: this.#mtimeNs[id]!,
      ctimeNs: this.#ctimeNs[id]!,
    };
  }

  hash(id: number, range: HashRange): string | undefined {
    return this[range][id];
  }

  setHash(id: number, range: HashRange, hash: string): void {
    this[range][id] = hash;
    this.#flags[id]! |= FRESH;
  }

  setType(id: number, type: string): void {
    this.type[id] = type;
  }

  markChanged(id: number): void {
    this.#flags[id]! |= CHANGED;
  }

  markFailed(id: number): void {
    this.#flags[id]! |= FAILED;
  }

  /** A file no other path can reach (see `SINGLE`): its rows may be written before the walk ends. */
  isSingle(id: number): boolean {
    return (this.#flags[id]! & SINGLE) !== 0;
  }

  /**
   * Marks the file settled (its hashes final, its rows to be written); false when it already was, so that each
   * file's rows are written once.
   */
  settle(id: number): boolean {
    if (this.#flags[id]! & SETTLED) return false;
    this.#flags[id]! |= SETTLED;
    return true;
  }

  isChanged(id: number): boolean {
    return (this.#flags[id]! & CHANGED) !== 0;
  }

  /** Could not be read, or changed while read: out of every group. */
  isOut(id: number): boolean {
    return (this.#flags[id]! & (CHANGED | FAILED)) !== 0;
  }

  /** Puts each file's paths in order, so the first (the one shown and read) does not depend on the walk. */
  finishPaths(): void {
    for (const [id, extra] of this.#extra) {
      const first: PathRef = {
        batch: this.#pathBatch[id]!,
        start: this.#pathStart[id]!,
        end: this.#pathEnd[id]!,
        dirty: (this.#flags[id]! & DIRTY) !== 0,
      };
      const all = [first, ...extra]
        .map((ref) => ({ ref, path: this.#refPath(ref) }))
        .sort((a, b) => comparePaths(a.path, b.path))
        .map((x) => x.ref);
      const head = all[0]!;
      this.#pathBatch[id] = head.batch;
      this.#pathStart[id] = head.start;
      this.#pathEnd[id] = head.end;
      this.#flags[id] = (this.#flags[id]! & ~DIRTY) | (head.dirty ? DIRTY : 0);
      this.#extra.set(id, all.slice(1));
    }
  }

  /**
   * The catalog rows to write for these files: every path of a file hashed now or changed, and on a rescan
   * otherwise only the paths whose rows are new or changed. Hashes go with every row of a file that has some.
   */
  rowsOf(ids: readonly number[]): CatalogRows {
    // Which paths: the first path of a file as its entry number, a further path as its PathRef.
    const picked: (number | PathRef)[] = [];
    const owners: number[] = [];
    let bytes = 0;
    for (const id of ids) {
      const flags = this.#flags[id]!;
      const all = this.firstScan || (flags & (FRESH | CHANGED)) !== 0;
      if (all || flags & DIRTY) {
        picked.push(id);
        owners.push(id);
        bytes += this.#pathEnd[id]! - this.#pathStart[id]!;
      }
      const extra = this.#extra.size > 0 ? this.#extra.get(id) : undefined;
      for (const ref of extra ?? []) {
        if (!all && !ref.dirty) continue;
        picked.push(ref);
        owners.push(id);
        bytes += ref.end - ref.start;
      }
    }
    const n = picked.length;
    const rows: CatalogRows = {
      count: n,
      paths: new Uint8Array(bytes),
      pathStart: new Uint32Array(n + 1),
      dev: new BigUint64Array(n),
      ino: new BigUint64Array(n),
      size: new Float64Array(n),
      mtimeNs: new BigInt64Array(n),
      ctimeNs: new BigInt64Array(n),
      algorithm: this.#algorithm,
      head: [],
      tail: [],
      full: [],
      type: [],
    };
    const to = {
      dev: halvesOf(rows.dev),
      ino: halvesOf(rows.ino),
      mtime: halvesOf(rows.mtimeNs),
      ctime: halvesOf(rows.ctimeNs),
    };
    const out = rows.paths;
    let at = 0;
    for (let r = 0; r < n; r++) {
      const pick = picked[r]!;
      const id = owners[r]!;
      const arena = this.#arenas[typeof pick === 'number' ? this.#pathBatch[id]! : pick.batch]!;
      const start = typeof pick === 'number' ? this.#pathStart[id]! : pick.start;
      const end = typeof pick === 'number' ? this.#pathEnd[id]! : pick.end;
      for (let k = start; k < end; k++) out[at++] = arena[k]!;
      rows.pathStart[r + 1] = at;
      copy(to.dev, r, this.#devH, id);
      copy(to.ino, r, this.#inoH, id);
      copy(to.mtime, r, this.#mtimeH, id);
      copy(to.ctime, r, this.#ctimeH, id);
      rows.size[r] = this.#size[id]!;
      const hashed =
        (this.#flags[id]! & CHANGED) === 0 && (this.head[id] !== undefined || this.full[id] !== undefined);
      rows.head.push(hashed ? (this.head[id] ?? null) : null);
      rows.tail.push(hashed ? (this.tail[id] ?? null) : null);
      rows.full.push(hashed ? (this.full[id] ?? null) : null);
      rows.type!.push(hashed ? (this.type[id] ?? null) : null);
    }
    return rows;
  }

  /** The catalog rows under the roots that no walked path matched: gone, or only filtered out this time. */
  unmatchedRows(): { id: number; path: FsPath }[] {
    const known = this.#known;
    if (!known) return [];
    const rows: { id: number; path: FsPath }[] = [];
    for (let r = 0; r < known.count; r++) {
      if (this.#matched[r]) continue;
      rows.push({
        id: known.id[r]!,
        path: fromBytes(known.paths.subarray(known.pathStart[r], known.pathStart[r + 1])),
      });
    }
    return rows;
  }

  #takeHashes(id: number, row: number): void {
    const known = this.#known!;
    if (this.head[id] !== undefined || this.full[id] !== undefined) return;
    if (known.algorithm[row] !== this.#algorithm) return;
    this.head[id] = known.head[row] ?? undefined;
    this.tail[id] = known.tail[row] ?? undefined;
    this.full[id] = known.full[row] ?? undefined;
    this.type[id] = known.type[row] ?? undefined;
    this.reused++;
  }

  #refPath(ref: PathRef): FsPath {
    return fromBytes(this.#arenas[ref.batch]!.subarray(ref.start, ref.end));
  }

  #hasPath(id: number, bytes: Uint8Array, start: number, end: number): boolean {
    const same = (arena: Uint8Array, from: number, to: number): boolean => {
      if (to - from !== end - start) return false;
      for (let k = 0; k < to - from; k++) if (arena[from + k] !== bytes[start + k]) return false;
      return true;
    };
    if (same(this.#arenas[this.#pathBatch[id]!]!, this.#pathStart[id]!, this.#pathEnd[id]!)) return true;
    return (this.#extra.get(id) ?? []).some((ref) => same(this.#arenas[ref.batch]!, ref.start, ref.end));
  }

  #deviceIndex(column: BigUint64Array, halves: Uint32Array, i: number): number {
    const key = exactNumber(halves, i) ?? column[i]!;
    // Nearly every file is on the device of the one before: no Map lookup then.
    if (key === this.#lastDevice.key) return this.#lastDevice.index;
    let index = this.#devices.get(key);
    if (index === undefined) {
      index = this.#devices.size;
      if (index > 0xffff) throw new RangeError('a scan spans more than 65,535 devices');
      this.#devices.set(key, index);
    }
    this.#lastDevice = { key, index };
    return index;
  }

  #findInode(device: number, low: number, high: number): number {
    const mask = this.#slots.length - 1;
    const ino = this.#inoH;
    for (let slot = inodeHash(device, low, high) & mask; ; slot = (slot + 1) & mask) {
      const id = this.#slots[slot]!;
      if (id === -1) return -1;
      if (this.#device[id] === device && ino[2 * id] === low && ino[2 * id + 1] === high) return id;
    }
  }

  #addInode(id: number): void {
    if ((this.#used + 1) * 2 > this.#slots.length) {
      const old = this.#slots;
      this.#slots = new Int32Array(old.length * 2).fill(-1);
      for (const e of old) if (e !== -1) this.#place(e);
    }
    this.#place(id);
    this.#used++;
  }

  #place(id: number): void {
    const mask = this.#slots.length - 1;
    const ino = this.#inoH;
    let slot = inodeHash(this.#device[id]!, ino[2 * id]!, ino[2 * id + 1]!) & mask;
    while (this.#slots[slot] !== -1) slot = (slot + 1) & mask;
    this.#slots[slot] = id;
  }

  #grow(capacity: number): void {
    const grown = <T extends { set(a: T): void }>(old: T, fresh: T): T => {
      fresh.set(old);
      return fresh;
    };
    this.#dev = grown(this.#dev, new BigUint64Array(capacity));
    this.#ino = grown(this.#ino, new BigUint64Array(capacity));
    this.#size = grown(this.#size, new Float64Array(capacity));
    this.#mtimeNs = grown(this.#mtimeNs, new BigInt64Array(capacity));
    this.#ctimeNs = grown(this.#ctimeNs, new BigInt64Array(capacity));
    this.#root = grown(this.#root, new Uint32Array(capacity));
    this.#device = grown(this.#device, new Uint16Array(capacity));
    this.#pathBatch = grown(this.#pathBatch, new Uint32Array(capacity));
    this.#pathStart = grown(this.#pathStart, new Uint32Array(capacity));
    this.#pathEnd = grown(this.#pathEnd, new Uint32Array(capacity));
    this.#flags = grown(this.#flags, new Uint8Array(capacity));
    this.#devH = halvesOf(this.#dev);
    this.#inoH = halvesOf(this.#ino);
    this.#mtimeH = halvesOf(this.#mtimeNs);
    this.#ctimeH = halvesOf(this.#ctimeNs);
    this.#capacity = capacity;
  }
}

function inodeHash(device: number, low: number, high: number): number {
  return (Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) ^ Math.imul(device + 1, 0xc2b2ae35)) >>> 0;
}

/** Whether 64-bit value `r` of one column equals value `i` of another, both as 32-bit halves. */
function same(a: Uint32Array, r: number, b: Uint32Array, i: number): boolean {
  return a[2 * r] === b[2 * i] && a[2 * r + 1] === b[2 * i + 1];
}

/** Copies 64-bit value `from` of one column to `to` of another, both as 32-bit halves. */
function copy(into: Uint32Array, to: number, from: Uint32Array, at: number): void {
  into[2 * to] = from[2 * at]!;
  into[2 * to + 1] = from[2 * at + 1]!;
}
