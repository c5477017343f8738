// A deterministic test corpus for the duplicate finder: same seed, same tree, byte for byte.
//
// It holds unique files, copies of them (about `redundancy` of all paths), same-size near misses that differ
// from a file only in the first, the last or one middle byte, hard links to duplicated and to unique files,
// empty files, symbolic links to files and folders, and nested folders. Unique files of the same size are
// common (sizes come from a limited set) and differ at a random place, so every stage of the pipeline works.
//
//   node bench/corpus.mjs OUT [--files 20000] [--bytes 5e9] [--seed 1] [--small | --flat]
//
// --small makes many small files (100 B to 4 KiB) in the same kind of tree. --flat makes the scale tree: files of
// 1 B to 2 KiB, about 30 % of them copies, 100 to a folder (see generateFlatCorpus). Prints a JSON line describing
// the tree. Before writing, the free space and inodes are checked; a short disk is refused with what is needed.
import {
  linkSync,
  mkdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
  readFileSync,
  statfsSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** mulberry32: a small seeded PRNG, good enough to shape a corpus. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POOL = 64 << 20;

function makePool(seed, bytes = POOL) {
  const words = new Uint32Array(bytes / 4);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer);
}

/**
 * Writes the corpus under `root` (replacing what is there) and returns what it made.
 * @param {string} root
 * @param {{ files?: number, bytes?: number, seed?: number, small?: boolean, redundancy?: number }} [options]
 */
export function generateCorpus(root, options = {}) {
  const files = options.files ?? 20_000;
  const small = options.small ?? false;
  const totalBytes = options.bytes ?? (small ? files * 1500 : 5e9);
  const redundancy = options.redundancy ?? 0.3;
  const seed = options.seed ?? 1;
  const rand = prng(seed);
  const pool = makePool(seed);
  const int = (n) => Math.floor(rand() * n);

  const dirCount = Math.max(4, Math.floor(files / 40));
  checkSpace(root, totalBytes + files * 4096, files + dirCount);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });

  // Folders: a random tree, up to six levels deep.
  const dirs = [''];
  for (let i = 1; i < dirCount; i++) {
    const parent = dirs[int(dirs.length)];
    const depth = parent === '' ? 0 : parent.split('/').length;
    const dir = depth >= 6 ? `d${i}` : parent === '' ? `d${i}` : `${parent}/d${i}`;
    dirs.push(dir);
    mkdirSync(join(root, dir), { recursive: true });
  }

  // Sizes from a limited set, log-uniform, scaled so the unique content adds up to about the byte budget.
  const minSize = small ? 100 : 1024;
  const maxSize = small ? 4096 : 32 << 20;
  const sizeSet = Array.from({ length: Math.max(8, Math.floor(files / 12)) }, () =>
    Math.round(minSize * Math.pow(maxSize / minSize, Math.pow(rand(), small ? 1 : 2.2))),
  );
  const meanSize = sizeSet.reduce((a, b) => a + b, 0) / sizeSet.length;
  const scale = small ? 1 : Math.min(4, totalBytes / (files * meanSize));
  const sizes = sizeSet.map((s) => Math.max(minSize, Math.min(maxSize, Math.round(s * scale))));

  /** A content: a slice of the pool at `offset`, with the 8-byte id of the content written at `idAt`. */
  const contents = [];
  const render = (c) => {
    const buf = Buffer.allocUnsafe(c.size);
    pool.copy(buf, 0, c.offset, c.offset + c.size);
    const id = Buffer.alloc(8);
    id.writeUInt32LE(c.id, 0);
    id.writeUInt32LE(seed, 4);
    id.copy(buf, c.idAt, 0, Math.min(8, c.size - c.idAt));
    if (c.flip !== undefined) buf[c.flip] ^= 0xff;
    return buf;
  };
  const newContent = (size) => {
    const c = { id: contents.length, size, offset: int(POOL - size), idAt: int(Math.max(1, size - 8)) };
    contents.push(c);
    return c;
  };

  const paths = [];
  const stats = {
    paths: 0,
    unique: 0,
    copies: 0,
    nearMisses: 0,
    hardLinks: 0,
    empty: 0,
    symlinks: 0,
    bytes: 0,
  };
  let written = 0;
  for (let i = 0; written < files; i++) {
    const dir = dirs[int(dirs.length)];
    const path = join(root, dir, `f${i}${['.jpg', '.txt', '.bin', '', '.mp4'][int(5)]}`);
    const roll = rand();
    const existing = paths.length > 0 ? paths[int(paths.length)] : undefined;
    if (roll < redundancy && existing?.content) {
      writeFileSync(path, render(existing.content));
      paths.push({ path, content: existing.content });
      stats.copies++;
      stats.bytes += existing.content.size;
    } else if (roll < redundancy + 0.03 && existing?.content && existing.content.size > 2) {
      const base = existing.content;
      const flip = [0, base.size - 1, Math.floor(base.size / 2)][int(3)];
      const c = { ...base, flip };
      writeFileSync(path, render(c));
      paths.push({ path, content: c });
      stats.nearMisses++;
      stats.bytes += base.size;
    } else if (roll < redundancy + 0.045 && existing?.content) {
      linkSync(existing.path, path);
      paths.push({ path, content: existing.content });
      stats.hardLinks++;
    } else if (roll < redundancy + 0.055) {
      writeFileSync(path, '');
      stats.empty++;
    } else if (roll < redundancy + 0.065 && existing) {
      symlinkSync(rand() < 0.5 ? existing.path : join(root, dirs[int(dirs.length)]), path);
      stats.symlinks++;
    } else {
      const c = newContent(sizes[int(sizes.length)]);
      writeFileSync(path, render(c));
      paths.push({ path, content: c });
      stats.unique++;
      stats.bytes += c.size;
    }
    written++;
  }
  stats.paths = written;
  const description = { root, files, seed, small, dirs: dirs.length, ...stats };
  writeFileSync(join(root, '.corpus.json'), JSON.stringify(description));
  return description;
}

const FLAT_PER_FOLDER = 100;
const FLAT_MAX_SIZE = 2048;

/**
 * Writes the scale tree under `root` (replacing what is there): `files` files of 1 B to 2 KiB (uniform), about
 * `redundancy` of them copies of an earlier file, in folders of 100 files, grouped 100 folders to a parent.
 * Unique files carry their number in their first bytes, so only files of a few bytes collide by chance.
 * Plain synchronous writes: about what the file system takes (one open, write and close a file).
 * @param {string} root
 * @param {{ files?: number, seed?: number, redundancy?: number }} [options]
 */
export function generateFlatCorpus(root, options = {}) {
  const files = options.files ?? 1_000_000;
  const seed = options.seed ?? 1;
  const redundancy = options.redundancy ?? 0.3;
  const rand = prng(seed);
  const int = (n) => Math.floor(rand() * n);
  const leaves = Math.ceil(files / FLAT_PER_FOLDER);
  checkSpace(root, files * 4096 + leaves * 4096 * 1.02, files + leaves * 1.02);
  const started = performance.now();
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });

  const poolBytes = 4 << 20;
  const pool = makePool(seed, poolBytes);
  const offsets = new Uint32Array(files);
  const sizes = new Uint16Array(files);
  const scratch = Buffer.allocUnsafe(FLAT_MAX_SIZE);
  let unique = 0;
  let copies = 0;
  let bytes = 0;
  let dir = root;
  for (let i = 0; i < files; i++) {
    if (i % FLAT_PER_FOLDER === 0) {
      const leaf = i / FLAT_PER_FOLDER;
      dir = join(root, `g${Math.floor(leaf / 100)}`, `d${leaf}`);
      mkdirSync(dir, { recursive: true });
    }
    let k;
    if (unique > 0 && rand() < redundancy) {
      k = int(unique);
      copies++;
    } else {
      k = unique++;
      sizes[k] = 1 + int(FLAT_MAX_SIZE);
      offsets[k] = int(poolBytes - FLAT_MAX_SIZE);
    }
    const size = sizes[k];
    pool.copy(scratch, 0, offsets[k], offsets[k] + size);
    scratch.writeUInt32LE(k, 0);
    writeFileSync(join(dir, `f${i}`), scratch.subarray(0, size));
    bytes += size;
  }
  const description = {
    root,
    kind: 'flat',
    files,
    seed,
    small: false,
    dirs: leaves + Math.ceil(leaves / 100),
    paths: files,
    unique,
    copies,
    bytes,
    generateS: Math.round(performance.now() - started) / 1000,
  };
  writeFileSync(join(root, '.corpus.json'), JSON.stringify(description));
  return description;
}

/** Refuses, before anything is written, when the file system of `root` has too little room or too few inodes. */
function checkSpace(root, bytes, inodes) {
  let at = root;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  const fs = statfsSync(at);
  const freeBytes = fs.bavail * fs.bsize;
  if (freeBytes < bytes * 1.1 || fs.ffree < inodes * 1.1) {
    const gb = (n) => `${(n / 1e9).toFixed(1)} GB`;
    throw new Error(
      `not enough room for the corpus in ${at}: it needs about ${gb(bytes)} and ${Math.ceil(inodes)} inodes, ` +
        `there are ${gb(freeBytes)} and ${fs.ffree} free (set NODUPE_BENCH_DIR to a roomier folder, or lower FILES)`,
    );
  }
}

/**
 * @typedef {{ root: string, kind?: string, files: number, seed: number, small: boolean, dirs: number, paths: number,
 *   unique: number, copies: number, bytes: number, generateS?: number }} CorpusDescription
 */

/**
 * The corpus at `root` if one made with the same options is already there; otherwise makes it.
 * @param {string} root
 * @param {{ files?: number, bytes?: number, seed?: number, small?: boolean, flat?: boolean }} [options]
 * @returns {CorpusDescription & { generated: boolean }}
 */
export function ensureCorpus(root, options = {}) {
  const marker = join(root, '.corpus.json');
  const kind = options.flat ? 'flat' : 'tree';
  if (existsSync(marker)) {
    const found = JSON.parse(readFileSync(marker, 'utf8'));
    const want = { files: options.files ?? 20_000, seed: options.seed ?? 1, small: options.small ?? false };
    if (
      (found.kind ?? 'tree') === kind &&
      found.files === want.files &&
      found.seed === want.seed &&
      found.small === want.small
    ) {
      // The tree may have been moved or renamed since it was made: it is where it was found.
      return { ...found, root, generated: false };
    }
  }
  const made = options.flat ? generateFlatCorpus(root, options) : generateCorpus(root, options);
  return { ...made, generated: true };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, ...rest] = process.argv.slice(2);
  if (!out) {
    process.stderr.write(
      'usage: node bench/corpus.mjs OUT [--files N] [--bytes N] [--seed N] [--small | --flat]\n',
    );
    process.exit(2);
  }
  const opt = (name) => {
    const i = rest.indexOf(name);
    return i >= 0 ? Number(rest[i + 1]) : undefined;
  };
  const description = rest.includes('--flat')
    ? generateFlatCorpus(out, { files: opt('--files'), seed: opt('--seed') })
    : generateCorpus(out, {
        files: opt('--files'),
        bytes: opt('--bytes'),
        seed: opt('--seed'),
        small: rest.includes('--small'),
      });
  process.stdout.write(`${JSON.stringify(description)}\n`);
}
