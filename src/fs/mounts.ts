import type { FileOps } from './file-ops.js';
import { toBytes, type FsPath } from '../model/paths.js';

interface Mount {
  id: number;
  point: Buffer;
}

/**
 * Which mount a path lies on, from `/proc/self/mountinfo`: two bind mounts of one file system share a device
 * number, yet the kernel renames and links across neither (EXDEV), so a device number alone cannot say whether
 * a rename will work. The mount holding a path is the one whose mount point is the longest prefix of it (of
 * several mounted on one point, the last, which covers the others). Read once, when first asked: a dry run's
 * prediction, for paths that are real paths (plans hold real paths). Where the table cannot be read (no /proc),
 * it tells nothing.
 */
export class MountTable {
  #mounts: Mount[] | undefined;
  constructor(private readonly ops: FileOps) {}

  /** The id of the mount that holds `path` (absolute, with no symbolic link in it), or undefined. */
  mountOf(path: FsPath): number | undefined {
    const bytes = toBytes(path);
    let best: Mount | undefined;
    for (const mount of this.#read()) {
      if (!covers(mount.point, bytes)) continue;
      if (best === undefined || mount.point.length >= best.point.length) best = mount;
    }
    return best?.id;
  }

  /** Whether `a` and `b` lie on two different mounts; false when that cannot be told. */
  differ(a: FsPath, b: FsPath): boolean {
    const ma = this.mountOf(a);
    const mb = this.mountOf(b);
    return ma !== undefined && mb !== undefined && ma !== mb;
  }

  #read(): Mount[] {
    if (this.#mounts === undefined) {
      try {
        this.#mounts = parseMountInfo(this.ops.readFile('/proc/self/mountinfo'));
      } catch {
        this.#mounts = [];
      }
    }
    return this.#mounts;
  }
}

/** Whether `point` is `path` or a folder above it (whole names). */
function covers(point: Buffer, path: Buffer): boolean {
  if (point.length === 1 && point[0] === 0x2f) return path[0] === 0x2f;
  if (path.length < point.length || !path.subarray(0, point.length).equals(point)) return false;
  return path.length === point.length || path[point.length] === 0x2f;
}

/**
 * The mounts of a `mountinfo` text: per line, the mount id (field 1) and the mount point (field 5), whose
 * space, tab, newline and backslash the kernel writes as octal escapes (`\040`).
 */
export function parseMountInfo(text: Buffer): Mount[] {
  const mounts: Mount[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(0x0a, start);
    if (end < 0) end = text.length;
    const fields = splitSpaces(text.subarray(start, end));
    start = end + 1;
    const id = Number(fields[0]?.toString('latin1'));
    const point = fields[4];
    if (!Number.isInteger(id) || point === undefined) continue;
    mounts.push({ id, point: unescapeOctal(point) });
  }
  return mounts;
}

function splitSpaces(line: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  let from = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line[i] === 0x20) {
      if (i > from) fields.push(line.subarray(from, i));
      from = i + 1;
    }
  }
  return fields;
}

function unescapeOctal(field: Buffer): Buffer {
  if (!field.includes(0x5c)) return field;
  const out: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const octal = field.subarray(i + 1, i + 4).toString('latin1');
    if (field[i] === 0x5c && /^[0-7]{3}$/.test(octal)) {
      out.push(parseInt(octal, 8));
      i += 3;
    } else out.push(field[i]!);
  }
  return Buffer.from(out);
}
