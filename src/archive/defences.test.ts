import { execFileSync } from 'node:child_process';
import { lstatSync, truncateSync } from 'node:fs';
import { crc32, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noise, tarOf, zipOf } from '../../test/helpers/archives.js';
import { scratch } from '../../test/helpers/tree.js';
import type { ArchiveCaps, ArchiveListing } from './listing.js';
import { systemProgram } from '../../test/helpers/system-programs.js';
import { findProgram } from './programs.js';
import { readArchive } from './read-archive.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

async function read(name: string, bytes: Buffer, caps: Partial<ArchiveCaps> = {}): Promise<ArchiveListing> {
  const path = dir.write(name, bytes);
  const st = lstatSync(path, { bigint: true });
  return readArchive(path, { size: Number(st.size), mtimeNs: st.mtimeNs }, { algorithm: 'xxh3', caps });
}

const names = (listing: ArchiveListing) => listing.members.map((m) => m.name);
const A = Buffer.from('a');

/** Names no member may have: each is recorded as skipped, never used. */
const UNSAFE: [string, Buffer][] = [
  ['a parent part', Buffer.from('../evil.txt')],
  ['a parent part inside', Buffer.from('a/../../evil.txt')],
  ['a trailing parent part', Buffer.from('a/..')],
  ['an absolute path', Buffer.from('/etc/passwd')],
  ['a backslash', Buffer.from('..\\evil.txt')],
  ['a backslash alone', Buffer.from('a\\b.txt')],
  ['a NUL', Buffer.from('a\0b.txt')],
  ['an empty part', Buffer.from('a//b.txt')],
  ['a dot part', Buffer.from('a/./b.txt')],
  ['over 4,096 bytes', Buffer.alloc(4097, 'n')],
];

describe('member names', () => {
  it('zip: unsafe names are skipped as unsafe-name, shown escaped; safe ones kept', async () => {
    const listing = await read(
      'names.zip',
      zipOf([
        ...UNSAFE.map(([, name]) => ({ name, data: A })),
        { name: './kept.txt', data: A },
        { name: Buffer.from([0x63, 0x61, 0x66, 0x82]), data: A }, // "café" in CP437, no UTF-8 flag
        { name: 'kept.txt', data: A },
      ]),
    );
    // './kept.txt' and 'kept.txt' are one name: neither copy is kept.
    expect(names(listing)).toEqual(['cafй'.replace('й', 'é')]);
    expect(listing.skipped.map((s) => s.reason)).toEqual([
      ...UNSAFE.map(() => 'unsafe-name'),
      'duplicate-name',
      'duplicate-name',
    ]);
    expect(listing.skipped.find((s) => s.name.startsWith('a'))!.name).toBe('a/../../evil.txt');
    expect(listing.skipped[6]!.name).toBe('a\\x00b.txt');
    expect(listing.skipped[9]!.name.length).toBeLessThanOrEqual(300);
  });

  it('tar (ustar and pax names): unsafe names are skipped as unsafe-name', async () => {
    const listing = await read(
      'names.tar',
      tarOf([
        ...UNSAFE.filter(([, name]) => name.length <= 100 && !name.includes(0)).map(([, name]) => ({
          name,
          data: A,
        })),
        ...UNSAFE.map(([, name]) => ({ name, data: A, pax: true })),
        { name: Buffer.from([0x61, 0xff]), data: A }, // not UTF-8
        { name: './kept.txt', data: A },
      ]),
    );
    expect(names(listing)).toEqual(['kept.txt']);
    expect(new Set(listing.skipped.map((s) => s.reason))).toEqual(new Set(['unsafe-name']));
    expect(listing.skipped).toHaveLength(8 + UNSAFE.length + 1);
  });
});

describe('entries that are not regular files', () => {
  it('tar: symlink, hard link, devices and fifo skipped; folders not listed', async () => {
    const listing = await read(
      'kinds.tar',
      tarOf([
        { name: 'link', type: '2' },
        { name: 'hard', type: '1' },
        { name: 'char', type: '3' },
        { name: 'block', type: '4' },
        { name: 'fifo', type: '6' },
        { name: 'folder/', type: '5' },
        { name: 'file', data: A },
      ]),
    );
    expect(names(listing)).toEqual(['file']);
    expect(listing.skipped.map((s) => [s.name, s.reason])).toEqual([
      ['link', 'symlink'],
      ['hard', 'hardlink'],
      ['char', 'device'],
      ['block', 'device'],
      ['fifo', 'fifo'],
    ]);
  });

  it('zip: Unix symlink, device and fifo modes skipped', async () => {
    const listing = await read(
      'kinds.zip',
      zipOf([
        { name: 'link', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
        { name: 'char', mode: 0o020644 },
        { name: 'fifo', mode: 0o010644 },
        { name: 'file', data: A, mode: 0o100644 },
      ]),
    );
    expect(names(listing)).toEqual(['file']);
    expect(listing.skipped.map((s) => s.reason)).toEqual(['symlink', 'device', 'fifo']);
  });
});

describe('caps', () => {
  it('entry count: reading stops with a problem, the members before it kept', async () => {
    const entries = ['1', '2', '3', '4', '5'].map((name) => ({ name, data: A }));
    for (const [name, bytes] of [
      ['many.zip', zipOf(entries)],
      ['many.tar.gz', gzipSync(tarOf(entries))],
    ] as const) {
      const listing = await read(name, bytes, { maxEntries: 3 });
      expect(listing.problem?.code, name).toBe('too-many-entries');
      expect(names(listing), name).toEqual(['1', '2', '3']);
    }
  });

  it('member size: a member over the cap is skipped (zip by its declared size, tar by its header)', async () => {
    const big = noise(5000);
    const entries = [
      { name: 'big', data: big },
      { name: 'small', data: A },
    ];
    for (const [name, bytes] of [
      ['size.zip', zipOf(entries)],
      ['size.tar', tarOf(entries)],
    ] as const) {
      const listing = await read(name, bytes, { maxMemberBytes: 4096 });
      expect(listing.problem, name).toBeUndefined();
      expect(names(listing), name).toEqual(['small']);
      expect(listing.skipped, name).toEqual([{ name: 'big', reason: 'member-too-large' }]);
    }
  });

  it('total inflated bytes: a problem once passed', async () => {
    const entries = ['1', '2', '3'].map((name, i) => ({ name, data: noise(3000, i + 1) }));
    const listing = await read('total.tar.gz', gzipSync(tarOf(entries)), { maxTotalBytes: 5000 });
    expect(listing.problem?.code).toBe('too-large');
    const zipped = await read('total.zip', zipOf(entries), { maxTotalBytes: 5000 });
    expect(zipped.problem?.code).toBe('too-large');
    expect(names(zipped)).toEqual(['1']);
  });

  it('compression ratio: a zip member past it skipped, a compressed tar stopped', async () => {
    const zeros = Buffer.alloc(8 * 1024 ** 2);
    const zipped = await read(
      'ratio.zip',
      zipOf([
        { name: 'zeros', data: zeros },
        { name: 'a', data: A },
      ]),
      {
        maxRatio: 100,
      },
    );
    expect(zipped.skipped).toEqual([{ name: 'zeros', reason: 'ratio-too-high' }]);
    expect(names(zipped)).toEqual(['a']);
    const tgz = await read('ratio.tar.gz', gzipSync(tarOf([{ name: 'zeros', data: zeros }])), {
      maxRatio: 100,
    });
    expect(tgz.problem?.code).toBe('ratio-too-high');
    // Under the default cap both are read.
    expect(names(await read('ok.tar.gz', gzipSync(tarOf([{ name: 'zeros', data: zeros }]))))).toEqual([
      'zeros',
    ]);
  });

  it('a zip bomb whose declared sizes lie is stopped while inflating, by the bytes counted', async () => {
    const zeros = Buffer.alloc(32 * 1024 ** 2);
    // Declared far larger than real, under the member cap: only counting the inflated bytes stops it.
    const claimsHuge = await read(
      'huge-claim.zip',
      zipOf([{ name: 'bomb', data: zeros, declaredSize: 0xfffffffe }]),
      {
        maxTotalBytes: 4 * 1024 ** 2,
      },
    );
    expect(claimsHuge.problem?.code).toBe('too-large');
    expect(claimsHuge.members).toEqual([]);
    // Declared tiny: the bytes past the declared size stop it (never hashed as a member).
    const claimsTiny = await read('tiny-claim.zip', zipOf([{ name: 'bomb', data: zeros, declaredSize: 10 }]));
    expect(claimsTiny.problem?.code).toBe('corrupt');
    expect(claimsTiny.members).toEqual([]);
  });

  it('overlapping entries (two central entries on the same stored bytes) refuse the zip', async () => {
    const kernel = Buffer.alloc(1024 ** 2);
    const specs = [
      { name: 'a', data: kernel },
      ...['b', 'c', 'd'].map((name) => ({ name, data: kernel, sameDataAs: 0 })),
    ];
    const listing = await read('overlap.zip', zipOf(specs));
    expect(listing).toMatchObject({ members: [], problem: { code: 'overlapping-entries' } });
  });

  it('the defaults are checked: a cap that is no positive number is refused up front', async () => {
    await expect(read('a.tar', tarOf([]), { maxRatio: 0 })).rejects.toThrow(
      /maxRatio: expected a finite number > 0/,
    );
  });
});

describe('encrypted members', () => {
  it('are recorded by size and CRC only, never hashed', async () => {
    const data = noise(100);
    const listing = await read(
      'secret.zip',
      zipOf([
        { name: 'secret', data, encrypted: true, method: 0 },
        { name: 'open', data: A },
      ]),
    );
    expect(listing.members[0]).toMatchObject({
      name: 'secret',
      size: 100,
      encrypted: true,
      hashes: undefined,
    });
    expect(listing.members[0]!.crc32).toBe(crc32(data));
    expect(listing.members[1]!.hashes).toBeDefined();
  });

  it.skipIf(!systemProgram(['zip'], 'zip', 'the zip -P archive test'))('a zip made by `zip -P`', async () => {
    dir.write('tree/s.txt', 'secret text');
    execFileSync('zip', ['-q', '-P', 'pw', dir.path('z.zip'), 's.txt'], { cwd: dir.path('tree') });
    const st = lstatSync(dir.path('z.zip'), { bigint: true });
    const listing = await readArchive(
      dir.path('z.zip'),
      { size: Number(st.size), mtimeNs: st.mtimeNs },
      { algorithm: 'xxh3' },
    );
    expect(listing.members).toMatchObject([{ name: 's.txt', size: 11, encrypted: true, hashes: undefined }]);
  });
});

describe.skipIf(!systemProgram(['7zz', '7z'], '7zip', 'the 7z archive tests'))('7z', () => {
  const sevenZip = (...args: string[]) =>
    execFileSync(findProgram(['7zz', '7z'])!, ['a', '-bd', ...args], { cwd: dir.path('tree') });

  it('encrypted members are recorded by size and CRC; encrypted names refuse the archive', async () => {
    dir.write('tree/s.txt', 'secret text');
    sevenZip('-ppw', dir.path('e.7z'), 's.txt');
    const listing = await readArchive(dir.path('e.7z'), undefined, { algorithm: 'xxh3' });
    expect(listing.members).toEqual([
      {
        name: 's.txt',
        size: 11,
        mtimeMs: expect.any(Number) as number,
        hashes: undefined,
        encrypted: true,
        crc32: crc32('secret text'),
      },
    ]);
    sevenZip('-ppw', '-mhe=on', dir.path('h.7z'), 's.txt');
    const hidden = await readArchive(dir.path('h.7z'), undefined, { algorithm: 'xxh3' });
    expect(hidden.problem?.code).toBe('corrupt');
  });

  it('caps hold while 7-Zip inflates', async () => {
    dir.write('tree/zeros', Buffer.alloc(8 * 1024 ** 2));
    dir.write('tree/a', 'a');
    sevenZip(dir.path('z.7z'), 'zeros', 'a');
    const capped = await readArchive(dir.path('z.7z'), undefined, {
      algorithm: 'xxh3',
      caps: { maxTotalBytes: 1024 ** 2 },
    });
    expect(capped.problem?.code).toBe('too-large');
    const few = await readArchive(dir.path('z.7z'), undefined, {
      algorithm: 'xxh3',
      caps: { maxEntries: 1 },
    });
    expect(few.problem?.code).toBe('too-many-entries');
    const sized = await readArchive(dir.path('z.7z'), undefined, {
      algorithm: 'xxh3',
      caps: { maxMemberBytes: 1024 },
    });
    expect(sized).toMatchObject({
      skipped: [{ name: 'zeros', reason: 'member-too-large' }],
      members: [{ name: 'a' }],
    });
  });

  it('a truncated 7z: a problem, never a throw', async () => {
    dir.write('tree/n', noise(100_000));
    sevenZip(dir.path('n.7z'), 'n');
    truncateSync(dir.path('n.7z'), 50_000);
    expect((await readArchive(dir.path('n.7z'), undefined, { algorithm: 'xxh3' })).problem?.code).toBe(
      'corrupt',
    );
  });
});

describe('damaged and hostile archives never throw and never hang', () => {
  const entries = ['1', '2', '3', '4'].map((name, i) => ({ name, data: noise(100_000, i + 1) }));

  it('a truncated tar.gz: a problem, the members read before it kept', async () => {
    const whole = gzipSync(tarOf(entries));
    const listing = await read('cut.tar.gz', whole.subarray(0, Math.floor(whole.length * 0.6)));
    expect(listing.problem?.code).toBe('corrupt');
    expect(names(listing)).toEqual(['1', '2']);
  });

  it('a truncated or garbled zip: a problem', async () => {
    const whole = zipOf(entries);
    expect((await read('cut.zip', whole.subarray(0, whole.length - 100))).problem?.code).toBe('corrupt');
    // A member's deflated bytes overwritten: inflating it fails, the members before it stay.
    const garbled = Buffer.from(whole);
    const third = garbled.indexOf(Buffer.from('3'), 200_000 + 30);
    garbled.fill(0xff, third + 1, third + 200);
    const listing = await read('garbled.zip', garbled);
    expect(listing.problem?.code).toBe('corrupt');
    expect(names(listing)).toEqual(['1', '2']);
  });

  it('a tar whose header claims 8 GB in a small file: a problem at its end', async () => {
    const listing = await read(
      'claims.tar',
      tarOf([
        { name: 'a', data: A },
        { name: 'huge', data: noise(1000), declaredSize: 8 * 1024 ** 3 },
      ]),
      {
        maxMemberBytes: 16 * 1024 ** 3,
      },
    );
    expect(listing.problem?.code).toBe('corrupt');
    expect(names(listing)).toEqual(['a']);
  });

  it('a gzip that inflates without end is stopped by the caps', async () => {
    // 64 MiB of zeros inside: only the caps end it, long before.
    const endless = gzipSync(Buffer.alloc(64 * 1024 ** 2), { level: 9 });
    const listing = await read('endless.tar.gz', endless, { maxTotalBytes: 4 * 1024 ** 2 });
    expect(listing.problem?.code).toMatch(/too-large|ratio-too-high/);
  });

  it('a file truncated between the walk and the read: problem "changed"', async () => {
    const path = dir.write('shrinks.tar', tarOf(entries));
    const st = lstatSync(path, { bigint: true });
    truncateSync(path, 1024);
    const listing = await readArchive(
      path,
      { size: Number(st.size), mtimeNs: st.mtimeNs },
      { algorithm: 'xxh3' },
    );
    expect(listing.problem?.code).toBe('changed');
  });
});
