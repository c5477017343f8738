import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localVolumes, machineIdentity, type VolumeSources } from './identity.js';

const b = (s: string) => Buffer.from(s);

/** A laptop: its root disk, a USB disk at /media/ann/USB, and a bind mount of the disk's Photos folder. */
function laptop(usbAt = '/media/ann/USB'): VolumeSources {
  return {
    mountinfo: b(
      [
        '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
        '30 27 0:25 / /tmp rw - tmpfs tmpfs rw',
        `41 27 8:17 / ${usbAt.replace(/ /g, '\\040')} rw - exfat /dev/sdb1 rw`,
        '42 27 8:17 /Photos /home/ann/Photos rw - exfat /dev/sdb1 rw',
      ].join('\n'),
    ),
    uuids: new Map([
      ['254:0', 'root-uuid'],
      ['8:17', 'usb-uuid'],
    ]),
  };
}

describe('volumes', () => {
  it('keys a path on a disk with a UUID by the UUID and its place from the disk’s root', () => {
    const volumes = localVolumes('m1', laptop());
    expect(volumes.locate(b('/media/ann/USB/Photos/a.jpg'))).toEqual({
      volume: 'uuid:usb-uuid',
      rel: b('/Photos/a.jpg'),
    });
    // Through the bind mount of its Photos folder: the same row.
    expect(volumes.locate(b('/home/ann/Photos/a.jpg'))).toEqual({
      volume: 'uuid:usb-uuid',
      rel: b('/Photos/a.jpg'),
    });
    expect(volumes.locate(b('/home/ann/notes.txt'))).toEqual({
      volume: 'uuid:root-uuid',
      rel: b('/home/ann/notes.txt'),
    });
  });

  it('keys a file system without a UUID by this machine and its mount point', () => {
    const volumes = localVolumes('m1', laptop());
    expect(volumes.locate(b('/tmp/x/y'))).toEqual({ volume: 'm1:/tmp', rel: b('/x/y') });
    expect(volumes.locate(b('/tmp'))).toEqual({ volume: 'm1:/tmp', rel: b('/') });
    expect(volumes.absolute('m1:/tmp', b('/x/y'))?.toString()).toBe('/tmp/x/y');
    expect(volumes.absolute('m1:/tmp', b('/'))?.toString()).toBe('/tmp');
  });

  it('reads the same USB disk back at wherever another machine mounts it', () => {
    const here = localVolumes('m1', laptop());
    const there = localVolumes('m2', laptop('/run/media/bob/My USB'));
    const key = here.locate(b('/media/ann/USB/Photos/a.jpg'));
    expect(there.absolute(key.volume, key.rel)?.toString()).toBe('/run/media/bob/My USB/Photos/a.jpg');
    // A volume not mounted on a machine has no path there; another machine's own volumes never do.
    expect(there.absolute('m1:/tmp', b('/x'))).toBeUndefined();
    expect(there.ids()).toEqual(['m2:/tmp', 'uuid:root-uuid', 'uuid:usb-uuid']);
  });

  it('reads back no place a scan would not write: relative, empty names, dot names', () => {
    const volumes = localVolumes('m1', laptop());
    for (const bad of ['x/y', '/a/../etc', '/a/./b', '/a//b', '/a/', '/..', '/a\0b']) {
      expect(volumes.absolute('uuid:root-uuid', b(bad))).toBeUndefined();
    }
    expect(volumes.absolute('uuid:root-uuid', b('/a/..b/c.'))?.toString()).toBe('/a/..b/c.');
  });

  it('names a network share by its source, so two machines mounting it share its rows', () => {
    const nfs = (point: string, device: string) => ({
      mountinfo: b(
        `27 1 254:0 / / rw - ext4 /dev/vda rw\n50 27 ${device} / ${point} rw - nfs4 nas:/volume1 rw`,
      ),
      uuids: new Map<string, string>(),
    });
    const laptop = localVolumes('m1', nfs('/mnt/nas', '0:51'));
    const desktop = localVolumes('m2', nfs('/home/bob/nas', '0:77'));
    const key = laptop.locate(b('/mnt/nas/photos/a.jpg'));
    expect(key).toEqual({ volume: 'net:nas:/volume1', rel: b('/photos/a.jpg') });
    expect(desktop.absolute(key.volume, key.rel)?.toString()).toBe('/home/bob/nas/photos/a.jpg');
  });

  it('gives a volume’s files the device number stat gives them here', () => {
    const volumes = localVolumes('m1', laptop());
    expect(volumes.devOf('uuid:root-uuid')).toBe(254n * 256n);
    expect(volumes.devOf('uuid:usb-uuid')).toBe(8n * 256n + 17n);
    expect(volumes.devOf('m1:/tmp')).toBe(25n);
  });
});

describe('machine identity', () => {
  it('is NODUPE_MACHINE_ID when given, and refuses one that is not a plain name', () => {
    expect(machineIdentity({ NODUPE_MACHINE_ID: 'nas-1', NODUPE_MACHINE_NAME: 'nas' })).toEqual({
      id: 'nas-1',
      name: 'nas',
    });
    expect(() => machineIdentity({ NODUPE_MACHINE_ID: '../x' })).toThrow(/NODUPE_MACHINE_ID/);
  });

  it('is stable, and never the raw system id', () => {
    // Where the system has no machine id, a random one is kept in the state folder: a folder of the test's own.
    const env = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'nodupe-identity-')) };
    const a = machineIdentity(env);
    expect(machineIdentity(env)).toEqual(a);
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
  });
});
