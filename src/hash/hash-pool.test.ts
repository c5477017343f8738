import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodupeError } from '../core/errors.js';
import { scratch } from '../../test/helpers/tree.js';
import { HashPool } from './hash-pool.js';
import type { HashItem } from './task.js';

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

/** What the walk would have seen at `path` (a fifo or folder included: the worker must not trust it). */
function item(path: string): HashItem {
  const st = lstatSync(path, { bigint: true });
  return { path, range: 'full', size: Number(st.size), mtimeNs: st.mtimeNs };
}

async function hash(p: HashPool, items: HashItem[]) {
  return (await p.submit(items)).result;
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
    const seen = (path: string): HashItem => ({ ...item(file), path });
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
    await expect(p.submit([item(file)])).rejects.toBe(failure);
  });

  it('refuses a time limit that is not a positive number', () => {
    expect(() => new HashPool({ algorithm: 'sha256', hasherTimeLimitMs: 0 })).toThrow(
      'HashPool hasherTimeLimitMs: expected a finite number > 0, received 0',
    );
  });
});
