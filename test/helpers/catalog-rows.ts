import type {
  CatalogFile,
  CatalogRows,
  CatalogStore,
  KnownRows,
  StoredHashes,
} from '../../src/catalog/store.js';
import { toBytes } from '../../src/model/paths.js';

/** A file as a test writes it to the catalog: its path (bytes or text), identity, and hashes if any. */
export interface TestRow {
  path: string | Buffer;
  dev?: bigint;
  ino: bigint;
  size: number;
  mtimeNs: bigint;
  ctimeNs?: bigint;
  hashes?: Partial<Omit<StoredHashes, 'algorithm'>>;
}

/** The rows as a scan hands them to its writer: columns, hashes by `algorithm`. */
export function catalogRows(rows: TestRow[], algorithm = 'xxh3'): CatalogRows {
  const paths = rows.map((r) => Buffer.from(r.path));
  const pathStart = new Uint32Array(rows.length + 1);
  paths.forEach((p, i) => (pathStart[i + 1] = pathStart[i]! + p.length));
  return {
    count: rows.length,
    paths: new Uint8Array(Buffer.concat(paths)),
    pathStart,
    dev: BigUint64Array.from(rows, (r) => r.dev ?? 1n),
    ino: BigUint64Array.from(rows, (r) => r.ino),
    size: Float64Array.from(rows, (r) => r.size),
    mtimeNs: BigInt64Array.from(rows, (r) => r.mtimeNs),
    ctimeNs: BigInt64Array.from(rows, (r) => r.ctimeNs ?? r.mtimeNs),
    algorithm,
    head: rows.map((r) => r.hashes?.head ?? null),
    tail: rows.map((r) => r.hashes?.tail ?? null),
    full: rows.map((r) => r.hashes?.full ?? null),
  };
}

/** Writes `rows` as a scan's writer does, on the calling thread, and waits until they are committed. */
export async function writeRows(
  catalog: CatalogStore,
  scanId: number,
  rows: TestRow[],
  at: number,
  algorithm = 'xxh3',
): Promise<void> {
  const writer = catalog.scanWriter(scanId);
  writer.write(catalogRows(rows, algorithm), at);
  await writer.close();
}

/** The rows of catalog files as a test writes them back (under other paths, say). */
export function testRows(files: readonly CatalogFile[]): TestRow[] {
  return files.map((f) => ({
    path: toBytes(f.path),
    dev: f.dev,
    ino: f.ino,
    size: f.size,
    mtimeNs: f.mtimeNs,
    ctimeNs: f.ctimeNs,
    ...(f.hashes === undefined ? {} : { hashes: f.hashes }),
  }));
}

/** The paths of known rows, as bytes, in their order. */
export function knownPaths(known: KnownRows): Buffer[] {
  return Array.from({ length: known.count }, (_, i) =>
    Buffer.from(known.paths.subarray(known.pathStart[i], known.pathStart[i + 1])),
  );
}
