import type { BigIntStats } from 'node:fs';
import type { CatalogFile, CatalogRows, CatalogStore } from '../catalog/store.js';
import { WalkedFilesBuilder } from '../model/records.js';
import { toBytes } from '../model/paths.js';

/** A catalog row whose file now has another name: the same inode, size and mtime (`now` is its stat there). */
export interface MovedRow {
  row: CatalogFile;
  to: string;
  now: BigIntStats;
}

/**
 * Gives moved files their new paths in the catalog without reading them: each new path's row carries the old
 * row's hashes (the content is the same) and the identity seen now (a rename sets the ctime), and the old rows
 * are marked gone. Written as one small scan of the new paths, through the store's own scan writer. Hashes by
 * another algorithm than `algorithm` are not carried over (the file is hashed again when it needs to be).
 */
export async function moveRows(
  catalog: CatalogStore,
  moved: readonly MovedRow[],
  algorithm: string,
  at: number,
): Promise<void> {
  if (moved.length === 0) return;
  const builder = new WalkedFilesBuilder(moved.length);
  const head: (string | null)[] = [];
  const tail: (string | null)[] = [];
  const full: (string | null)[] = [];
  for (const { row, to, now } of moved) {
    builder.add(toBytes(to), undefined, now, 0);
    const hashes = row.hashes?.algorithm === algorithm ? row.hashes : undefined;
    head.push(hashes?.head ?? null);
    tail.push(hashes?.tail ?? null);
    full.push(hashes?.full ?? null);
  }
  const rows: CatalogRows = { ...builder.finish(), algorithm, head, tail, full };
  const scanId = catalog.startScan(
    moved.map((m) => m.to),
    at,
  );
  const writer = catalog.scanWriter(scanId);
  try {
    writer.write(rows, at);
  } finally {
    await writer.close();
  }
  catalog.finishScan(
    scanId,
    moved.map((m) => m.row.id),
    at,
  );
}
