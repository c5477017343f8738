import { pathRanges, relBounds } from './path-ranges.js';
import type { RowScope } from './known-rows.js';

/**
 * Sizes per query: a scan of a million files asks once. With many sizes the server answers by one pass over the
 * files (a hash join), so each further query would read them all again (16 queries of 65,536 sizes: 6.6 s at a
 * million rows, one of a million: about 1 s); with few, it probes the size index.
 */
const CHUNK = 1 << 20;

/**
 * Of $1 (sizes), those that some live row has outside the path ranges $2 (volume), $3 (from), $4 (to): one
 * probe of the size index per size, which stops at the first such row. Answered as one text of sizes, not a
 * row each.
 */
const SELECT = `SELECT coalesce(string_agg(s::text, ','), '') AS sizes FROM unnest ($1::int8[]) AS s
  WHERE EXISTS (SELECT 1 FROM files f WHERE f.size = s AND f.gone_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM unnest ($2::text[], $3::bytea[], $4::bytea[]) AS r (volume, lo, hi)
      WHERE f.volume = r.volume AND f.path >= r.lo AND f.path < r.hi))`;

/**
 * Of `sizes`, those that a live row outside the roots has, on any machine and any volume (see
 * CatalogStore.sizesElsewhere). The roots are ranges of (volume, path), as the scan's rows are kept: the same
 * folder of a disk that another machine mounts elsewhere is the same rows. Rows of a root's volume that a mount
 * below the root hides from this machine count as under the root.
 */
export function sizesElsewhere(
  scope: RowScope,
  roots: readonly string[],
  sizes: Iterable<number>,
): Set<number> {
  const volumes: string[] = [];
  const from: Buffer[] = [];
  const to: Buffer[] = [];
  for (const range of pathRanges(scope.volumes, roots)) {
    for (const [lo, hi] of relBounds(range.base)) {
      volumes.push(range.volume);
      from.push(lo);
      to.push(hi);
    }
  }
  const found = new Set<number>();
  const ask = (chunk: number[]): void => {
    const [row] = scope.db.query<{ sizes: string }>(SELECT, [chunk, volumes, from, to]);
    if (row!.sizes === '') return;
    for (const size of row!.sizes.split(',')) found.add(Number(size));
  };
  let chunk: number[] = [];
  for (const size of sizes) {
    if (size <= 0) continue; // empty files are never read
    chunk.push(size);
    if (chunk.length === CHUNK) {
      ask(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) ask(chunk);
  return found;
}
