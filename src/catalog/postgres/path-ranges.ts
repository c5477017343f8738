import { outermostFolders } from '../../model/paths.js';
import { covers } from '../../fs/mounts.js';
import type { VolumeMap } from '../identity.js';

/**
 * The rows of one volume under one folder, and where they are here: the row at `rel` (`base` or under it) is the
 * local path `local + rel[base.length:]`. Both ends are kept without a trailing slash (the root is empty).
 */
export interface PathRange {
  volume: string;
  base: Buffer;
  local: Buffer;
  /** Local folders below `local` where another volume is mounted: the rows of this volume there are hidden. */
  hidden: Buffer[];
}

/**
 * The volume ranges that hold the roots and what lies under them (the roots' own volumes, and the volumes mounted
 * below them), a root inside another dropped, sorted by their local folder. Paths are absolute, without symbolic
 * links.
 */
export function pathRanges(volumes: VolumeMap, roots: readonly string[]): PathRange[] {
  const outer = outermostFolders(roots.map((r) => trimmed(Buffer.from(r))));
  const points = volumes.allPoints().map(trimmed);
  const ranges: PathRange[] = [];
  for (const root of outer) {
    const starts = [root, ...points.filter((p) => under(root, p))];
    for (const local of starts) {
      const { volume, rel } = volumes.locate(local.length === 0 ? Buffer.from('/') : local);
      const hidden = points.filter((p) => under(local, p) && !p.equals(local));
      ranges.push({ volume, base: trimmed(rel), local, hidden });
    }
  }
  return ranges.sort((a, b) => Buffer.compare(a.local, b.local));
}

/** The local path of a row of `range` (its `rel` is the base or lies under it), or undefined when hidden. */
export function localPath(range: PathRange, rel: Buffer): Buffer | undefined {
  const path = Buffer.concat([range.local, rel.subarray(range.base.length)]);
  for (const h of range.hidden) if (covers(h, path)) return undefined;
  return path;
}

/** Whether `b` lies strictly below `a` (whole names; the empty `a` is the root). */
function under(a: Buffer, b: Buffer): boolean {
  if (b.length <= a.length) return false;
  return b[a.length] === 0x2f && b.subarray(0, a.length).equals(a);
}

function trimmed(path: Buffer): Buffer {
  return path.length > 0 && path[path.length - 1] === 0x2f ? path.subarray(0, path.length - 1) : path;
}

/** `[from, to)` of the rows at `base` or under it, in byte order: the base, then `base/…` (no path holds NUL). */
export function relBounds(base: Buffer): [Buffer, Buffer][] {
  return [
    [base, Buffer.concat([base, Buffer.from([0])])],
    [Buffer.concat([base, Buffer.from('/')]), Buffer.concat([base, Buffer.from('0')])],
  ];
}
