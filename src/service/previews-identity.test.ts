import { existsSync, readdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { scratch } from '../../test/helpers/tree.js';
import { SqliteCatalog } from '../catalog/sqlite/sqlite-store.js';
import { FakeClock } from '../core/fake-clock.js';
import { RateLimiter } from '../core/rate-limiter.js';
import { builtinCandidates } from '../plugins/builtins.js';
import { PluginHost } from '../plugins/host.js';
import { scan } from '../scan/scan.js';
import { servicePreviews } from '../serve/service-backend.js';
import { decodeThumb } from './previews-image.js';
import { makePreviews, type PreviewMiss } from './previews.js';
import { Service } from './service.js';

// The previews the server gives, of files a real scan catalogued, when a file is swapped or rewritten after the
// scan: no preview, and nothing cached under the catalog's hash (which would show for every copy, in every run).

let closeAll: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeAll?.();
  closeAll = undefined;
});

/** A 64×64 PNG stored without compression: every colour gives a file of the same size. */
const square = (r: number, g: number, b: number) =>
  sharp({ create: { width: 64, height: 64, channels: 3, background: { r, g, b } } })
    .png({ compressionLevel: 0, palette: false })
    .toBuffer();

/** A second ago, in whole seconds: a time `utimes` can set back exactly. */
const SCAN_MTIME = 1_700_000_000;

/**
 * Two copies of a red square and a smaller lone picture, scanned into a real catalog; the server's previews of
 * them (`servicePreviews` over `Service.fileForPreview`), with a cache folder, decodes counted, misses kept.
 */
async function scanned(limiter?: RateLimiter) {
  const dir = scratch();
  const red = await square(200, 40, 40);
  const blue = await square(40, 40, 200);
  expect(blue.length).toBe(red.length);
  const paths = {
    a: dir.write('photos/a.png', red),
    b: dir.write('photos/b.png', red),
    lone: dir.write('photos/lone.png', await solidSmall()),
  };
  for (const path of Object.values(paths)) utimesSync(path, SCAN_MTIME, SCAN_MTIME);
  const catalogPath = dir.path('catalog.db');
  const catalog = SqliteCatalog.open(catalogPath);
  await scan({ roots: [dir.path('photos')], catalog, threads: 1 });
  const ids = Object.fromEntries(catalog.liveFiles().map((f) => [String(f.path), f.id]));
  catalog.close();
  const clock = new FakeClock({ wallNow: Date.UTC(2026, 5, 1) });
  const plugins = new PluginHost({ clock });
  await plugins.start(builtinCandidates());
  const service = await Service.open({ catalogPath, env: {}, clock, dataDir: dir.path('data'), plugins });
  closeAll = async () => {
    await service.close();
    await plugins.stop();
    dir.remove();
  };
  const cacheDir = dir.path('cache', 'thumbs');
  const misses: PreviewMiss[] = [];
  const counts = { decodes: 0 };
  const previews = makePreviews({
    cacheDir,
    clock,
    limiter,
    onMiss: (miss) => misses.push(miss),
    decode: (image) => (counts.decodes++, decodeThumb(image)),
  });
  const source = servicePreviews(service, previews);
  const id = (name: keyof typeof paths) => ids[paths[name]]!;
  const signal = new AbortController().signal;
  return {
    service,
    id,
    thumb: (name: keyof typeof paths) => source.thumb(id(name), signal),
    text: (name: keyof typeof paths) => source.text(id(name), signal),
    paths,
    blue,
    misses,
    counts,
    /** The thumbnails in the cache folder, as paths under it. */
    cached: () =>
      existsSync(cacheDir)
        ? readdirSync(cacheDir, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.webp'))
        : [],
  };
}

const solidSmall = () =>
  sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 0, g: 160, b: 0 } } })
    .png()
    .toBuffer();

/** The colour of a thumbnail's first pixel: is it the red square, or the blue one? */
async function colourOf(body: Uint8Array): Promise<'red' | 'blue'> {
  const [r, , b] = await sharp(body).raw().toBuffer();
  return r! > b! ? 'red' : 'blue';
}

describe('previews served for catalog files', () => {
  it('show a file still the one the scan saw, and cache its thumbnail once under the catalog hash', async () => {
    const f = await scanned();
    const hash = f.service.fileForPreview(f.id('a'))!.hash!;
    expect(hash).toMatch(/^[0-9a-f]{16}$/); // the scan's full hash (xxh3)

    const first = await f.thumb('a');
    expect(await colourOf(first!.body)).toBe('red');
    expect(f.cached()).toEqual([join(hash.slice(0, 2), `${hash}-256.webp`)]);
    expect(await colourOf((await f.thumb('b'))!.body)).toBe('red'); // the copy: from the cache
    expect(f.counts.decodes).toBe(1);
    expect(f.misses).toEqual([]);
  });

  it('show a file never fully hashed, made each time and cached under no hash', async () => {
    const f = await scanned();
    expect(f.service.fileForPreview(f.id('lone'))!.hash).toBeUndefined(); // of a size no other file has
    expect(await f.thumb('lone')).toBeDefined();
    expect(await f.thumb('lone')).toBeDefined();
    expect(f.counts.decodes).toBe(2);
    expect(f.cached()).toEqual([]);
  });

  it('refuse a file swapped after the scan (same path and size, another inode): no preview, nothing cached', async () => {
    const f = await scanned();
    const before = statSync(f.paths.a).ino;
    const swap = join(f.paths.a, '..', '.swap');
    writeFileSync(swap, f.blue);
    utimesSync(swap, SCAN_MTIME, SCAN_MTIME);
    renameSync(swap, f.paths.a);
    expect(statSync(f.paths.a)).toMatchObject({ size: f.blue.length });
    expect(statSync(f.paths.a).ino).not.toBe(before);

    expect(await f.thumb('a')).toBeUndefined();
    expect(await f.text('a')).toBeUndefined();
    expect(f.misses.map((m) => m.reason)).toEqual([
      'the file was replaced by another file since the scan',
      'the file was replaced by another file since the scan',
    ]);
    expect(f.counts.decodes).toBe(0);
    expect(f.cached()).toEqual([]);
    // The true copy still shows its own content.
    expect(await colourOf((await f.thumb('b'))!.body)).toBe('red');
  });

  it('refuse a file rewritten in place with its mtime set back: no preview, nothing cached', async () => {
    const f = await scanned();
    writeFileSync(f.paths.a, f.blue);
    utimesSync(f.paths.a, SCAN_MTIME, SCAN_MTIME); // the same inode, size and mtime as at the scan
    expect(await f.thumb('a')).toBeUndefined();
    // The inode's ctime moved with the write, and no one can set it back.
    expect(f.misses[0]?.reason).toMatch(/^the file was changed \(its ctime moved/);
    expect(f.cached()).toEqual([]);
    expect(await colourOf((await f.thumb('b'))!.body)).toBe('red');
  });

  it('refuse a file rewritten after it was opened and checked, by its hash: no preview, nothing cached', async () => {
    // The rewrite lands while the preview waits for its read budget, after the identity check passed: only the
    // hash of the bytes read can tell.
    const limiter = new RateLimiter({ rate: 2 ** 20, burst: 2 ** 20, clock: new FakeClock() });
    const f = await scanned(limiter);
    const acquire = limiter.acquire.bind(limiter);
    let rewritten = false;
    limiter.acquire = (n, options) => {
      if (!rewritten) {
        rewritten = true;
        writeFileSync(f.paths.a, f.blue);
        utimesSync(f.paths.a, SCAN_MTIME, SCAN_MTIME);
      }
      return acquire(n, options);
    };

    expect(await f.thumb('a')).toBeUndefined();
    expect(rewritten).toBe(true);
    expect(f.misses.map((m) => m.reason)).toEqual([
      "the file's content changed since the scan (its hash is not the catalog's)",
    ]);
    expect(f.counts.decodes).toBe(0);
    expect(f.cached()).toEqual([]);
    expect(await colourOf((await f.thumb('b'))!.body)).toBe('red');
    expect(f.cached()).toHaveLength(1);
  });
});
