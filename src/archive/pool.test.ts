import { lstatSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noise, tarOf, zipOf } from '../../test/helpers/archives.js';
import { scratch } from '../../test/helpers/tree.js';
import { byteRateLimiter } from '../core/byte-rate.js';
import { FakeClock } from '../core/fake-clock.js';
import { RateLimiter } from '../core/rate-limiter.js';
import { acquireBytes } from '../hash/throttle-port.js';
import { HashPool } from '../hash/hash-pool.js';
import { readArchive } from './read-archive.js';

// The pool's workers run the compiled worker from dist/: `npm run build` first.
let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

const seen = (path: string) => {
  const st = lstatSync(path, { bigint: true });
  return { path, size: Number(st.size), mtimeNs: st.mtimeNs };
};

describe('archives read in the hash pool', () => {
  it('one thread reads two archives: the listings equal reading them here; reads throttled and metered', async () => {
    const files = { 'a.txt': noise(10_000, 1), 'b/c.bin': noise(70_000, 2) };
    const entries = Object.entries(files).map(([name, data]) => ({ name, data }));
    const zip = dir.write('one.zip', zipOf(entries));
    const tgz = dir.write('two.tar.gz', gzipSync(tarOf(entries)));
    let metered = 0;
    const limiter = byteRateLimiter(1 << 30, new FakeClock());
    const pool = new HashPool({ algorithm: 'xxh3', threads: 1, limiter, onBytesRead: (n) => (metered += n) });
    try {
      const listings = await pool.readArchives([seen(zip), seen(tgz), { ...seen(zip), size: 1 }]);
      for (const [i, path] of [zip, tgz].entries()) {
        const here = await readArchive(path, seen(path), { algorithm: 'xxh3' });
        expect(listings[i]).toEqual(here);
        expect(listings[i]!.members.map((m) => m.name)).toEqual(Object.keys(files));
      }
      expect(listings[2]!.problem?.code).toBe('changed');
      const read = listings[0]!.bytesRead + listings[1]!.bytesRead;
      expect(metered).toBe(read);
      expect(limiter.stats().grantedTokens).toBe(read);
    } finally {
      await pool.destroy();
    }
  });

  it('a raw-byte path crosses to the worker and back', async () => {
    const path = Buffer.concat([Buffer.from(dir.path('x')), Buffer.from([0xff]), Buffer.from('.tar')]);
    const bytes = tarOf([{ name: 'a', data: Buffer.from('a') }]);
    (await import('node:fs')).writeFileSync(path, bytes);
    const pool = new HashPool({ algorithm: 'sha256', threads: 1 });
    try {
      const [listing] = await pool.readArchives([
        { path, size: bytes.length, mtimeNs: lstatSync(path, { bigint: true }).mtimeNs },
      ]);
      expect(listing!.members.map((m) => m.name)).toEqual(['a']);
    } finally {
      await pool.destroy();
    }
  });
});

describe("a plugin's hasher that does not return while an archive is read", () => {
  it('is stopped by the pool, naming the archive', async () => {
    const stuck = new URL('../../test/fixtures/plugins/stuck-hasher/state.mjs', import.meta.url).href;
    const tar = dir.write('a.tar', tarOf([{ name: 'a', data: Buffer.from('a') }]));
    const pool = new HashPool({
      algorithm: 'stuck',
      module: stuck,
      plugin: 'stuck-hasher',
      threads: 1,
      hasherTimeLimitMs: 200,
    });
    try {
      const failure = await pool.readArchives([seen(tar)]).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      // Which call is caught depends on the machine's load (the state is made in the first task, then updated).
      expect(failure?.message).toMatch(
        /^plugin "stuck-hasher": its hasher "stuck" did not return from \w+\(\) within 200 ms, /,
      );
      expect(failure?.message).toContain(`hashing ${tar} (an endless loop?)`);
    } finally {
      await pool.destroy();
    }
  });
});

describe('the rate limiter counts stored bytes, not inflated ones', () => {
  it('a tar.gz of 4 MiB of zeros reads its few stored bytes at the limited rate (fake clock)', async () => {
    const clock = new FakeClock();
    const rate = 64 * 1024;
    const limiter = new RateLimiter({ rate, burst: 256 * 1024, initialTokens: 0, clock });
    const packed = gzipSync(
      tarOf([
        { name: 'zeros', data: Buffer.alloc(4 * 1024 ** 2) },
        { name: 'n', data: noise(300_000) },
      ]),
    );
    const path = dir.write('z.tar.gz', packed);
    const state = { done: false };
    const reading = readArchive(path, seen(path), {
      algorithm: 'xxh3',
      budget: (n) => acquireBytes(limiter, n),
    }).finally(() => (state.done = true));
    let waitedMs = 0;
    for (let turns = 0; !state.done && turns < 100_000; turns++) {
      // Time moves only while a read waits for the limiter; real reads complete on the event loop meanwhile.
      if (limiter.stats().waiting > 0) {
        await clock.advanceAsync(10);
        waitedMs += 10;
      } else await new Promise((resolve) => setImmediate(resolve));
    }
    const listing = await reading;
    expect(listing.problem).toBeUndefined();
    expect(listing.members.map((m) => m.name)).toEqual(['zeros', 'n']);
    expect(listing.bytesRead).toBeGreaterThanOrEqual(packed.length);
    expect(listing.bytesRead).toBeLessThan(packed.length + 1024);
    expect(limiter.stats().grantedTokens).toBe(listing.bytesRead);
    // The fake time it took is what the stored bytes need at the rate (4.3 MiB inflated would need 67 s).
    expect(waitedMs).toBeGreaterThanOrEqual((listing.bytesRead / rate) * 1000 - 10);
    expect(waitedMs).toBeLessThan((listing.bytesRead / rate) * 1000 + 1000);
  });
});
