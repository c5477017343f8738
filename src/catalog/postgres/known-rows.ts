import { joinChunks } from '../known-rows.js';
import type { KnownRows } from '../store.js';
import type { VolumeMap } from '../identity.js';
import { localPath, pathRanges, relBounds, type PathRange } from './path-ranges.js';
import type { SyncPostgres } from './sync-client.js';

/** Rows per query. */
const CHUNK = 1 << 13;

/**
 * A chunk of rows as ONE result: a line per row, tab-separated fields, so that many rows cross from the server
 * through the worker thread as one string instead of an object each (several times faster). A null hash is an
 * empty field. $1 volume, $2 and $3 the path range, $4 the chunk's size, $5 this machine.
 */
const SELECT = `SELECT count(*)::int4 AS n, coalesce(string_agg(concat_ws(E'\\t', id, encode(path, 'hex'),
    (machine = $5)::int4, dev, ino, size, mtime_ns, ctime_ns, coalesce(hash_alg, ''), coalesce(head_hash, ''),
    coalesce(tail_hash, ''), coalesce(full_hash, ''), coalesce(type, '')), E'\\n' ORDER BY path), '') AS rows
  FROM (SELECT * FROM files WHERE volume = $1 AND gone_at IS NULL AND path >= $2 AND path < $3
        ORDER BY path LIMIT $4) AS chunk`;

/** A row's fields, as text: id, path (hex), own (1: this machine wrote it), dev, ino, size, times, hashes, type. */
type TextRow = string[];

/** What reading known rows needs: the connection, this machine, its volumes. */
export interface RowScope {
  db: SyncPostgres;
  machine: string;
  volumes: VolumeMap;
}

/**
 * The rows not gone at or under `roots`, a chunk at a time, by their local paths, in byte order (see
 * CatalogStore.knownRowChunks). A row another machine wrote gets this machine's device number of its volume.
 */
export function* knownRowChunks(
  scope: RowScope,
  roots: readonly string[],
  chunk = CHUNK,
): Generator<KnownRows> {
  const ranges = pathRanges(scope.volumes, roots);
  const nested = ranges.some((r) => r.hidden.length > 0);
  if (!nested) {
    for (const range of ranges) {
      for (const part of rangeRows(scope, range, chunk)) yield toColumns(scope, part);
    }
    return;
  }
  // A volume mounted inside another's folder: its rows fall between the other's, so all are sorted together.
  const all: Placed[] = [];
  for (const range of ranges) for (const part of rangeRows(scope, range, chunk)) all.push(...part);
  all.sort((a, b) => Buffer.compare(a.local, b.local));
  if (all.length > 0) yield toColumns(scope, all);
}

interface Placed {
  row: TextRow;
  volume: string;
  local: Buffer;
}

function* rangeRows(scope: RowScope, range: PathRange, chunk: number): Generator<Placed[]> {
  for (const [from, to] of relBounds(range.base)) {
    let next = from;
    for (;;) {
      const [result] = scope.db.query<{ n: number; rows: string }>(SELECT, [
        range.volume,
        next,
        to,
        chunk,
        scope.machine,
      ]);
      const rows = result!.n === 0 ? [] : result!.rows.split('\n').map((line) => line.split('\t'));
      const placed: Placed[] = [];
      for (const row of rows) {
        const local = localPath(range, Buffer.from(row[1]!, 'hex'));
        if (local !== undefined) placed.push({ row, volume: range.volume, local });
      }
      if (placed.length > 0) yield placed;
      if (rows.length < chunk) break;
      // The smallest path after the chunk's last: the last followed by a NUL byte (no path holds one).
      next = Buffer.concat([Buffer.from(rows[rows.length - 1]![1]!, 'hex'), Buffer.from([0])]);
    }
  }
}

function toColumns(scope: RowScope, rows: Placed[]): KnownRows {
  const count = rows.length;
  const pathStart = new Uint32Array(count + 1);
  let bytes = 0;
  for (let i = 0; i < count; i++) pathStart[i + 1] = bytes += rows[i]!.local.length;
  const known: KnownRows = {
    count,
    paths: new Uint8Array(bytes),
    pathStart,
    dev: new BigUint64Array(count),
    ino: new BigUint64Array(count),
    size: new Float64Array(count),
    mtimeNs: new BigInt64Array(count),
    ctimeNs: new BigInt64Array(count),
    id: new Float64Array(count),
    algorithm: new Array<string | null>(count),
    head: new Array<string | null>(count),
    tail: new Array<string | null>(count),
    full: new Array<string | null>(count),
    type: new Array<string | null>(count),
  };
  for (let i = 0; i < count; i++) {
    const { row, volume, local } = rows[i]!;
    known.paths.set(local, pathStart[i]);
    known.id[i] = Number(row[0]);
    // Another machine's row gets this machine's device number of its volume (never compared across machines).
    known.dev[i] = row[2] === '1' ? BigInt(row[3]!) : (scope.volumes.devOf(volume) ?? 0n);
    known.ino[i] = BigInt(row[4]!);
    known.size[i] = Number(row[5]);
    known.mtimeNs[i] = BigInt(row[6]!);
    known.ctimeNs[i] = BigInt(row[7]!);
    known.algorithm[i] = row[8] || null;
    known.head[i] = row[9] || null;
    known.tail[i] = row[10] || null;
    known.full[i] = row[11] || null;
    known.type[i] = row[12] || null;
  }
  return known;
}

/**
 * The device number of a row as this machine sees it: the row's own when this machine wrote it, else the device
 * of its volume's mount here (device numbers are never compared across machines).
 */
export function deviceHere(scope: RowScope, machine: string, volume: string, dev: bigint): bigint {
  const here = machine === scope.machine ? dev : (scope.volumes.devOf(volume) ?? dev);
  return BigInt.asUintN(64, here);
}

/** All chunks as one KnownRows. */
export function readKnownRows(scope: RowScope, roots: readonly string[]): KnownRows {
  const chunks = [...knownRowChunks(scope, roots)];
  return joinChunks(chunks);
}
