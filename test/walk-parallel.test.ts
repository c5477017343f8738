import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFileOps } from '../src/fs/file-ops.js';
import { HashPool } from '../src/hash/hash-pool.js';
import { displayPath, type FsPath } from '../src/model/paths.js';
import { pathAt, walk, type WalkOptions, type WalkPool, type WalkResult } from '../src/scan/walk.js';
import { injecting, wrapOps } from './helpers/ops.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let pool: HashPool;
let mounted = false;

/** A name that is not UTF-8. */
const RAW = Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x62]);

beforeAll(() => {
  dir = scratch();
  pool = new HashPool({ algorithm: 'xxh128', threads: 2 });
  dir.write('t/a.txt', 'one');
  linkSync(dir.path('t/a.txt'), dir.path('t/a-link.txt'));
  dir.write('t/.hidden', 'h');
  dir.write('t/skip.tmp', 'tmp');
  dir.write('t/sub/c.txt', 'three');
  dir.write('t/sub/deeper/d.txt', 'four');
  writeFileSync(Buffer.concat([Buffer.from(dir.path('t/sub/')), RAW]), 'raw');
  for (let i = 0; i < 150; i++) dir.write(`t/many/f${i % 30}/g${i}`, `${i}`);
  symlinkSync('..', dir.path('t/sub/up'));
  symlinkSync('a.txt', dir.path('t/file-link'));
  symlinkSync('nowhere', dir.path('t/dangling'));
  execFileSync('mkfifo', [dir.path('t/fifo')]);
  mkdirSync(dir.path('t/mnt'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'none', dir.path('t/mnt')], { stdio: 'ignore' });
    mounted = true;
    dir.write('t/mnt/on-tmpfs', 'other fs');
  } catch {
    // Not root, or no mounts allowed here: the one-file-system case is then skipped.
  }
});

afterAll(async () => {
  await pool.close();
  if (mounted) execFileSync('umount', [dir.path('t/mnt')]);
  dir.remove();
});

interface Walked {
  files: { path: string; root: number; dev: bigint; ino: bigint; size: number; mtimeNs: bigint }[];
  result: WalkResult;
  calls: number;
}

type Options = Omit<WalkOptions, 'onFiles' | 'pool'>;

/** The walk's records, sorted by path (batches come in any order), with its result. */
async function walkWith(options: Options, onPool: boolean | WalkPool): Promise<Walked> {
  const files: Walked['files'] = [];
  let calls = 0;
  const result = await walk({
    ...options,
    ...(onPool === false ? {} : { pool: onPool === true ? pool : onPool, readHereFirst: 0 }),
    onFiles: (batch) => {
      calls++;
      for (let i = 0; i < batch.count; i++) {
        files.push({
          path: show(pathAt(batch, i)),
          root: batch.root[i]!,
          dev: batch.dev[i]!,
          ino: batch.ino[i]!,
          size: batch.size[i]!,
          mtimeNs: batch.mtimeNs[i]!,
        });
      }
    },
  });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, result, calls };
}

/** Walks on the pool and on this thread, checks both found the same, and returns what they found. */
async function both(options: Options): Promise<Walked> {
  const onPool = await walkWith(options, true);
  const inThread = await walkWith(options, false);
  expect(onPool.files).toEqual(inThread.files);
  expect(onPool.result).toEqual(inThread.result);
  return onPool;
}

const show = (path: FsPath): string => (typeof path === 'string' ? path : `bytes:${path.toString('hex')}`);
const under = (w: Walked, base = dir.path('t')) =>
  w.files.map((f) => f.path.replace(`${base}/`, '').replace(Buffer.from(`${base}/`).toString('hex'), ''));
const rel = (paths: FsPath[]) => paths.map((p) => displayPath(p).replace(`${dir.path('t')}/`, ''));

describe('the walk on worker threads and on its own thread', () => {
  it('find the same files, links, problems and counts, raw names and hard links included', async () => {
    const w = await both({ roots: [dir.path('t')], filters: {} });
    const names = under(w);
    expect(names).toContain('a.txt');
    expect(names).toContain('a-link.txt');
    expect(names).toContain('sub/deeper/d.txt');
    expect(names).toContain(`bytes:${Buffer.from('sub/').toString('hex')}${RAW.toString('hex')}`);
    expect(names.filter((n) => n.startsWith('many/'))).toHaveLength(150);
    const a = w.files.find((f) => f.path.endsWith('/a.txt'))!;
    const aLink = w.files.find((f) => f.path.endsWith('/a-link.txt'))!;
    expect([aLink.dev, aLink.ino, aLink.size]).toEqual([a.dev, a.ino, 3]);
    expect(rel(w.result.symlinks)).toEqual(['dangling', 'file-link', 'sub/up']);
    expect(w.result.special).toBe(1);
    expect(w.result.problems).toEqual([]);
    expect(w.result.paths).toBe(w.files.length);
  });

  it('follow links on request, each folder entered once, loops stopped, links recorded in order', async () => {
    const w = await both({ roots: [dir.path('t')], filters: {}, followSymlinks: true });
    // t/sub/up leads back to t: entered already, so no folder is read twice; t/file-link is listed as what it
    // leads to, t/a.txt, beside t/a.txt itself.
    const twice = w.files.filter((f, i) => i > 0 && w.files[i - 1]!.path === f.path).map((f) => f.path);
    expect(twice).toEqual([dir.path('t/a.txt')]);
    expect(w.result.followed.map((f) => [rel([f.link])[0], displayPath(f.real)])).toEqual([
      ['file-link', dir.path('t/a.txt')],
      ['sub/up', dir.path('t')],
    ]);
    expect(w.result.problems.map((p) => [rel([p.path])[0], p.op, p.code])).toContainEqual([
      'dangling',
      'stat',
      'ENOENT',
    ]);
  });

  it('enter a folder given twice, or below another root, once', async () => {
    const roots = [dir.path('t/sub'), dir.path('t'), dir.path('t/sub')];
    const w = await both({ roots, filters: {} });
    const d = w.files.filter((f) => f.path.endsWith('/d.txt'));
    expect(d).toEqual([expect.objectContaining({ root: 0 })]);
    expect(w.files.filter((f) => f.path.endsWith('/a.txt'))).toEqual([expect.objectContaining({ root: 1 })]);
  });

  it('stop at the depth asked', async () => {
    const w = await both({ roots: [dir.path('t')], filters: {}, maxDepth: 1 });
    const names = under(w);
    expect(names).toContain('sub/c.txt');
    expect(names).not.toContain('sub/deeper/d.txt');
    expect(names.some((n) => n.startsWith('many/f0/'))).toBe(false);
  });

  it('stay on one file system when asked', async (context) => {
    if (!mounted) context.skip();
    const whole = await both({ roots: [dir.path('t')], filters: {} });
    expect(under(whole)).toContain('mnt/on-tmpfs');
    const one = await both({ roots: [dir.path('t')], filters: {}, oneFileSystem: true });
    expect(under(one)).not.toContain('mnt/on-tmpfs');
    expect(under(one)).toContain('a.txt');
  });

  it('apply the filters in every thread and report the globs that matched', async () => {
    const matchedOnPool = new Set<string>();
    const onPool = await walkWith(
      {
        roots: [dir.path('t')],
        filters: { exclude: ['*.tmp', 'many/f1*', 'nothing*'], hidden: false, matched: matchedOnPool },
      },
      true,
    );
    const matchedHere = new Set<string>();
    const here = await walkWith(
      {
        roots: [dir.path('t')],
        filters: { exclude: ['*.tmp', 'many/f1*', 'nothing*'], hidden: false, matched: matchedHere },
      },
      false,
    );
    expect(onPool.files).toEqual(here.files);
    const names = under(onPool);
    expect(names).not.toContain('skip.tmp');
    expect(names).not.toContain('.hidden');
    expect(names.some((n) => n.startsWith('many/f1'))).toBe(false);
    expect(names.some((n) => n.startsWith('many/f2'))).toBe(true);
    expect([...matchedOnPool].sort()).toEqual(['*.tmp', 'many/f1*']);
    expect([...matchedHere].sort()).toEqual(['*.tmp', 'many/f1*']);
  });

  it('leave out nodupe own folders and files', async () => {
    const w = await both({
      roots: [dir.path('t')],
      filters: {},
      skipFolders: [dir.path('t/many')],
      skipFiles: [dir.path('t/sub/c.txt')],
    });
    const names = under(w);
    expect(names.some((n) => n.startsWith('many/'))).toBe(false);
    expect(names).not.toContain('sub/c.txt');
    expect(names).toContain('sub/deeper/d.txt');
  });

  it('hand files over as the walk goes, and count folders', async () => {
    const w = await both({ roots: [dir.path('t')], filters: {} });
    expect(w.calls).toBeGreaterThan(1);
    expect(w.result.dirs).toBeGreaterThan(30);
  });
});

describe('a small tree', () => {
  it('is walked on the walk own thread, and a larger one goes to the pool once it shows its size', async () => {
    for (let i = 0; i < 30; i++) dir.write(`s/f${i}/a`, 'a');
    let tasks = 0;
    const counting: WalkPool = {
      threads: pool.threads,
      walk: (task) => {
        tasks++;
        return pool.walk(task);
      },
    };
    const roots = [dir.path('s')];
    await walk({ roots, filters: {}, pool: counting, onFiles: () => undefined });
    expect(tasks).toBe(0);
    // 31 folders and 60 entries: past 10 entries read here, the rest of the folders go to the pool.
    const { dirs } = await walk({
      roots,
      filters: {},
      pool: counting,
      readHereFirst: 10,
      onFiles: () => undefined,
    });
    expect(dirs).toBe(31);
    expect(tasks).toBeGreaterThan(0);
  });
});

describe('a folder gone before it was read', () => {
  it('is reported the same way on the pool and on the walk own thread, and the walk goes on', async () => {
    const gone = dir.path('g/gone');
    const plant = () => {
      dir.write('g/gone/x', 'x');
      dir.write('g/kept/y', 'y');
    };
    // On the pool, the folder goes just before the task that reads it is handed to a worker.
    plant();
    const racing: WalkPool = {
      threads: pool.threads,
      walk: (task) => {
        if (task.folders.some((f) => Buffer.from(f.path).toString() === gone))
          rmSync(gone, { recursive: true });
        return pool.walk(task);
      },
    };
    const onPool = await walkWith({ roots: [dir.path('g')], filters: {} }, racing);
    // On the walk's own thread, just before its readdir.
    plant();
    const ops = wrapOps(nodeFileOps, (name, args, call) => {
      if (name === 'readdir' && String(args[0]) === gone) rmSync(gone, { recursive: true });
      return call();
    });
    const here = await walkWith({ roots: [dir.path('g')], filters: {}, ops }, false);
    expect(onPool.result).toEqual(here.result);
    expect(onPool.files.map((f) => f.path)).toEqual([dir.path('g/kept/y')]);
    expect(onPool.result.problems).toEqual([
      expect.objectContaining({ path: gone, op: 'readdir', code: 'ENOENT' }),
    ]);
    expect(here.files.map((f) => f.path)).toEqual([dir.path('g/kept/y')]);
  });
});

describe('a walk aborted midway', () => {
  for (const onPool of [true, false]) {
    it(`stops with the abort error ${onPool ? 'on the pool' : 'on its own thread'}`, async () => {
      const controller = new AbortController();
      let calls = 0;
      const walking = walk({
        roots: [dir.path('t')],
        filters: {},
        signal: controller.signal,
        ...(onPool ? { pool, readHereFirst: 0 } : {}),
        onFiles: () => {
          calls++;
          controller.abort();
        },
      });
      await expect(walking).rejects.toMatchObject({ name: 'AbortError' });
      expect(calls).toBe(1);
    });
  }
});

describe('a walk given file operations', () => {
  it('reads on its own thread, reports a folder it cannot read and goes on', async () => {
    const ops = injecting(nodeFileOps, [{ call: 'readdir', pathIncludes: 't/sub', code: 'EIO' }]);
    const w = await walkWith({ roots: [dir.path('t')], filters: {}, ops }, true);
    expect(w.result.problems).toContainEqual({
      path: join(dir.path('t'), 'sub'),
      op: 'readdir',
      code: 'EIO',
      message: 'EIO: injected failure, readdir',
    });
    expect(under(w)).toContain('a.txt');
    expect(under(w).some((n) => n.startsWith('sub/'))).toBe(false);
  });
});
