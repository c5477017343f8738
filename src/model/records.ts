/**
 * File records in columns: what the walk hands over and what the catalog writer takes, across threads, without
 * an object per file. Path `i` is the bytes `paths[pathStart[i]] .. paths[pathStart[i + 1]]`; device, inode and
 * the times are exact 64-bit integers (read them as two 32-bit halves in hot loops: no BigInt is made). Every
 * column's buffer is its own, so a batch moves to another thread by transfer (see `transferables`).
 * This module imports nothing: every folder may use it.
 */
export interface FileRecords {
  count: number;
  paths: Uint8Array;
  /** `count + 1` offsets into `paths`. */
  pathStart: Uint32Array;
  dev: BigUint64Array;
  ino: BigUint64Array;
  size: Float64Array;
  mtimeNs: BigInt64Array;
  ctimeNs: BigInt64Array;
}

/**
 * What the walk found: records, and for each the index of the root it was found under (command-line order) and
 * its count of hard links (a file with one link and no followed link on the way is reached by one path only).
 */
export interface WalkedFiles extends FileRecords {
  root: Uint32Array;
  links: Uint32Array;
}

/** The fields of a stat that a record keeps (a `BigIntStats` has them all). */
export interface RecordStat {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  nlink: bigint;
}

/** Builds a batch of walked files, growing its columns by doubling; `finish` hands them over and starts anew. */
export class WalkedFilesBuilder {
  #count = 0;
  #capacity: number;
  #bytes = 0;
  #paths: Uint8Array;
  #pathStart: Uint32Array;
  #dev: BigUint64Array;
  #ino: BigUint64Array;
  #size: Float64Array;
  #mtimeNs: BigInt64Array;
  #ctimeNs: BigInt64Array;
  #root: Uint32Array;
  #links: Uint32Array;

  constructor(capacity = 1024) {
    this.#capacity = Math.max(1, capacity);
    this.#paths = new Uint8Array(this.#capacity * 64);
    this.#pathStart = new Uint32Array(this.#capacity + 1);
    this.#dev = new BigUint64Array(this.#capacity);
    this.#ino = new BigUint64Array(this.#capacity);
    this.#size = new Float64Array(this.#capacity);
    this.#mtimeNs = new BigInt64Array(this.#capacity);
    this.#ctimeNs = new BigInt64Array(this.#capacity);
    this.#root = new Uint32Array(this.#capacity);
    this.#links = new Uint32Array(this.#capacity);
  }

  get count(): number {
    return this.#count;
  }

  /** Adds one file: its path as bytes (a folder's bytes, then optionally a slash and a name). */
  add(folder: Uint8Array, name: Uint8Array | undefined, st: RecordStat, root: number): void {
    if (this.#count === this.#capacity) this.#grow();
    const length = folder.length + (name === undefined ? 0 : name.length + 1);
    if (this.#bytes + length > this.#paths.length) {
      const paths = new Uint8Array(Math.max(this.#paths.length * 2, this.#bytes + length));
      paths.set(this.#paths.subarray(0, this.#bytes));
      this.#paths = paths;
    }
    this.#paths.set(folder, this.#bytes);
    let end = this.#bytes + folder.length;
    if (name !== undefined) {
      if (folder.length === 0 || folder[folder.length - 1] !== 0x2f) this.#paths[end++] = 0x2f;
      this.#paths.set(name, end);
      end += name.length;
    }
    const i = this.#count++;
    this.#bytes = end;
    this.#pathStart[i + 1] = end;
    this.#dev[i] = st.dev;
    this.#ino[i] = st.ino;
    this.#size[i] = Number(st.size);
    this.#mtimeNs[i] = st.mtimeNs;
    this.#ctimeNs[i] = st.ctimeNs;
    this.#root[i] = root;
    this.#links[i] = Number(st.nlink);
  }

  /** The batch so far, in columns of exactly its length (copies: each has a buffer of its own); then empty. */
  finish(): WalkedFiles {
    const n = this.#count;
    const files: WalkedFiles = {
      count: n,
      paths: this.#paths.slice(0, this.#bytes),
      pathStart: this.#pathStart.slice(0, n + 1),
      dev: this.#dev.slice(0, n),
      ino: this.#ino.slice(0, n),
      size: this.#size.slice(0, n),
      mtimeNs: this.#mtimeNs.slice(0, n),
      ctimeNs: this.#ctimeNs.slice(0, n),
      root: this.#root.slice(0, n),
      links: this.#links.slice(0, n),
    };
    this.#count = 0;
    this.#bytes = 0;
    return files;
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    const grown = <T extends { length: number; set(a: T): void }>(
      old: T,
      make: (n: number) => T,
      n: number,
    ): T => {
      const next = make(n);
      next.set(old);
      return next;
    };
    this.#pathStart = grown(this.#pathStart, (n) => new Uint32Array(n), capacity + 1);
    this.#dev = grown(this.#dev, (n) => new BigUint64Array(n), capacity);
    this.#ino = grown(this.#ino, (n) => new BigUint64Array(n), capacity);
    this.#size = grown(this.#size, (n) => new Float64Array(n), capacity);
    this.#mtimeNs = grown(this.#mtimeNs, (n) => new BigInt64Array(n), capacity);
    this.#ctimeNs = grown(this.#ctimeNs, (n) => new BigInt64Array(n), capacity);
    this.#root = grown(this.#root, (n) => new Uint32Array(n), capacity);
    this.#links = grown(this.#links, (n) => new Uint32Array(n), capacity);
    this.#capacity = capacity;
  }
}

/** The buffers of a batch, to move it to another thread instead of copying it. */
export function transferables(files: FileRecords): ArrayBuffer[] {
  const columns = [
    files.paths,
    files.pathStart,
    files.dev,
    files.ino,
    files.size,
    files.mtimeNs,
    files.ctimeNs,
  ];
  if ('root' in files) columns.push((files as WalkedFiles).root, (files as WalkedFiles).links);
  return columns.map((c) => c.buffer as ArrayBuffer);
}

const TWO_32 = 4294967296;

/**
 * A 64-bit column's value as a number, without making a BigInt: exact below 2^53, which device and inode
 * numbers are in practice; `undefined` above it (the caller then uses the BigInt).
 */
export function exactNumber(halves: Uint32Array, i: number): number | undefined {
  const high = halves[2 * i + 1]!;
  return high < 0x200000 ? high * TWO_32 + halves[2 * i]! : undefined;
}

/** The 32-bit halves of a 64-bit column (little-endian: low half first), for {@link exactNumber} and compares. */
export function halvesOf(column: BigUint64Array | BigInt64Array): Uint32Array {
  return new Uint32Array(column.buffer, column.byteOffset, column.length * 2);
}
