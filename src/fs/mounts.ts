import type { FileOps } from './file-ops.js';
import { toBytes, type FsPath } from '../model/paths.js';

/** One line of `/proc/self/mountinfo`. */
export interface Mount {
  id: number;
  /** The device, as the kernel writes it: `major:minor`. */
  device: string;
  /** The folder of its file system that is mounted (`/` unless a bind mount or a subvolume). */
  root: Buffer;
  point: Buffer;
  /** The file system's type (after the ` - `): ext4, nfs4, cifs, tmpfs, … */
  type: string;
  /** The mount's source (after the ` - type `): a block device such as `/dev/sda1`, `server:/export`, or a name. */
  source: string;
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
export function covers(point: Buffer, path: Buffer): boolean {
  if (point.length === 1 && point[0] === 0x2f) return path[0] === 0x2f;
  if (path.length < point.length || !path.subarray(0, point.length).equals(point)) return false;
  return path.length === point.length || path[point.length] === 0x2f;
}

/**
 * The mounts of a `mountinfo` text: per line, the mount id (field 1), its device (3), root (4), mount point
 * (5) and source (the second field after the ` - `), whose space, tab, newline and backslash the kernel writes
 * as octal escapes (`\040`).
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
    const [device, root, point] = [fields[2], fields[3], fields[4]];
    if (!Number.isInteger(id) || device === undefined || root === undefined || point === undefined) continue;
    const dash = fields.findIndex((f, i) => i >= 6 && f.length === 1 && f[0] === 0x2d);
    const type = dash < 0 ? undefined : fields[dash + 1];
    const source = dash < 0 ? undefined : fields[dash + 2];
    mounts.push({
      id,
      device: device.toString('latin1'),
      root: unescapeOctal(root),
      point: unescapeOctal(point),
      type: type === undefined ? '' : type.toString('latin1'),
      source: source === undefined ? '' : unescapeOctal(source).toString(),
    });
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
