import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NodupeError } from '../core/errors.js';
import { stateDir } from '../core/xdg.js';
import { covers, parseMountInfo, type Mount } from '../fs/mounts.js';

/** The machine a shared catalog is written from: a stable id, and a name to show people. */
export interface MachineIdentity {
  id: string;
  name: string;
}

const MACHINE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * This machine's identity. The id is `NODUPE_MACHINE_ID` when set (containers, and tests that play several
 * machines), else derived from `/etc/machine-id` (hashed with nodupe's name, as systemd asks of applications: the
 * raw id is never stored), else a random id kept in nodupe's state folder. The name is the host name.
 */
export function machineIdentity(env: NodeJS.ProcessEnv = process.env): MachineIdentity {
  const name = machineName(env);
  const given = env.NODUPE_MACHINE_ID;
  if (given !== undefined) {
    if (!MACHINE_ID.test(given)) {
      throw new NodupeError(
        'BAD_INPUT',
        `NODUPE_MACHINE_ID must be 1 to 64 letters, digits, dots, dashes or underscores, not ${JSON.stringify(given)}`,
      );
    }
    return { id: given, name };
  }
  const systemId = readTrimmed('/etc/machine-id');
  if (systemId !== undefined && /^[0-9a-f]{32}$/.test(systemId)) {
    return { id: createHash('sha256').update(`nodupe:${systemId}`).digest('hex').slice(0, 32), name };
  }
  return { id: keptRandomId(env), name };
}

/** The name people know this machine by: `NODUPE_MACHINE_NAME`, else its host name. */
export function machineName(env: NodeJS.ProcessEnv = process.env): string {
  return env.NODUPE_MACHINE_NAME ?? hostname();
}

function keptRandomId(env: NodeJS.ProcessEnv): string {
  const folder = stateDir(env);
  const file = join(folder, 'machine-id');
  const kept = readTrimmed(file);
  if (kept !== undefined && MACHINE_ID.test(kept)) return kept;
  const id = randomBytes(16).toString('hex');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}

function readTrimmed(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** What the volumes of this machine are read from: its mount table, and its file systems' UUIDs by device. */
export interface VolumeSources {
  mountinfo: Buffer;
  /** File system UUID by device (`major:minor`), from `/dev/disk/by-uuid`. */
  uuids: ReadonlyMap<string, string>;
}

/** Reads this machine's mount table and `/dev/disk/by-uuid` (absent without udev: then no volume has a UUID). */
export function readVolumeSources(): VolumeSources {
  let mountinfo: Buffer;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo');
  } catch {
    mountinfo = Buffer.from('1 1 0:0 / / rw - unknown none rw\n');
  }
  const uuids = new Map<string, string>();
  const folder = '/dev/disk/by-uuid';
  let names: string[] = [];
  try {
    names = readdirSync(folder);
  } catch {
    // No udev here: every volume is this machine's own.
  }
  for (const uuid of names) {
    try {
      const rdev = statSync(join(folder, uuid)).rdev;
      uuids.set(`${Math.floor(rdev / 256) & 0xfff}:${(rdev & 0xff) | ((rdev >> 12) & 0xfff00)}`, uuid);
    } catch {
      // A link to a device that went away.
    }
  }
  return { mountinfo, uuids };
}

/**
 * File systems a machine reaches over the network: every machine that mounts `server:/export` (or
 * `//server/share`) sees the same files, so their volume is named by that source, not by the machine.
 */
const NETWORK_TYPES =
  /^(nfs|nfs4|cifs|smb3|smbfs|9p|ceph|glusterfs|fuse\.sshfs|fuse\.rclone|davfs|fuse\.davfs)$/;

/** A path as a shared catalog keys it: its volume, and its place from the root of the volume's file system. */
export interface VolumePath {
  volume: string;
  rel: Buffer;
}

interface LocalVolume {
  id: string;
  mount: Mount;
  dev: bigint;
}

/**
 * The volumes mounted on this machine. A mount whose device has a file system UUID is the volume `uuid:<UUID>`,
 * the same disk on any machine; a network file system is `net:<its source>` (`nas:/volume1`), the same share on
 * any machine; any other is `<machine id>:<mount point>`, this machine's own. A path is keyed
 * by the mount holding it (the longest mount point above it) and its place from its file system's root (the
 * mount's root plus the rest of the path), so a bind mount of a folder and the whole disk name the same rows.
 */
export class VolumeMap {
  readonly #mounts: LocalVolume[];
  readonly #byVolume = new Map<string, LocalVolume>();

  constructor(machineId: string, sources: VolumeSources) {
    this.#mounts = parseMountInfo(sources.mountinfo).map((mount) => {
      const uuid = sources.uuids.get(mount.device);
      const id =
        uuid !== undefined
          ? `uuid:${uuid}`
          : NETWORK_TYPES.test(mount.type)
            ? `net:${mount.source}`
            : `${machineId}:${mount.point.toString()}`;
      return { id, mount, dev: makedev(mount.device) };
    });
    for (const local of this.#mounts) {
      const known = this.#byVolume.get(local.id);
      // A volume mounted at several points is read back through its whole mount, else its shortest point.
      if (known === undefined || better(local.mount, known.mount)) this.#byVolume.set(local.id, local);
    }
  }

  /** The volume and place of an absolute path (no symbolic link in it). */
  locate(path: Buffer): VolumePath {
    let best: LocalVolume | undefined;
    for (const local of this.#mounts) {
      if (!covers(local.mount.point, path)) continue;
      if (best === undefined || local.mount.point.length >= best.mount.point.length) best = local;
    }
    if (best === undefined) return { volume: `unmounted:`, rel: path };
    const rest = isRoot(best.mount.point) ? path : path.subarray(best.mount.point.length);
    const root = sharedVolume(best.id) && !isRoot(best.mount.root) ? best.mount.root : Buffer.alloc(0);
    const rel = Buffer.concat([root, rest.length === 0 ? Buffer.from('/') : rest]);
    return { volume: best.id, rel };
  }

  /**
   * The local path of a volume's place, or undefined when that volume (or that part of it) is not mounted here, or
   * when the place is not one a scan writes (see `isCleanPlace`: a row another machine wrote could hold anything).
   */
  absolute(volume: string, rel: Buffer): Buffer | undefined {
    const local = this.#byVolume.get(volume);
    if (local === undefined || !isCleanPlace(rel)) return undefined;
    const root = sharedVolume(volume) && !isRoot(local.mount.root) ? local.mount.root : undefined;
    if (root !== undefined && !covers(root, rel)) return undefined;
    const rest = root === undefined ? rel : rel.subarray(root.length);
    if (isRoot(local.mount.point)) return rest.length === 0 ? Buffer.from('/') : Buffer.from(rest);
    if (rest.length === 0 || isRoot(rest)) return Buffer.from(local.mount.point);
    return Buffer.concat([local.mount.point, rest]);
  }

  /** The volumes mounted here. */
  ids(): string[] {
    return [...this.#byVolume.keys()].sort();
  }

  /** The device number this machine gives a volume's files (what `stat` says of them here). */
  devOf(volume: string): bigint | undefined {
    return this.#byVolume.get(volume)?.dev;
  }

  /** Every mount point here (a volume may be mounted at several, a single file too). */
  allPoints(): Buffer[] {
    return this.#mounts.map((local) => local.mount.point);
  }

  /** Where each volume is mounted here, to record for other machines to show. */
  mountPoints(): { volume: string; point: Buffer; dev: bigint }[] {
    return [...this.#byVolume.values()].map((v) => ({ volume: v.id, point: v.mount.point, dev: v.dev }));
  }
}

/** This machine's volumes, read from its mount table (or from `sources`, for tests). */
export function localVolumes(machineId: string, sources: VolumeSources = readVolumeSources()): VolumeMap {
  return new VolumeMap(machineId, sources);
}

/**
 * Whether `rel` is a place as a scan writes it: absolute, no empty, `.` or `..` name, no NUL. Anything else in a
 * shared catalog was written by hand, and could name a file outside its volume.
 */
export function isCleanPlace(rel: Buffer): boolean {
  if (rel[0] !== 0x2f || rel.includes(0)) return false;
  if (rel.length === 1) return true;
  for (const name of rel.subarray(1).toString('latin1').split('/')) {
    if (name === '' || name === '.' || name === '..') return false;
  }
  return true;
}

/** Whether a volume is the same on every machine (a disk by its UUID, a network share by its source). */
function sharedVolume(id: string): boolean {
  return id.startsWith('uuid:') || id.startsWith('net:');
}

function better(a: Mount, b: Mount): boolean {
  if (isRoot(a.root) !== isRoot(b.root)) return isRoot(a.root);
  return a.point.length < b.point.length;
}

function isRoot(path: Buffer): boolean {
  return path.length === 1 && path[0] === 0x2f;
}

/** glibc's makedev of a `major:minor`: the number `stat` gives the files of that device. */
function makedev(device: string): bigint {
  const [major, minor] = device.split(':').map((n) => BigInt(Number(n) || 0)) as [bigint, bigint];
  return (
    ((major & 0xfffff000n) << 32n) |
    ((major & 0xfffn) << 8n) |
    ((minor & 0xffffff00n) << 12n) |
    (minor & 0xffn)
  );
}
