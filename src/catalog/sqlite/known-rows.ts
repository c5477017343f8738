import { outermostFolders } from '../../model/paths.js';
import { halvesOf } from '../../model/records.js';
import { joinChunks } from '../known-rows.js';
import type { KnownRows } from '../store.js';
import type { SqliteDatabase } from './driver.js';

// Rows are read in chunks, each chunk as ONE result row of aggregates: all its paths in one BLOB, each column as
// one JSON array. better-sqlite3 makes a JS array, a Buffer and a string per value of a plain SELECT, at about
// 4 µs a row; this costs a fraction of that (JSON.parse is native). Each 64-bit integer comes as two halves (high
// signed, low unsigned), exact in a double, that go straight into the column's 32-bit view: no BigInt.
const CHUNK = 1 << 18;
const HALVES = (column: string) =>
  `json_group_array(${column} >> 32), json_group_array(${column} & 4294967295)`;
// The subquery's ORDER BY (needed by its LIMIT) feeds the aggregates in path order; all of them see the rows in
// the same order, so the columns line up.
const SELECT = `SELECT count(*), max(path), CAST(group_concat(path, '') AS BLOB), json_group_array(length(path)),
  json_group_array(id), ${HALVES('dev')}, ${HALVES('ino')}, json_group_array(size), ${HALVES('mtime_ns')},
  ${HALVES('ctime_ns')}, json_group_array(hash_alg), json_group_array(head_hash), json_group_array(tail_hash),
  json_group_array(full_hash), json_group_array(type)
  FROM (SELECT * FROM files WHERE gone_at IS NULL AND path >= ? AND path < ? ORDER BY path LIMIT ?)`;

type Chunk = [count: number, last: Buffer | null, paths: Buffer | null, ...json: string[]];

/** The rows not gone at or under `roots`, in columns, in path byte order (see CatalogStore.knownRows). */
/** `chunk`: rows per query (tests make it small). */
export function readKnownRows(db: SqliteDatabase, roots: readonly string[], chunk = CHUNK): KnownRows {
  const chunks = [...knownRowChunks(db, roots, chunk)];
  return joinChunks(chunks);
}

/**
 * The same rows a chunk at a time, in path byte order (see CatalogStore.knownRowChunks); by default in smaller
 * chunks than `readKnownRows`, so that less is held at once.
 */
export function* knownRowChunks(
  db: SqliteDatabase,
  roots: readonly string[],
  chunk = CHUNK / 4,
): Generator<KnownRows> {
  const select = db.prepare(SELECT).safeIntegers(false).raw();
  for (const [from, to] of ranges(roots)) {
    let next = from;
    for (;;) {
      const rows = select.get(next, to, chunk) as Chunk;
      if (rows[0] > 0) yield toColumns(rows);
      if (rows[0] < chunk) break;
      // The smallest path after the chunk's last: the last followed by a NUL byte (no path holds one).
      next = Buffer.concat([rows[1]!, ZERO]);
    }
  }
}

const ZERO = Buffer.from([0]);

function toColumns(chunk: Chunk): KnownRows {
  const count = chunk[0];
  const [lengths, id, devHigh, devLow, inoHigh, inoLow, size, mtimeHigh, mtimeLow, ctimeHigh, ctimeLow] =
    chunk.slice(3, 14).map((json) => JSON.parse(json as string) as number[]);
  const hashes = chunk.slice(14).map((json) => JSON.parse(json as string) as (string | null)[]);
  const pathStart = new Uint32Array(count + 1);
  let at = 0;
  for (let i = 0; i < count; i++) pathStart[i + 1] = at += lengths![i]!;
  const known: KnownRows = {
    count,
    paths: new Uint8Array(chunk[2]!),
    pathStart,
    dev: new BigUint64Array(count),
    ino: new BigUint64Array(count),
    size: Float64Array.from(size!),
    mtimeNs: new BigInt64Array(count),
    ctimeNs: new BigInt64Array(count),
    id: Float64Array.from(id!),
    algorithm: hashes[0]!,
    head: hashes[1]!,
    tail: hashes[2]!,
    full: hashes[3]!,
    type: hashes[4]!,
  };
  interleave(halvesOf(known.dev), devHigh!, devLow!);
  interleave(halvesOf(known.ino), inoHigh!, inoLow!);
  interleave(halvesOf(known.mtimeNs), mtimeHigh!, mtimeLow!);
  interleave(halvesOf(known.ctimeNs), ctimeHigh!, ctimeLow!);
  return known;
}

/** Fills a 64-bit column's halves (low first); a negative high half goes in as its two's complement. */
function interleave(halves: Uint32Array, high: number[], low: number[]): void {
  for (let i = 0; i < low.length; i++) {
    halves[2 * i] = low[i]!;
    halves[2 * i + 1] = high[i]!;
  }
}

/**
 * The path ranges `[from, to)` that hold the roots and what lies under them, disjoint and in byte order, so that
 * their rows, read one range after another, come out sorted and each once. A root inside another is dropped; a
 * trailing slash is not part of a root. A root's own path is `[base, base + NUL)`, what lies under it
 * `[base/, base0)` ('0' follows '/'); paths hold no NUL.
 */
function ranges(roots: readonly string[]): [Buffer, Buffer][] {
  const outer = outermostFolders(roots.map((r) => Buffer.from(r.endsWith('/') ? r.slice(0, -1) : r)));
  return outer
    .flatMap((b): [Buffer, Buffer][] => [
      [b, Buffer.concat([b, Buffer.from([0])])],
      [Buffer.concat([b, Buffer.from('/')]), Buffer.concat([b, Buffer.from('0')])],
    ])
    .sort((x, y) => Buffer.compare(x[0], y[0]));
}
