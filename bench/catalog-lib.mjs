// What the catalog benchmarks share: a synthetic tree's scan rows, in the columns a scan writes, and a pg client.
import pg from 'pg';

const HASHED = 0.3;

/** Paths as a tree: 100 files per folder, folders three deep, names of typical length. */
function pathOf(i) {
  const folder = Math.floor(i / 100);
  return `/usr/share/package-${Math.floor(folder / 50)}/lib/module-${folder % 50}/file-name-${i % 100}.data`;
}

function hex(i, salt) {
  return ((i * 2654435761 + salt) >>> 0).toString(16).padStart(8, '0').repeat(2);
}

/** Files `from` to `from + count - 1` of the tree as one batch of rows; 30% of them hashed. */
function syntheticRows(from, count) {
  const encoded = [];
  for (let k = 0; k < count; k++) encoded.push(Buffer.from(pathOf(from + k)));
  const pathStart = new Uint32Array(count + 1);
  for (let k = 0; k < count; k++) pathStart[k + 1] = pathStart[k] + encoded[k].length;
  const rows = {
    count,
    paths: new Uint8Array(Buffer.concat(encoded)),
    pathStart,
    dev: new BigUint64Array(count).fill(2049n),
    ino: BigUint64Array.from({ length: count }, (_, k) => BigInt(1_000_000 + from + k)),
    size: Float64Array.from({ length: count }, (_, k) => (from + k) * 37),
    mtimeNs: BigInt64Array.from({ length: count }, (_, k) => 1_700_000_000_123_456_789n + BigInt(from + k)),
    ctimeNs: BigInt64Array.from({ length: count }, (_, k) => 1_700_000_001_123_456_789n + BigInt(from + k)),
    algorithm: 'xxh3',
    head: [],
    tail: [],
    full: [],
  };
  for (let k = 0; k < count; k++) {
    const hashed = (from + k) % 10 < HASHED * 10;
    rows.head.push(hashed ? hex(from + k, 1) : null);
    rows.tail.push(hashed ? hex(from + k, 2) : null);
    rows.full.push(hashed ? hex(from + k, 3) : null);
  }
  return rows;
}

/** A synthetic tree of `total` files, in batches of `batch` rows as a scan writes them (made one at a time). */
export function* syntheticBatches(total, batch = 10_000) {
  for (let from = 0; from < total; from += batch) yield syntheticRows(from, Math.min(batch, total - from));
}

/** `fn` with a pg client connected to `url`, ended after; its result. */
export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
