import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { RateLimiter } from '../core/rate-limiter.js';
import { identityOf } from '../model/identity.js';
import { decodeThumb, type ThumbDecoder } from './previews-image.js';
import {
  makePreviews,
  thumbCacheDir,
  type PreviewFile,
  type PreviewMiss,
  type PreviewsOptions,
} from './previews.js';

let work: string;
let clock: FakeClock;
let misses: PreviewMiss[];
let decodes: number;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'nodupe-previews-'));
  clock = new FakeClock();
  misses = [];
  decodes = 0;
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

const counting: ThumbDecoder = (image) => {
  decodes++;
  return decodeThumb(image);
};

function previews(options: Partial<PreviewsOptions> = {}) {
  return makePreviews({
    cacheDir: join(work, 'cache', 'thumbs'),
    clock,
    onMiss: (miss) => misses.push(miss),
    decode: counting,
    ...options,
  });
}

/** Writes a file and describes it as the catalog would: size, full hash (SHA-256), the identity at the scan. */
function catalogFile(name: string, bytes: Uint8Array | string): PreviewFile {
  const path = join(work, name);
  writeFileSync(path, bytes);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const identity = identityOf(lstatSync(path, { bigint: true }));
  return { path, size: statSync(path).size, hash, hashAlgorithm: 'sha256', identity };
}

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } });

/** Moves the fake clock on, a millisecond at a time, until `promise` settles (reads between grants are real I/O). */
async function whileAdvancing<T>(promise: Promise<T>): Promise<T> {
  const state = { settled: false };
  const watched = promise.finally(() => (state.settled = true));
  while (!state.settled) await clock.advanceAsync(1);
  return watched;
}

async function sizeOf(body: Uint8Array) {
  const meta = await sharp(body).metadata();
  return { format: meta.format, width: meta.width, height: meta.height };
}

describe('thumbnails', () => {
  it('turn a photo taken sideways upright (EXIF orientation 6 swaps width and height)', async () => {
    const jpeg = await solid(80, 40).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const preview = await previews().thumb(catalogFile('sideways.jpg', jpeg));
    expect(preview?.type).toBe('image/webp');
    expect(await sizeOf(preview!.body)).toEqual({ format: 'webp', width: 40, height: 80 });
  });

  it('fit inside 256×256, keeping the proportions, and never enlarge', async () => {
    const big = await solid(1024, 512).png().toBuffer();
    const small = await solid(30, 20).png().toBuffer();
    const p = previews();
    expect(await sizeOf((await p.thumb(catalogFile('big.png', big)))!.body)).toMatchObject({
      width: 256,
      height: 128,
    });
    expect(await sizeOf((await p.thumb(catalogFile('small.png', small)))!.body)).toMatchObject({
      width: 30,
      height: 20,
    });
  });

  it('are made of PNG, WebP, GIF, TIFF and AVIF images, told by their bytes rather than their names', async () => {
    const p = previews();
    for (const [name, bytes] of [
      ['a.png', await solid(64, 48).png().toBuffer()],
      ['b.webp', await solid(64, 48).webp().toBuffer()],
      ['c.gif', await solid(64, 48).gif().toBuffer()],
      ['d.tiff', await solid(64, 48).tiff().toBuffer()],
      ['e.avif', await solid(64, 48).avif().toBuffer()],
      ['misnamed.txt', await solid(64, 48).png().toBuffer()],
    ] as const) {
      const preview = await p.thumb(catalogFile(name, bytes));
      expect(await sizeOf(preview!.body), name).toEqual({ format: 'webp', width: 64, height: 48 });
    }
    expect(misses).toEqual([]);
  });

  it('are decoded once per content: a second request, or another copy of the file, comes from the cache', async () => {
    const limiter = new RateLimiter({ rate: 2 ** 20, burst: 2 ** 20, clock });
    const p = previews({ limiter });
    const png = await solid(300, 200).png().toBuffer();
    const file = catalogFile('photo.png', png);
    const first = await p.thumb(file);
    const cached = join(work, 'cache', 'thumbs', file.hash!.slice(0, 2), `${file.hash!}-256.webp`);
    const mtime = statSync(cached).mtimeMs;
    const readSoFar = limiter.stats().grantedTokens;
    expect(readSoFar).toBe(png.length);

    const copy = { ...catalogFile('copy of photo.png', png), hash: file.hash };
    const again = await p.thumb(file);
    const ofCopy = await p.thumb(copy);
    expect(decodes).toBe(1);
    expect(Buffer.from(again!.body).equals(Buffer.from(first!.body))).toBe(true);
    expect(Buffer.from(ofCopy!.body).equals(Buffer.from(first!.body))).toBe(true);
    expect(limiter.stats().grantedTokens).toBe(readSoFar); // a cache hit reads nothing of the user's file
    expect(statSync(cached).mtimeMs).toBe(mtime);
    // A new run (a new server) finds it too.
    await previews({ limiter }).thumb(file);
    expect(decodes).toBe(1);
  });

  it('keep the cache in a folder only the user can enter', async () => {
    await previews().thumb(catalogFile('a.png', await solid(10, 10).png().toBuffer()));
    expect(statSync(join(work, 'cache', 'thumbs')).mode & 0o777).toBe(0o700);
  });

  it('are made each time, uncached, for a file the catalog holds no hash for', async () => {
    const p = previews();
    const file = { ...catalogFile('unhashed.png', await solid(10, 10).png().toBuffer()), hash: undefined };
    expect(await p.thumb(file)).toBeDefined();
    expect(await p.thumb(file)).toBeDefined();
    expect(decodes).toBe(2);
  });

  it('are made each time, uncached, for a file hashed by a plugin (its hasher never runs in the server)', async () => {
    const p = previews();
    const file = {
      ...catalogFile('plugin.png', await solid(10, 10).png().toBuffer()),
      hashAlgorithm: 'crc-x',
    };
    expect(await p.thumb(file)).toBeDefined();
    expect(await p.thumb(file)).toBeDefined();
    expect(decodes).toBe(2);
    expect(existsSync(join(work, 'cache', 'thumbs', file.hash!.slice(0, 2)))).toBe(false);
  });

  it('are not made of a corrupt image, nor of a file that is no image: undefined, and the reason', async () => {
    const png = await solid(64, 48).png().toBuffer();
    const corrupt = Buffer.concat([png.subarray(0, 40), Buffer.alloc(200, 0x5a)]);
    const p = previews();
    expect(await p.thumb(catalogFile('corrupt.png', corrupt))).toBeUndefined();
    expect(await p.thumb(catalogFile('notes.jpg', 'just some words'))).toBeUndefined();
    expect(misses.map((m) => m.reason)).toEqual([
      expect.stringMatching(/^the image cannot be decoded: /),
      'the file is not an image nodupe can show',
    ]);
    expect(decodes).toBe(1); // the text was never handed to the decoder
  });

  it('are not made of a file over 64 MiB, and nothing of it is read', async () => {
    const limiter = new RateLimiter({ rate: 2 ** 20, burst: 2 ** 20, clock });
    const file = catalogFile('huge.png', await solid(10, 10).png().toBuffer());
    truncateSync(file.path, 65 * 2 ** 20);
    const grown = {
      ...file,
      size: 65 * 2 ** 20,
      identity: identityOf(lstatSync(file.path, { bigint: true })),
    };
    expect(await previews({ limiter }).thumb(grown)).toBeUndefined();
    expect(misses[0]?.reason).toBe('the file is larger than 64 MiB');
    expect(limiter.stats().grantedTokens).toBe(0);
  });
});

describe('what is never previewed', () => {
  it('a symbolic link or a FIFO at the path: nothing is opened or read', async () => {
    const limiter = new RateLimiter({ rate: 2 ** 20, burst: 2 ** 20, clock });
    const p = previews({ limiter });
    const target = catalogFile('target.png', await solid(10, 10).png().toBuffer());
    const link = join(work, 'link.png');
    symlinkSync(target.path, link);
    const fifo = join(work, 'fifo.png');
    execFileSync('mkfifo', [fifo]);
    expect(await p.thumb({ ...target, path: link, identity: undefined })).toBeUndefined();
    expect(await p.text({ ...target, path: link })).toBeUndefined();
    const atFifo = { path: fifo, size: 0, hash: undefined, hashAlgorithm: undefined, identity: undefined };
    expect(await p.thumb(atFifo)).toBeUndefined();
    expect(await p.text(atFifo)).toBeUndefined();
    expect(misses.map((m) => m.reason)).toEqual([
      'the path is a symbolic link now',
      'the path is a symbolic link now',
      'the path is no longer a regular file',
      'the path is no longer a regular file',
    ]);
    expect(limiter.stats().grantedTokens).toBe(0);
    expect(decodes).toBe(0);
  });

  it('a file changed or replaced since the scan, even when its thumbnail is cached', async () => {
    const p = previews();
    const png = await solid(20, 20).png().toBuffer();
    const file = catalogFile('a.png', png);
    expect(await p.thumb(file)).toBeDefined(); // now cached

    // Same size, other bytes: written since the scan.
    writeFileSync(file.path, Buffer.from(png).fill(0x41, 60, 70));
    utimesSync(file.path, 1_000_000, 1_000_000); // a tick apart whatever the file system's time granularity
    expect(await p.thumb(file)).toBeUndefined();
    expect(await p.text(file)).toBeUndefined();
    // Another file put in its place.
    const other = catalogFile('other.png', png);
    renameSync(other.path, file.path);
    expect(await p.thumb(file)).toBeUndefined();
    // Gone.
    rmSync(file.path);
    expect(await p.thumb(file)).toBeUndefined();
    expect(misses.map((m) => m.reason)).toEqual([
      'the file was modified (its mtime changed) since the scan',
      'the file was modified (its mtime changed) since the scan',
      'the file was replaced by another file since the scan',
      'the file vanished',
    ]);
  });

  it('a file whose size is not the catalog’s, when no identity is given', async () => {
    const file = { ...catalogFile('a.txt', 'hello'), identity: undefined, size: 4 };
    expect(await previews().text(file)).toBeUndefined();
    expect(misses[0]?.reason).toBe('the file changed size since the scan (4 → 5 bytes)');
  });
});

describe('the read budget', () => {
  it('grants every byte read before it is read, and a preview waits for it', async () => {
    // 1 KiB a second, starting empty: a 3 KiB text file takes three seconds to read.
    const limiter = new RateLimiter({ rate: 1024, burst: 4096, initialTokens: 0, clock });
    const file = catalogFile('notes.txt', 'x'.repeat(3 * 1024));
    let done = false;
    const pending = previews({ limiter })
      .text(file)
      .then((preview) => {
        done = true;
        return preview;
      });
    await clock.advanceAsync(2000);
    expect(done).toBe(false);
    await clock.advanceAsync(1000);
    expect((await pending)?.body.length).toBe(3 * 1024);
    expect(limiter.stats().grantedTokens).toBe(3 * 1024);
  });

  it('reads an image in chunks the budget can grant', async () => {
    const limiter = new RateLimiter({ rate: 1e9, burst: 64 * 1024, clock });
    const raw = Buffer.alloc(300 * 300 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251; // noise, so the PNG stays large
    const png = await sharp(raw, { raw: { width: 300, height: 300, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const preview = await whileAdvancing(previews({ limiter }).thumb(catalogFile('noise.png', png)));
    expect(preview?.type).toBe('image/webp');
    expect(limiter.stats().grantedTokens).toBe(png.length);
    expect(limiter.stats().granted).toBeGreaterThan(png.length / (64 * 1024));
  });

  it('gives up when the request is aborted while it waits', async () => {
    const limiter = new RateLimiter({ rate: 1, burst: 4096, initialTokens: 0, clock });
    const controller = new AbortController();
    const pending = previews({ limiter }).text(catalogFile('a.txt', 'hello'), controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('a cancelled thumbnail', () => {
  it('is thrown as an abort, and the next one is made as usual', async () => {
    const p = previews();
    const png = await solid(20, 20).png().toBuffer();
    const controller = new AbortController();
    controller.abort();
    await expect(p.thumb(catalogFile('a.png', png), controller.signal)).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(decodes).toBe(0);
    expect((await p.thumb(catalogFile('b.png', png)))?.type).toBe('image/webp');
  });
});

describe('text previews', () => {
  it('show the start of a UTF-8 text file', async () => {
    const preview = await previews().text(catalogFile('notes.md', '# Grocery list\n\n- crème fraîche\n'));
    expect(preview?.type).toBe('text/plain; charset=utf-8');
    expect(Buffer.from(preview!.body).toString()).toBe('# Grocery list\n\n- crème fraîche\n');
  });

  it('show 4 KiB at most, without a character cut in two', async () => {
    const text = 'a'.repeat(4095) + 'é' + 'tail';
    const preview = await previews().text(catalogFile('long.txt', text));
    expect(Buffer.from(preview!.body).toString()).toBe('a'.repeat(4095));
  });

  it('show UTF-8 text whatever its name says', async () => {
    const preview = await previews().text(catalogFile('README', 'plain words'));
    expect(Buffer.from(preview!.body).toString()).toBe('plain words');
  });

  it('show a text file in another encoding with replacement characters, only when its name says text', async () => {
    const latin1 = Buffer.from('caf\xe9 au lait', 'latin1');
    const p = previews();
    expect(Buffer.from((await p.text(catalogFile('menu.txt', latin1)))!.body).toString()).toBe(
      'caf\ufffd au lait',
    );
    expect(await p.text(catalogFile('menu', latin1))).toBeUndefined();
    expect(misses[0]?.reason).toBe('the file is not text (its first bytes are not UTF-8)');
  });

  it('are not shown of a binary file', async () => {
    const jpeg = await solid(10, 10).jpeg().toBuffer();
    expect(await previews().text(catalogFile('photo.txt', jpeg))).toBeUndefined();
    expect(misses[0]?.reason).toBe('the file is binary (it holds NUL bytes)');
  });
});

describe('thumbCacheDir', () => {
  it('is under $XDG_CACHE_HOME, or ~/.cache when that is unset', () => {
    expect(thumbCacheDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/nodupe/thumbs');
    expect(thumbCacheDir({})).toMatch(/\/\.cache\/nodupe\/thumbs$/);
  });
});
