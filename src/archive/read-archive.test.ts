import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compressedBy, noise, tarOf, zipOf } from '../../test/helpers/archives.js';
import { scratch } from '../../test/helpers/tree.js';
import { createHashState } from '../hash/hashers.js';
import { rangeSpan } from '../hash/task.js';
import type { ArchiveFormat, ArchiveListing } from './listing.js';
import { memberHashes } from '../../test/helpers/member-hashes.js';
import { systemProgram } from '../../test/helpers/system-programs.js';
import { findProgram } from './programs.js';
import { readArchive } from './read-archive.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), noise(100, 7)]);
/** Sizes around the 4,096-byte blocks: empty, under one block, one block, between, many. */
const FILES: Record<string, Buffer> = {
  'empty.txt': Buffer.alloc(0),
  'small.txt': Buffer.from('hello, archive\n'),
  'dir/one-block.bin': noise(4096, 2),
  'dir/between.bin': noise(6000, 3),
  'dir/deep/big.bin': noise(300_000, 4),
  'picture.png': PNG,
};

/** The hashes a scan gives a loose file holding `data`: each range hashed alone. */
async function looseHashes(data: Buffer, algorithm = 'sha256') {
  const state = await createHashState(algorithm);
  const hash = (range: 'head' | 'tail' | 'full') => {
    const { offset, length } = rangeSpan(range, data.length);
    state.reset();
    state.update(data.subarray(offset, offset + length));
    return state.digest();
  };
  return { head: hash('head'), tail: hash('tail'), full: hash('full') };
}

async function read(path: string, algorithm = 'sha256', caps = {}): Promise<ArchiveListing> {
  const st = lstatSync(path, { bigint: true });
  return readArchive(path, { size: Number(st.size), mtimeNs: st.mtimeNs }, { algorithm, caps });
}

async function expectAllMembers(listing: ArchiveListing, format: ArchiveFormat, algorithm = 'sha256') {
  expect(listing.problem).toBeUndefined();
  expect(listing.format).toBe(format);
  const byName = new Map(listing.members.map((m) => [m.name, m]));
  expect([...byName.keys()].sort()).toEqual(Object.keys(FILES).sort());
  for (const [name, data] of Object.entries(FILES)) {
    const member = byName.get(name)!;
    expect(member.size, name).toBe(data.length);
    expect(member.hashes, name).toEqual(await looseHashes(data, algorithm));
  }
  expect(byName.get('picture.png')!.type).toBe('image/png');
  expect(byName.get('small.txt')!.type).toBeUndefined();
}

const tarEntries = () => [
  { name: 'dir/', type: '5' },
  ...Object.entries(FILES).map(([name, data]) => ({ name, data })),
];

describe('readArchive: each format, members hashed as loose files are', () => {
  it('zip, stored and deflated, under every built-in algorithm', async () => {
    const zip = dir.write(
      'a.zip',
      zipOf([
        { name: 'dir/' },
        ...Object.entries(FILES).map(([name, data], i) => ({ name, data, method: i % 2 ? 0 : 8 })),
      ]),
    );
    for (const algorithm of ['sha256', 'xxh3', 'xxh128', 'blake3']) {
      await expectAllMembers(await read(zip, algorithm), 'zip', algorithm);
    }
    const listing = await read(zip);
    expect(listing.members.find((m) => m.name === 'small.txt')!.mtimeMs).toBe(
      new Date(2025, 0, 1, 0, 1, 2).getTime(),
    );
    expect(listing.bytesRead).toBeGreaterThan(0);
  });

  it('tar and tar.gz', async () => {
    const tar = tarOf(tarEntries());
    await expectAllMembers(await read(dir.write('a.tar', tar)), 'tar');
    const listing = await read(dir.write('a.tar.gz', gzipSync(tar)));
    await expectAllMembers(listing, 'tar.gz');
    expect(listing.members[0]!.mtimeMs).toBe(1_700_000_000_000);
  });

  const PACKAGE_OF = { bzip2: 'bzip2', xz: 'xz-utils', zstd: 'zstd' } as const;
  for (const [format, program] of [
    ['tar.bz2', 'bzip2'],
    ['tar.xz', 'xz'],
    ['tar.zst', 'zstd'],
  ] as const) {
    it.skipIf(!systemProgram([program], PACKAGE_OF[program], `the ${format} archive tests`))(
      `${format} (through ${program})`,
      async () => {
        const packed = compressedBy(program, tarOf(tarEntries()))!;
        await expectAllMembers(await read(dir.write(`a.${format}`, packed)), format);
      },
    );

    it.skipIf(!systemProgram([program], PACKAGE_OF[program], `the ${format} archive tests`))(
      `${format} without ${program}: unsupported here, not a failure`,
      async () => {
        const packed = compressedBy(program, tarOf(tarEntries()))!;
        const path = dir.write(`a.${format}`, packed);
        const saved = process.env['PATH'];
        process.env['PATH'] = dir.path('no-programs');
        try {
          const listing = await read(path);
          expect(listing.format).toBe(format);
          expect(listing.problem?.code).toBe('unsupported');
          expect(listing.problem?.message).toContain('install');
        } finally {
          process.env['PATH'] = saved;
        }
      },
    );
  }

  it.skipIf(!systemProgram(['7zz', '7z'], '7zip', 'the 7z archive tests'))(
    '7z through 7-Zip, a symlink skipped',
    async () => {
      for (const [name, data] of Object.entries(FILES)) dir.write(`tree/${name}`, data);
      execFileSync('ln', ['-s', 'small.txt', dir.path('tree', 'link')]);
      execFileSync(findProgram(['7zz', '7z'])!, ['a', '-snl', '-bd', dir.path('a.7z'), '.'], {
        cwd: dir.path('tree'),
      });
      const listing = await read(dir.path('a.7z'));
      expect(listing.skipped).toEqual([{ name: 'link', reason: 'symlink' }]);
      await expectAllMembers({ ...listing, skipped: [] }, '7z');
    },
  );

  it('7z without 7-Zip: the problem says to install it', async () => {
    const path = dir.write('a.7z', Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]));
    const saved = process.env['PATH'];
    process.env['PATH'] = dir.path('no-programs');
    try {
      expect((await read(path)).problem).toEqual({
        code: 'unsupported',
        message: '7z is not supported: install 7zip',
      });
    } finally {
      process.env['PATH'] = saved;
    }
  });

  it('the format comes from the content, not the name', async () => {
    const zip = dir.write('looks.tar.gz', zipOf([{ name: 'a.txt', data: Buffer.from('a') }]));
    expect((await read(zip)).format).toBe('zip');
    const text = dir.write('plain.zip', 'just some text, no archive at all');
    expect(await read(text)).toMatchObject({
      format: undefined,
      members: [],
      problem: { code: 'not-an-archive' },
    });
  });

  it('a nested archive is a plain member: its bytes hashed, never opened', async () => {
    const inner = zipOf([{ name: 'inner.txt', data: Buffer.from('inside') }]);
    const listing = await read(dir.write('outer.tar', tarOf([{ name: 'inner.zip', data: inner }])));
    expect(listing.members.map((m) => m.name)).toEqual(['inner.zip']);
    expect(listing.members[0]!.hashes).toEqual(await looseHashes(inner));
  });
});

describe('memberHashes', () => {
  it('streams one member again: its full hash, as a loose copy has', async () => {
    const zip = dir.write('a.zip', zipOf(Object.entries(FILES).map(([name, data]) => ({ name, data }))));
    const tgz = dir.write('a.tgz', gzipSync(tarOf(tarEntries())));
    for (const path of [zip, tgz]) {
      expect(await memberHashes(path, 'dir/between.bin', 'xxh3')).toEqual({
        full: (await looseHashes(FILES['dir/between.bin']!, 'xxh3')).full,
        size: 6000,
      });
      expect(await memberHashes(path, 'absent', 'xxh3')).toMatchObject({ problem: { code: 'no-member' } });
    }
  });
});

describe('the archive file itself', () => {
  it('a file that changed since the walk is not read: problem "changed"', async () => {
    const path = dir.write('a.tar', tarOf([{ name: 'a', data: Buffer.from('a') }]));
    const st = lstatSync(path, { bigint: true });
    const listing = await readArchive(
      path,
      { size: Number(st.size) + 1, mtimeNs: st.mtimeNs },
      { algorithm: 'sha256' },
    );
    expect(listing).toMatchObject({ members: [], problem: { code: 'changed' } });
  });

  it('a symbolic link to an archive is not followed, a folder is no archive', async () => {
    const path = dir.write('a.tar', tarOf([{ name: 'a', data: Buffer.from('a') }]));
    execFileSync('ln', ['-s', path, dir.path('link.tar')]);
    const listing = await readArchive(dir.path('link.tar'), undefined, { algorithm: 'sha256' });
    expect(listing.problem?.code).toBe('not-regular');
    mkdirSync(dir.path('folder.zip'));
    expect(
      (await readArchive(dir.path('folder.zip'), undefined, { algorithm: 'sha256' })).problem?.code,
    ).toBe('not-regular');
    const followed = await readArchive(dir.path('link.tar'), undefined, {
      algorithm: 'sha256',
      followSymlinks: true,
    });
    expect(followed.members.map((m) => m.name)).toEqual(['a']);
  });
});

describe('names as an extraction leaves them', () => {
  const listed = async (archive: Buffer) => {
    const listing = await readArchive(dir.write('a.bin', archive), undefined, { algorithm: 'xxh3' });
    return { members: listing.members.map((m) => m.name).sort(), listing };
  };

  it('a member named as a folder entry, or as the parent of another entry, is no member (either may win)', async () => {
    const tar = await listed(
      tarOf([
        { name: 'keep.bin', data: noise(100) },
        { name: 'keep.bin/', type: '5' },
        { name: 'other', data: noise(50) },
      ]),
    );
    expect(tar.members).toEqual(['other']);
    expect(tar.listing.skipped).toContainEqual({ name: 'keep.bin', reason: 'duplicate-name' });
    const zip = await listed(
      zipOf([
        { name: 'a.txt', data: noise(100) },
        { name: 'a.txt/b', data: noise(10) },
        { name: 'c/', data: Buffer.alloc(0) },
        { name: 'c/d', data: noise(20) },
      ]),
    );
    expect(zip.members).toEqual(['a.txt/b', 'c/d']);
  });

  it('a zip entry is named by its Unicode Path field, as unzip and 7-Zip name it', async () => {
    const zip = await listed(
      zipOf([
        { name: Buffer.from('keep.bin'), data: noise(100), unicodePath: 'other.bin' },
        { name: 'other.bin', data: noise(10) },
        { name: Buffer.from('plain'), data: noise(10), unicodePath: 'renamed' },
        // Flagged UTF-8: unzip and 7-Zip pass the field over, and so does the listing (the zip is then not plain).
        { name: 'flagged', data: noise(10), unicodePath: 'elsewhere' },
      ]),
    );
    // Two entries an extraction puts at other.bin: neither is a member.
    expect(zip.members).toEqual(['flagged', 'renamed']);
    expect(zip.listing.notPlain).toBe('an entry flagged UTF-8 with a Unicode Path field');
    expect(zip.listing.skipped).toContainEqual({ name: 'other.bin', reason: 'duplicate-name' });
  });

  it('a tar ends at its end-of-archive marker: an entry hidden after it stops the read, zero data does not', async () => {
    const first = tarOf([{ name: 'first', data: noise(700) }]);
    const hidden = tarOf([{ name: 'hidden', data: noise(300) }]);
    const joined = await listed(Buffer.concat([first, hidden]));
    expect(joined.members).toEqual(['first']);
    expect(joined.listing.problem?.code).toBe('corrupt');
    expect(joined.listing.problem?.message).toMatch(/end-of-archive marker/);
    const zeros = await listed(
      gzipSync(
        tarOf([
          { name: 'zeros', data: Buffer.alloc(20_000) },
          { name: 'after', data: noise(10) },
        ]),
      ),
    );
    expect(zeros.members).toEqual(['after', 'zeros']);
    expect(zeros.listing.problem).toBeUndefined();
  });
});

describe('tar headers that would stall or fool a read', () => {
  const read = (archive: Buffer) =>
    readArchive(dir.write('a.tar', archive), undefined, { algorithm: 'xxh3' });

  /** `tar` with its first header's bytes changed by `change`, the checksum made right again. */
  function patched(tar: Buffer, change: (header: Buffer) => void): Buffer {
    const out = Buffer.from(tar);
    const header = out.subarray(0, 512);
    change(header);
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return out;
  }

  it('a folder entry that claims bytes, or a size the parser cannot read, ends the read with a problem', async () => {
    const folder = await read(
      tarOf([
        { name: 'e/', type: '5', declaredSize: 1024 },
        { name: 'd/a', data: noise(100) },
      ]),
    );
    expect(folder.problem?.message).toMatch(/a folder entry that claims 1024 bytes/);
    const size = await read(
      patched(tarOf([{ name: 'd/a', data: noise(100) }]), (h) => {
        h[124] = 0x81;
      }),
    );
    expect(size.problem?.code).toBe('corrupt');
  });

  it('a folder with an unsafe name is recorded', async () => {
    const unsafe = await read(
      tarOf([
        { name: 'd/a', data: noise(100) },
        { name: 'd//a/', type: '5' },
      ]),
    );
    expect(unsafe.skipped).toContainEqual({ name: 'd//a/', reason: 'unsafe-name' });
  });
});
