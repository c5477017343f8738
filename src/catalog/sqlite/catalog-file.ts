import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { placeNew, removeStaleTemporaries } from '../../fs/durable.js';
import { nodeFileOps } from '../../fs/file-ops.js';

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

/**
 * What keeps a catalog from being opened or made at `location`, judged before anything is touched, or
 * undefined. A folder is never a catalog. With `needsFolder` (a catalog the user named, made if missing), a
 * catalog not made yet needs its folder to exist: a mistyped path must not make folders.
 */
export function catalogPlaceProblem(location: string, options: { needsFolder: boolean }): string | undefined {
  const kind = kindAt(location);
  if (kind === 'folder') {
    return `the catalog ${location} is a folder: name a catalog file, such as ${join(location, 'catalog.db')}`;
  }
  if (kind !== 'missing' || !options.needsFolder) return undefined;
  const folder = dirname(location);
  const folderKind = kindAt(folder);
  if (folderKind === 'folder') return undefined;
  return `cannot make the catalog ${location}: ${
    folderKind === 'missing'
      ? `its folder ${folder} does not exist (make it first, with mkdir -p, or name a catalog in a folder that exists)`
      : `${folder} is not a folder`
  }`;
}

function kindAt(path: string): 'folder' | 'missing' | 'other' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Anything else (a folder that cannot be searched) is reported when the catalog is opened.
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'other';
  }
}

/**
 * What is wrong with the catalog file at `location`, judged without SQLite from its size, its 100-byte header
 * and the frame headers of its write-ahead log (cheap for any size of catalog), or undefined when it looks whole.
 * Nothing is written.
 *
 * A catalog whose file lacks pages (it was cut short) that its write-ahead log (`-wal`) does not hold either is
 * truncated: SQLite would read the missing pages as zeros, and a journal in them would look empty. The log holds
 * the pages written since the last checkpoint (and all of them while a checkpoint is under way).
 */
export function catalogFileProblem(location: string): string | undefined {
  const fd = openSync(location, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return 'is not a regular file';
    if (st.size === 0) return 'is empty (0 bytes)';
    const header = Buffer.alloc(HEADER_BYTES);
    const read = readSync(fd, header, 0, HEADER_BYTES, 0);
    if (read < MAGIC.length || !header.subarray(0, MAGIC.length).equals(MAGIC)) {
      return 'is not a database (it does not start with the SQLite header)';
    }
    if (read < HEADER_BYTES) return `is truncated (corrupt): ${st.size} bytes, shorter than an SQLite header`;
    const rawPageSize = header.readUInt16BE(16);
    const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
      return `is corrupt: its SQLite header gives an impossible page size (${rawPageSize})`;
    }
    const recorded = header.readUInt32BE(28);
    // The recorded page count is valid when its "version valid for" matches the change counter (SQLite 3.7+).
    const countValid = recorded > 0 && header.readUInt32BE(92) === header.readUInt32BE(24);
    const wal = readWal(`${location}-wal`, pageSize);
    const pages = wal?.pages ?? (countValid ? recorded : undefined);
    if (pages === undefined) {
      return st.size % pageSize === 0
        ? undefined
        : `is truncated (corrupt): ${st.size} bytes is not a whole number of ${pageSize}-byte pages`;
    }
    for (let page = Math.floor(st.size / pageSize) + 1; page <= pages; page++) {
      if (wal?.holds.has(page)) continue;
      return wal === undefined
        ? `is truncated (corrupt): its header records ${pages} pages of ${pageSize} bytes (${pages * pageSize} bytes), the file has ${st.size}`
        : `is truncated (corrupt): it holds ${pages} pages of ${pageSize} bytes, and page ${page} is neither in the file (${st.size} bytes) nor in its write-ahead log`;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/**
 * The committed content of a write-ahead log: the page count of its last commit and the pages its frames hold.
 * Undefined when there is no log, or none that SQLite would read (another page size, no commit yet). Frames
 * whose salts differ from the log's header are left over from before the log was restarted: SQLite ignores them.
 */
function readWal(path: string, pageSize: number): { pages: number; holds: Set<number> } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const header = Buffer.alloc(WAL_HEADER);
    if (readSync(fd, header, 0, WAL_HEADER, 0) < WAL_HEADER) return undefined;
    if ((header.readUInt32BE(0) & ~1) !== 0x377f0682 || header.readUInt32BE(8) !== pageSize) return undefined;
    const size = fstatSync(fd).size;
    const frame = Buffer.alloc(FRAME_HEADER);
    const holds = new Set<number>();
    const pending: number[] = [];
    let pages: number | undefined;
    for (let at = WAL_HEADER; at + FRAME_HEADER + pageSize <= size; at += FRAME_HEADER + pageSize) {
      if (readSync(fd, frame, 0, FRAME_HEADER, at) < FRAME_HEADER) break;
      if (!frame.subarray(8, 16).equals(header.subarray(16, 24))) break;
      pending.push(frame.readUInt32BE(0));
      const commit = frame.readUInt32BE(4);
      if (commit > 0) {
        // A commit frame: it and the frames before it count; frames after the last commit do not.
        for (const page of pending) holds.add(page);
        pending.length = 0;
        pages = commit;
      }
    }
    return pages === undefined ? undefined : { pages, holds };
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes a new catalog file at `location` whole or not at all (see placeNew): a catalog another process made in
 * the meantime is kept, and a crash leaves no half-made catalog where nodupe would later find it. Returns false
 * when a file already exists at `location`; then only the temporary files a killed nodupe left beside it go.
 */
export function createCatalogFile(location: string, init: (temporary: string) => void): boolean {
  if (existsSync(location)) {
    removeStaleTemporaries(nodeFileOps, location);
    return false;
  }
  return placeNew(nodeFileOps, location, init, ['-wal', '-shm']);
}
