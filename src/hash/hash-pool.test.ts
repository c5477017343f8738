import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { byteRateLimiter } from '../core/byte-rate.js';
import { systemClock } from '../core/clock.js';
import { NodupeError } from '../core/errors.js';
import { scratch } from '../../test/helpers/tree.js';
import { hashInBatches } from './batch-hasher.js';
import { HashBatch } from './hash-batch.js';
import { HashPool } from './hash-pool.js';
import { Outcome, type HashResults } from './task.js';

// The workers run the compiled worker from dist/: `npm run build` first.
const STUCK = new URL('../../test/fixtures/plugins/stuck-hasher/state.mjs', import.meta.url).href;

let dir: ReturnType<typeof scratch>;
const pools: HashPool[] = [];
beforeEach(() => {
  dir = scratch();
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.destroy()));
  dir.remove();
});

function pool(options: Partial<ConstructorParameters<typeof HashPool>[0]> = {}): HashPool {
  const created = new HashPool({ algorithm: 'sha256', threads: 1, ...options });
  pools.push(created);
  return created;
}

interface Seen {
  path: string | Buffer;
  size: number;
  mtimeNs: bigint;
}

/** What the walk would have seen at `path` (a fifo or folder included: the worker must not trust it). */
function item(path: string | Buffer): Seen {
  const st = lstatSync(path, { bigint: true });
  return { path, size: Number(st.size), mtimeNs: st.mtimeNs };
}

/** The whole of each file hashed in one task; the results as one object per file, to compare them easily. */
async function hash(p: HashPool, items: Seen[]) {
  const batch = new HashBatch('full');
  for (const f of items) batch.add(f.path, f.size, f.mtimeNs);
  return outcomes(await (await p.submit('full', batch.finish()!)).result);
}

function outcomes(results: HashResults) {
  return Array.from({ length: results.count }, (_, i) => {
    const bytes = results.bytes[i];
    if (results.kind[i] === Outcome.hash) return { kind: 'hash', hash: results.hash[i], bytes };
    if (results.kind[i] === Outcome.changed) return { kind: 'changed', bytes };
    const error = results.errors.find((e) => e.index === i)!;
    return { kind: 'error', code: error.code, message: error.message, bytes };
  });
}

describe('HashPool reads only regular files, and never waits for one to open', () => {
  it('a fifo, a folder or a link where a file was is an error value, not a hang', async () => {
    const file = dir.write('file', 'content');
    const fifo = dir.path('fifo');
    execFileSync('mkfifo', [fifo]);
    const folder = dir.path('folder');
    mkdirSync(folder);
    const link = dir.path('link');
    symlinkSync(file, link);
    const outcomes = await hash(pool(), [item(file), item(fifo), item(folder), item(link)]);
    expect(outcomes[0]).toMatchObject({ kind: 'hash' });
    const notRegular = { kind: 'error', code: 'ENOTREG', message: 'no longer a regular file', bytes: 0 };
    expect(outcomes.slice(1)).toEqual([notRegular, notRegular, notRegular]);
  });

  it('with followSymlinks a link to a file is read through, and a link to a fifo is still refused', async () => {
    const file = dir.write('file', 'content');
    const fifo = dir.path('fifo');
    execFileSync('mkfifo', [fifo]);
    symlinkSync(file, dir.path('to-file'));
    symlinkSync(fifo, dir.path('to-fifo'));
    const seen = (path: string): Seen => ({ ...item(file), path });
    const outcomes = await hash(pool({ followSymlinks: true }), [
      item(file),
      seen(dir.path('to-file')),
      seen(dir.path('to-fifo')),
    ]);
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[2]).toMatchObject({ kind: 'error', code: 'ENOTREG' });
  });
});

describe("HashPool stops a plugin's hasher that does not return", () => {
  it('ends its workers and fails with a message naming the plugin, the call and the file', async () => {
    const file = dir.write('file', 'content');
    const p = pool({ algorithm: 'stuck', module: STUCK, plugin: 'stuck-hasher', hasherTimeLimitMs: 200 });
    const failure = await hash(p, [item(file)]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(NodupeError);
    expect((failure as NodupeError).code).toBe('FAILED');
    expect((failure as Error).message).toBe(
      `plugin "stuck-hasher": its hasher "stuck" did not return from update() within 200 ms, hashing ${file} ` +
        '(an endless loop?); its workers were stopped',
    );
    // Nothing more is hashed with it.
    await expect(hash(p, [item(file)])).rejects.toBe(failure);
  });

  it('refuses a time limit that is not a positive number', () => {
    expect(() => new HashPool({ algorithm: 'sha256', hasherTimeLimitMs: 0 })).toThrow(
      'HashPool hasherTimeLimitMs: expected a finite number > 0, received 0',
    );
  });
});

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

/** Hashes `files` through `hashInBatches`, collecting the batches' files and results as they come back. */
async function hashAll(pool: HashPool, files: Seen[]) {
  const got: { files: Seen[]; results: HashResults }[] = [];
  await hashInBatches(
    pool,
    'full',
    files,
    (batch, f) => batch.add(f.path, f.size, f.mtimeNs),
    (sent, results) => got.push({ files: sent, results }),
  );
  return got;
}

describe('HashPool answers each batch in columns', () => {
  it('per file, in order: its hash, or changed, or an error listed by index, and the bytes read', async () => {
    const a = dir.write('a', 'alpha');
    const odd = Buffer.concat([Buffer.from(dir.root), Buffer.from([0x2f, 0x6e, 0xff])]); // not UTF-8
    writeFileSync(odd, 'raw name');
    const grown = dir.write('grown', 'short');
    const before = item(grown);
    writeFileSync(grown, 'written since the walk');
    const gone = { path: join(dir.root, 'gone'), size: 3, mtimeNs: 0n };
    const pool = new HashPool({ algorithm: 'sha256', threads: 1 });
    pools.push(pool);
    const [only, ...more] = await hashAll(pool, [item(a), item(odd), before, gone]);
    expect(more).toEqual([]);
    const { files, results } = only!;
    expect(files.map((f) => f.path)).toEqual([a, odd, grown, gone.path]);
    expect(results.count).toBe(4);
    expect([...results.kind]).toEqual([Outcome.hash, Outcome.hash, Outcome.changed, Outcome.error]);
    expect(results.hash).toEqual([sha256('alpha'), sha256('raw name'), '', '']);
    // The changed file's 5 bytes the walk saw were read twice (once more in case it was caught mid-write).
    expect([...results.bytes]).toEqual([5, 8, 2 * 5, 0]);
    expect(results.errors.map((e) => [e.index, e.code])).toEqual([[3, 'ENOENT']]);
    expect(results.errors[0]!.message).toContain('gone');
  });

  it('many batches through the rate limiter and the read meter: every file, every byte counted', async () => {
    const files = Array.from({ length: 600 }, (_, i) => item(dir.write(`f${i}`, `file ${i}`)));
    let metered = 0;
    const pool = new HashPool({
      algorithm: 'sha256',
      threads: 2,
      limiter: byteRateLimiter(1 << 30, systemClock),
      onBytesRead: (bytes) => (metered += bytes),
    });
    pools.push(pool);
    const got = await hashAll(pool, files);
    // Batches come back as they finish; within each, the results are in the order of its files.
    expect(got.map((b) => b.results.count).sort((x, y) => x - y)).toEqual([88, 256, 256]);
    for (const { files: sent, results } of got) {
      expect(results.hash).toEqual(
        sent.map((f) => sha256(`file ${f.path.toString().slice(dir.root.length + 2)}`)),
      );
    }
    expect(new Set(got.flatMap((b) => b.files))).toEqual(new Set(files));
    const total = files.reduce((n, f) => n + f.size, 0);
    expect(got.reduce((n, b) => n + b.results.bytes.reduce((x, y) => x + y, 0), 0)).toBe(total);
    expect(metered).toBe(total);
  });
});
