// Archives crafted so that a member would be catalogued with content the user would not get back from it.
import { execFileSync } from 'node:child_process';
import { appendFileSync, lstatSync, readFileSync, truncateSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noise, tarOf, zipOf } from '../../test/helpers/archives.js';
import { systemProgram } from '../../test/helpers/system-programs.js';
import { scratch } from '../../test/helpers/tree.js';
import { textFormat } from '../dupes/formats/text.js';
import type { DupesReport } from '../dupes/report.js';
import type { ArchiveListing } from './listing.js';
import { memberHashes } from '../../test/helpers/member-hashes.js';
import { findProgram } from './programs.js';
import { readArchive } from './read-archive.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

async function read(name: string, bytes: Buffer): Promise<ArchiveListing> {
  const path = dir.write(name, bytes);
  const st = lstatSync(path, { bigint: true });
  return readArchive(path, { size: Number(st.size), mtimeNs: st.mtimeNs }, { algorithm: 'xxh3' });
}

const names = (listing: ArchiveListing) => listing.members.map((m) => m.name);

describe('zip members are held to their CRC', () => {
  it('a member whose bytes do not match its CRC is dropped, the archive a problem', async () => {
    const zip = zipOf([
      { name: 'good', data: Buffer.from('good') },
      { name: 'lies', data: Buffer.from('FAKE'), declaredCrc: 0x12345678 },
    ]);
    const listing = await read('c.zip', zip);
    expect(names(listing)).toEqual(['good']);
    expect(listing.problem?.code).toBe('corrupt');
    expect(await memberHashes(dir.path('c.zip'), 'lies', 'xxh3')).toMatchObject({
      problem: { code: 'corrupt' },
    });
  });
});

describe("a problem's message", () => {
  it('shows a member name from the archive printable: no escape sequence, no forged line', async () => {
    const name = 'x\u001b[31mRED\u001b[0m\nFORGED \u202etxt.exe';
    const zip = zipOf([{ name, data: Buffer.from('FAKE'), declaredCrc: 0 }]);
    const listing = await read('c.zip', zip);
    expect(listing.problem?.code).toBe('corrupt');
    expect(listing.problem?.message).toContain('x\\x1b[31mRED\\x1b[0m\\x0aFORGED \\u202etxt.exe');
    for (const raw of ['\u001b', '\n', '\u202e']) expect(listing.problem?.message).not.toContain(raw);
  });
});

describe('tar entries whose stored bytes are not the content', () => {
  it('pax sparse members (GNU.sparse.* keys) and GNU sparse headers are skipped as unsupported-kind', async () => {
    const listing = await read(
      's.tar',
      tarOf([
        {
          name: 'GNUSparseFile.0/f',
          data: Buffer.from('1\n0\n4\nDATA'),
          paxRecords: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'f' },
        },
        { name: 'g', type: 'S', data: Buffer.from('DATA') },
        { name: 'plain', data: Buffer.from('DATA') },
      ]),
    );
    expect(names(listing)).toEqual(['plain']);
    expect(listing.skipped.map((s) => s.reason)).toEqual(['unsupported-kind', 'unsupported-kind']);
  });

  it('a sparse file as GNU tar writes it (`--sparse --format=pax`) is skipped, never catalogued by its map', async () => {
    // A file with a hole: GNU tar stores its data stretches and a map, under a GNUSparseFile.N/ name.
    dir.write('tree/f', 'head');
    truncateSync(dir.path('tree/f'), 1024 ** 2);
    appendFileSync(dir.path('tree/f'), 'tail');
    execFileSync('tar', ['--sparse', '--format=pax', '-cf', dir.path('s.tar'), 'f'], {
      cwd: dir.path('tree'),
    });
    const listing = await read('s2.tar', readFileSync(dir.path('s.tar')));
    expect(listing.members).toEqual([]);
    expect(listing.skipped).toMatchObject([{ reason: 'unsupported-kind' }]);
  });
});

describe('a repeated member name', () => {
  it('tar: every copy is skipped (`tar x` keeps the last, so no copy is the name’s)', async () => {
    const tar = tarOf([
      { name: 'x', data: Buffer.from('one') },
      { name: 'y', data: Buffer.from('y') },
      { name: 'x', data: Buffer.from('two') },
      { name: 'x', data: Buffer.from('three') },
    ]);
    const listing = await read('d.tar', tar);
    expect(names(listing)).toEqual(['y']);
    expect(listing.skipped).toEqual([
      { name: 'x', reason: 'duplicate-name' },
      { name: 'x', reason: 'duplicate-name' },
      { name: 'x', reason: 'duplicate-name' },
    ]);
    expect(await memberHashes(dir.path('d.tar'), 'x', 'xxh3')).toMatchObject({
      problem: { code: 'no-member' },
    });
  });

  it('tar: a link of a member’s name (extracted in its place) counts as a copy', async () => {
    const tar = tarOf([
      { name: 'x', data: Buffer.from('one') },
      { name: 'x', type: '2', data: Buffer.alloc(0) },
      { name: 'l', type: '2', data: Buffer.alloc(0) },
      { name: 'l', data: Buffer.from('two') },
    ]);
    const listing = await read('l.tar', tar);
    expect(names(listing)).toEqual([]);
    expect(listing.skipped.map((s) => [s.name, s.reason])).toEqual([
      ['x', 'duplicate-name'],
      ['x', 'symlink'],
      ['l', 'symlink'],
      ['l', 'duplicate-name'],
    ]);
  });

  it('zip: the same', async () => {
    const zip = zipOf([
      { name: 'x', data: Buffer.from('one') },
      { name: 'x', data: Buffer.from('two') },
    ]);
    expect(names(await read('d.zip', zip))).toEqual([]);
    expect(await memberHashes(dir.path('d.zip'), 'x', 'xxh3')).toMatchObject({
      problem: { code: 'no-member' },
    });
  });
});

describe('the archive file is the one the walk saw', () => {
  it('another inode at the path (same size and mtime) is "changed"', async () => {
    const path = dir.write('a.tar', tarOf([{ name: 'a', data: Buffer.from('a') }]));
    const st = lstatSync(path, { bigint: true });
    const expect1 = { size: Number(st.size), mtimeNs: st.mtimeNs, dev: st.dev, ino: st.ino };
    expect((await readArchive(path, expect1, { algorithm: 'xxh3' })).problem).toBeUndefined();
    const other = { ...expect1, ino: st.ino + 1n };
    expect((await readArchive(path, other, { algorithm: 'xxh3' })).problem?.code).toBe('changed');
  });
});

describe('member names in the text format', () => {
  it('are escaped (no terminal escapes, no forged lines); the archive path is written as it is', () => {
    const written: string[] = [];
    const report = {
      algorithm: 'xxh3',
      roots: ['/r'],
      groups: [
        {
          size: 5,
          hash: 'h',
          files: [],
          members: [
            {
              archive: '/r/a\tb.zip',
              member: 'x\u001b[31mRED\u001b[0m\nFAKE /etc/passwd\r\u009b',
              mtimeMs: 0,
            },
          ],
        },
      ],
      summary: { groups: 1, redundant: 0, reclaimableBytes: 0, members: 1 },
      problems: [],
      changed: [],
    } as unknown as DupesReport;
    textFormat.render(report, { write: (chunk) => written.push(chunk.toString()) });
    const text = written.join('');
    expect(text).toContain('[archive] /r/a\tb.zip!/x\\x1b[31mRED\\x1b[0m\\x0aFAKE /etc/passwd\\x0d\\x9b\n');
    expect(text).not.toContain('\u001b');
  });
});

describe.skipIf(!systemProgram(['7zz', '7z'], '7zip', 'the hostile 7z tests'))('7z', () => {
  const program = () => findProgram(['7zz', '7z'])!;
  const tree = () => dir.path('tree');
  const sevenZip = (...args: string[]) => execFileSync(program(), ['-bd', ...args], { cwd: tree() });

  it('an encrypted entry whose exclusion would leave out another (a path prefix): refused, nothing misread', async () => {
    dir.write('tree/d', 'enc\n');
    dir.write('tree/e/x', 'REAL\n');
    dir.write('tree/z1', 'FAKE\n');
    sevenZip('a', '-pPW', dir.path('a.7z'), 'd');
    sevenZip('a', dir.path('a.7z'), 'e/x', 'z1');
    sevenZip('rn', dir.path('a.7z'), 'e/x', 'd/x');
    const st = lstatSync(dir.path('a.7z'), { bigint: true });
    const listing = await readArchive(
      dir.path('a.7z'),
      { size: Number(st.size), mtimeNs: st.mtimeNs },
      { algorithm: 'xxh3' },
    );
    expect(listing.problem?.code).toBe('corrupt');
    expect(listing.members.filter((m) => m.hashes)).toEqual([]);
    expect(await memberHashes(dir.path('a.7z'), 'd/x', 'xxh3')).toMatchObject({
      problem: { code: 'corrupt' },
    });
  });

  it('a repeated name: every copy skipped', async () => {
    dir.write('tree/x', 'one');
    dir.write('tree/y', 'two');
    dir.write('tree/z', 'z');
    sevenZip('a', dir.path('r.7z'), 'x', 'y', 'z');
    sevenZip('rn', dir.path('r.7z'), 'y', 'x');
    const listing = await read('r2.7z', readFileSync(dir.path('r.7z')));
    expect(names(listing)).toEqual(['z']);
    expect(listing.skipped).toEqual([
      { name: 'x', reason: 'duplicate-name' },
      { name: 'x', reason: 'duplicate-name' },
    ]);
    expect(await memberHashes(dir.path('r.7z'), 'x', 'xxh3')).toMatchObject({
      problem: { code: 'no-member' },
    });
  });

  it('is read as a 7z only: after a 7z signature, a tar or a zip is none to 7-Zip', async () => {
    const signature = Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]);
    const tar = tarOf([
      { name: 'hard', type: '1', data: Buffer.alloc(0) },
      { name: 'f', data: Buffer.from('content') },
    ]);
    // A zip bypassing the zip reader's defences (here: a member whose name repeats).
    const zip = zipOf([
      { name: 'x', data: Buffer.from('one') },
      { name: 'x', data: Buffer.from('two') },
    ]);
    for (const [name, inner] of [
      ['t.7z', tar],
      ['z.7z', zip],
    ] as const) {
      const listing = await read(name, Buffer.concat([signature, noise(26), inner]));
      expect(listing.format).toBe('7z');
      expect(listing.members).toEqual([]);
      expect(listing.problem?.code).toBe('corrupt');
    }
  });

  it('an encrypted entry with an unsafe name never reaches 7-Zip’s command line: a problem kept', async () => {
    // A name over 4,096 bytes (no file on disk can have one: the entry is renamed in the archive).
    dir.write('tree/s', 'secret');
    dir.write('tree/open', 'open');
    sevenZip('a', '-pPW', dir.path('u.7z'), 's');
    sevenZip('a', dir.path('u.7z'), 'open');
    sevenZip('rn', dir.path('u.7z'), 's', `${'n'.repeat(200)}/`.repeat(25) + 's');
    const listing = await readArchive(dir.path('u.7z'), undefined, { algorithm: 'xxh3' });
    expect(listing.problem?.code).toBe('corrupt');
  });
});
