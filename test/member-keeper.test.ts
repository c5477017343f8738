// The check apply and purge make right before acting on a file whose keeper is inside an archive: the member is
// streamed out of the very archive opened (nothing extracted) and compared byte for byte with the file. Archives
// are built byte by byte, so each test can make one of them lie the way a hostile archive would.
import { execFileSync } from 'node:child_process';
import { closeSync, lstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareWithMember } from '../src/apply/member-keeper.js';
import { RateLimiter } from '../src/core/rate-limiter.js';
import { FakeClock } from '../src/core/fake-clock.js';
import { nodeFileOps } from '../src/fs/file-ops.js';
import { isTarHeader, zipAlsoReadAs } from '../src/archive/sniff.js';
import { systemProgram } from './helpers/system-programs.js';
import { noise, tarOf, zipOf } from './helpers/archives.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
const open: number[] = [];
beforeEach(() => {
  dir = scratch();
});
afterEach(() => {
  for (const fd of open.splice(0)) closeSync(fd);
  dir.remove();
});

const content = noise(300_000, 4);
const zipProgram = systemProgram(['zip'], 'zip', 'the test of a zip made by Debian’s zip');

/** Compares `file` (bytes written to a loose file) with member `member` of `archive` (bytes written beside it). */
async function compare(
  archive: Buffer,
  member: string,
  file: Buffer = content,
  options: { exact?: boolean; size?: number; signal?: AbortSignal } = {},
) {
  const archivePath = dir.write('backup.bin', archive);
  const fd = openSync(dir.write('loose.bin', file), 'r');
  open.push(fd);
  const st = nodeFileOps.lstat(archivePath);
  return compareWithMember(nodeFileOps, fd, { path: archivePath, st }, member, options.size ?? file.length, {
    exact: options.exact ?? true,
    signal: options.signal,
  });
}

describe('compareWithMember: a keeper inside an archive', () => {
  it('finds a loose file equal to a zip member (deflated or stored); a tar holds no keeper', async () => {
    expect(await compare(zipOf([{ name: 'a/photo.jpg', data: content }]), 'a/photo.jpg')).toBeUndefined();
    expect(
      await compare(
        zipOf([
          { name: 'other', data: noise(10) },
          { name: 'p', data: content, method: 0 },
        ]),
        'p',
      ),
    ).toBeUndefined();
    // tar-stream reads some headers otherwise than GNU tar: a tar is never a keeper's archive.
    const tar = tarOf([{ name: 'x/p.bin', data: content }]);
    expect(await compare(tar, 'x/p.bin')).toMatch(/can hold no keeper: only a zip holds a keeper/);
    expect(await compare(gzipSync(tar), 'x/p.bin')).toMatch(/only a zip holds a keeper/);
  });

  it('refuses a member one byte different, with the offset; shorter; longer; another member', async () => {
    const changed = Buffer.from(content);
    changed[200_000] = changed[200_000]! ^ 1;
    expect(await compare(zipOf([{ name: 'p', data: changed }]), 'p')).toBe(
      "its bytes differ from the keeper's in the archive (at offset 200000)",
    );
    expect(await compare(zipOf([{ name: 'p', data: content.subarray(0, -1) }]), 'p')).toMatch(
      /is 299999 bytes now, the file 300000/,
    );
    expect(await compare(zipOf([{ name: 'p', data: Buffer.concat([content, Buffer.from('x')]) }]), 'p')).toBe(
      'the keeper in the archive is longer than the file',
    );
    expect(await compare(zipOf([{ name: 'q', data: content }]), 'p')).toMatch(
      /is no longer a readable member of its archive/,
    );
  });

  it('refuses an archive where two entries share a name (which one an extraction keeps varies)', async () => {
    const zip = zipOf([
      { name: 'p', data: content },
      { name: 'p', data: noise(300_000, 5) },
    ]);
    expect(await compare(zip, 'p')).toMatch(
      /can hold no keeper: it holds an entry skipped as duplicate-name/,
    );
  });

  it('refuses a member whose CRC lies, an encrypted member, a damaged archive after the member', async () => {
    expect(await compare(zipOf([{ name: 'p', data: content, declaredCrc: 1234 }]), 'p')).toMatch(
      /can hold no keeper: it could not be read to its end/,
    );
    expect(await compare(zipOf([{ name: 'p', data: content, encrypted: true }]), 'p')).toMatch(
      /no longer a readable member/,
    );
    // Cut short: its central directory is gone, though the member's bytes are all there.
    const zip = zipOf([{ name: 'p', data: content }]);
    expect(await compare(zip.subarray(0, zip.length - 30), 'p')).toMatch(
      /can hold no keeper: it could not be read to its end/,
    );
  });

  it('refuses a file that grew beyond the member (exact), accepts its first bytes when not exact', async () => {
    const grown = Buffer.concat([content, Buffer.from('more')]);
    const zip = zipOf([{ name: 'p', data: content }]);
    expect(await compare(zip, 'p', grown, { size: content.length })).toBe(
      'the file grew while being compared',
    );
    expect(await compare(zip, 'p', grown, { size: content.length, exact: false })).toBeUndefined();
  });

  it('reads only the very archive checked: another file put at its path, or a symlink, is refused', async () => {
    const archivePath = dir.write('backup.bin', zipOf([{ name: 'p', data: content }]));
    const fd = openSync(dir.write('loose.bin', content), 'r');
    open.push(fd);
    const st = nodeFileOps.lstat(archivePath);
    // Same bytes, another inode: what was checked is gone.
    writeFileSync(dir.path('other.bin'), zipOf([{ name: 'p', data: content }]));
    nodeFileOps.rename(dir.path('other.bin'), archivePath);
    const how = { exact: true };
    expect(
      await compareWithMember(nodeFileOps, fd, { path: archivePath, st }, 'p', content.length, how),
    ).toMatch(/can hold no keeper: it could not be read to its end \(changed/);
    nodeFileOps.unlink(archivePath);
    nodeFileOps.symlink(dir.path('loose.bin'), archivePath);
    expect(lstatSync(archivePath).isSymbolicLink()).toBe(true);
    expect(
      await compareWithMember(nodeFileOps, fd, { path: archivePath, st }, 'p', content.length, how),
    ).toMatch(/can hold no keeper: it could not be read to its end \(a symbolic link/);
  });

  it('asks the read budget for the file and the archive, and an abort is thrown, not a verdict', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rate: 1_000_000, burst: 600_000, clock });
    const archivePath = dir.write('backup.bin', zipOf([{ name: 'p', data: content }]));
    const fd = openSync(dir.write('loose.bin', content), 'r');
    open.push(fd);
    const st = nodeFileOps.lstat(archivePath);
    const abort = new AbortController();
    const pending = compareWithMember(nodeFileOps, fd, { path: archivePath, st }, 'p', 3_000_000, {
      exact: true,
      limiter,
      signal: abort.signal,
    });
    abort.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses an archive that is not plain: extractors may put other bytes at the member’s name', async () => {
    const bad = noise(300_000, 6);
    // An unsafe name that unzip turns into the member's (a leading slash, an empty or "." part), a file's or a
    // folder's, before or after it.
    for (const other of ['/d/a', 'd//a', 'd/./a', 'd//a/', '/d/a/']) {
      expect(
        await compare(
          zipOf([
            { name: 'd/a', data: content },
            { name: other, data: bad },
          ]),
          'd/a',
        ),
      ).toMatch(/can hold no keeper: it holds an entry skipped as unsafe-name/);
      expect(
        await compare(
          zipOf([
            { name: other, data: bad },
            { name: 'd/a', data: content },
          ]),
          'd/a',
        ),
      ).toMatch(/skipped as unsafe-name/);
    }
    // A link unzip writes through: d -> e, then e/a.
    const linked = zipOf([
      { name: 'd', data: Buffer.from('e'), mode: 0o120777 },
      { name: 'd/a', data: content },
      { name: 'e/a', data: bad },
    ]);
    expect(await compare(linked, 'd/a')).toMatch(/skipped as symlink/);
    // A zip entry with two Unicode Path fields: unzip takes the last, 7-Zip the first.
    const twoNames = zipOf([
      { name: Buffer.from('d/x'), data: content, unicodePath: ['d/a', 'd/z'] },
      { name: Buffer.from('d/y'), data: bad, unicodePath: ['d/w', 'd/a'] },
    ]);
    expect(await compare(twoNames, 'd/a')).toMatch(/not plain \(an entry with two Unicode Path fields\)/);
    // A zip that is also a tar (GNU tar reads its first block as a header whatever the name says).
    const tarHead = tarOf([{ name: 'd/a', data: bad }]).subarray(0, 512);
    const zip = zipOf([{ name: 'd/a', data: content }]);
    const polyglot = Buffer.concat([zip.subarray(0, 0), zip]);
    expect(isTarHeader(tarHead)).toBe(true);
    expect(isTarHeader(polyglot.subarray(0, 512))).toBe(false);
  });

  it('refuses a zip whose end record counts fewer entries than its central directory holds', async () => {
    const zip = zipOf([
      { name: 'd/a', data: content },
      { name: 'd/a', data: noise(300_000, 6) },
    ]);
    // The end record says 1 entry: yauzl would read one, unzip and 7-Zip both (the last wins).
    zip.writeUInt16LE(1, zip.length - 22 + 8);
    zip.writeUInt16LE(1, zip.length - 22 + 10);
    expect(await compare(zip, 'd/a')).toMatch(/holds more entries than its end record counts/);
  });

  it('a zip that is also a tar (GNU tar reads its first block as a header) is read otherwise by another tool', () => {
    expect(zipAlsoReadAs(tarOf([{ name: 'd/a', data: content }]))).toBe('a tar');
    expect(zipAlsoReadAs(zipOf([{ name: 'd/a', data: content }]))).toBeUndefined();
  });

  it('refuses a zip whose local header says otherwise than its central record, as unzip reads it', async () => {
    const shortLocal = zipOf([{ name: 'd/a', data: content, method: 0, local: { size: 100 } }]);
    expect(await compare(shortLocal, 'd/a')).toMatch(/not plain \(an entry whose local header differs/);
    const otherMethod = zipOf([{ name: 'd/a', data: content, method: 0, local: { method: 8 } }]);
    expect(await compare(otherMethod, 'd/a')).toMatch(/local header differs/);
    // A data descriptor (flag bit 3): the local header's sizes are no one's to compare.
    const descriptor = zipOf([{ name: 'd/a', data: content, local: { flags: 0x808 } }]);
    expect(await compare(descriptor, 'd/a')).toMatch(/local header differs/);
  });

  it('refuses entries that other systems’ extractors make into folders, labels or links', async () => {
    const other = noise(10, 3);
    // MS-DOS folder attribute: 7-Zip makes a folder at the name, so the member is not one.
    const dosFolder = zipOf([{ name: 'd/a', data: content, madeBy: { system: 0, attributes: 0x10 } }]);
    expect(await compare(dosFolder, 'd/a')).toMatch(/no longer a readable member/);
    const label = zipOf([{ name: 'd/a', data: content, madeBy: { system: 0, attributes: 0x08 } }]);
    expect(await compare(label, 'd/a')).toMatch(/not plain \(an entry marked as a volume label\)/);
    // A symlink mode from VMS (unzip makes a link of it).
    const vms = zipOf([
      { name: 'd/a', data: content },
      { name: 'e', data: other, madeBy: { system: 2, attributes: (0o120777 << 16) >>> 0 } },
    ]);
    expect(await compare(vms, 'd/a')).toMatch(/not plain \(an entry made by system 2\)/);
  });

  it('refuses a zip whose central directory is not where and as long as its end records say', async () => {
    const zip = zipOf([{ name: 'd/a', data: content }]);
    const endAt = zip.length - 22;
    // Bytes between the directory and the end record: unzip reads its directory back from the end record.
    const gap = Buffer.concat([zip.subarray(0, endAt), Buffer.alloc(16), zip.subarray(endAt)]);
    expect(await compare(gap, 'd/a')).toMatch(
      /not plain \(its central directory is not where its end records say/,
    );
    // A zip64 end record and locator beside an end record whose fields are not maxed out: unzip keeps the classic
    // fields, yauzl the zip64 ones.
    const cdSize = zip.readUInt32LE(endAt + 12);
    const cdOffset = zip.readUInt32LE(endAt + 16);
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeBigUInt64LE(1n, 24);
    record.writeBigUInt64LE(1n, 32);
    record.writeBigUInt64LE(BigInt(cdSize), 40);
    record.writeBigUInt64LE(BigInt(cdOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(endAt), 8);
    locator.writeUInt32LE(1, 16);
    const zip64 = Buffer.concat([zip.subarray(0, endAt), record, locator, zip.subarray(endAt)]);
    expect(await compare(zip64, 'd/a')).toMatch(/its central directory is not where its end records say/);
  });

  it.skipIf(zipProgram === undefined)(
    'accepts a zip as Debian’s zip writes it, zip64 forced, with a comment',
    async () => {
      dir.write('content.bin', content);
      execFileSync('zip', ['-q', '-X', '-fz', 'made.zip', 'content.bin'], { cwd: dir.root });
      execFileSync('zip', ['-q', '-z', 'made.zip'], { cwd: dir.root, input: 'made here\n' });
      expect(await compare(readFileSync(dir.path('made.zip')), 'content.bin')).toBeUndefined();
    },
  );
});
