import {
  appendFileSync,
  mkdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scratch } from '../../test/helpers/tree.js';
import { FakeClock } from '../core/fake-clock.js';
import type { TreeWatchEvent, TreeWatchOptions } from './events.js';
import { watchTree, type TreeWatch } from './tree-watcher.js';

const SETTLE = 1_000;

/** Every event a watcher sent, and a way to wait (on real fs events, never on time) until some arrived. */
function recorder() {
  const events: TreeWatchEvent[] = [];
  const waiters = new Set<() => boolean>();
  return {
    events,
    onEvent: (event: TreeWatchEvent) => {
      events.push(event);
      for (const done of waiters) if (done()) waiters.delete(done);
    },
    /** Resolves once `test` holds over the events so far; the real-time guard only turns a hang into a failure. */
    until: (test: (events: TreeWatchEvent[]) => boolean, what: string): Promise<void> => {
      if (test(events)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const guard = setTimeout(() => {
          waiters.delete(done);
          reject(new Error(`no ${what} after 10 s; events: ${JSON.stringify(events.slice(-10))}`));
        }, 10_000);
        const done = () => {
          if (!test(events)) return false;
          clearTimeout(guard);
          resolve();
          return true;
        };
        waiters.add(done);
      });
    },
  };
}

const of = <T extends TreeWatchEvent['type']>(events: TreeWatchEvent[], type: T) =>
  events.filter((e): e is Extract<TreeWatchEvent, { type: T }> => e.type === type);
const settlingOf = (path: string) => (events: TreeWatchEvent[]) =>
  events.some((e) => e.type === 'settling' && e.path === path);

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
  cleanups = [];
});

function setUp(files: Record<string, string> = {}, options: Partial<TreeWatchOptions> = {}) {
  const dir = scratch();
  for (const [name, content] of Object.entries(files)) dir.write(name, content);
  const clock = new FakeClock();
  const rec = recorder();
  const tree: TreeWatch = watchTree(dir.root, { clock, settleMs: SETTLE, onEvent: rec.onEvent, ...options });
  cleanups.push(dir.remove, () => tree.close());
  let barriers = 0;
  /** Every fs event before this call has been handled: inotify keeps one order, so a new folder's event comes last. */
  const barrier = async () => {
    const path = dir.path(`barrier-${barriers++}`);
    mkdirSync(path);
    await rec.until((events) => events.some((e) => e.type === 'folder-added' && e.path === path), 'barrier');
  };
  /** Events since `from` other than the barriers'. */
  const since = (from: number) =>
    rec.events.slice(from).filter((e) => !(e.type === 'folder-added' && e.path.includes('barrier-')));
  return { dir, clock, tree, ...rec, barrier, since };
}

describe('watchTree', () => {
  it('knows the tree it starts on without reporting it, and holds no timer while idle', () => {
    const { events, clock, tree, dir } = setUp({ 'a.txt': 'a', 'sub/b.txt': 'bb', 'sub/deep/c.txt': 'ccc' });
    expect(events).toEqual([{ type: 'ready', backend: 'fs.watch', files: 3, folders: 3 }]);
    expect([...tree.files()].map((f) => f.path).sort()).toEqual(
      [dir.path('a.txt'), dir.path('sub/b.txt'), dir.path('sub/deep/c.txt')].sort(),
    );
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reports a new file once its size and mtime held still for the settle window, not before', async () => {
    const { dir, clock, until, events } = setUp();
    const path = dir.write('new.bin', 'hello');
    await until(settlingOf(path), 'settling');
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(SETTLE - 1);
    expect(of(events, 'settled')).toEqual([]);
    clock.advance(1);
    expect(of(events, 'settled')).toMatchObject([{ path, change: 'new', stat: { size: 5 } }]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('does not report a file that keeps growing until it stops', async () => {
    const { dir, clock, until, events, barrier } = setUp();
    const path = dir.write('video.mp4', 'x'.repeat(100));
    await until(settlingOf(path), 'settling');
    for (let i = 0; i < 5; i++) {
      clock.advance(SETTLE - 1);
      appendFileSync(path, 'y'.repeat(100));
      clock.advance(1); // the window ends: the file moved, so it waits another window
    }
    expect(of(events, 'settled')).toEqual([]);
    clock.advance(SETTLE);
    await barrier(); // the appends' own events come in after it settled: the same size and mtime, not reported again
    expect(of(events, 'settled')).toMatchObject([{ path, stat: { size: 600 } }]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reports every file of a burst of 1,000 once, and nothing else', async () => {
    const { dir, clock, until, events } = setUp();
    const paths = Array.from({ length: 1_000 }, (_, i) => dir.write(`burst/f${i}.dat`, `content ${i}`));
    const expected = new Set(paths);
    const settling = (evs: TreeWatchEvent[]) => new Set(of(evs, 'settling').map((e) => e.path));
    await until((evs) => settling(evs).size === expected.size, '1,000 settling files');
    clock.advance(SETTLE);
    const settled = of(events, 'settled').map((e) => e.path);
    expect(settled).toHaveLength(1_000);
    expect(new Set(settled)).toEqual(expected);
    expect(of(events, 'removed')).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('finds a file written into `mkdir -p a/b/c` before the folders were watched', async () => {
    const { dir, clock, until, events } = setUp();
    mkdirSync(dir.path('a/b/c'), { recursive: true });
    const path = dir.write('a/b/c/photo.jpg', 'jpeg');
    await until(settlingOf(path), 'settling');
    expect(of(events, 'folder-added').map((e) => e.path)).toEqual([
      dir.path('a'),
      dir.path('a/b'),
      dir.path('a/b/c'),
    ]);
    clock.advance(SETTLE);
    expect(of(events, 'settled')).toMatchObject([{ path, change: 'new' }]);
    // The new folders are watched too.
    const later = dir.write('a/b/c/later.jpg', 'later');
    await until(settlingOf(later), 'settling in a new folder');
  });

  it('reports every file of a prepared tree moved into the root', async () => {
    const { dir, clock, until, events } = setUp();
    const outside = scratch();
    cleanups.push(outside.remove);
    const names = ['import/1.jpg', 'import/2018/2.jpg', 'import/2018/summer/3.jpg', 'import/2019/4.jpg'];
    for (const name of names) outside.write(name, name);
    renameSync(outside.path('import'), dir.path('import'));
    const expected = names.map((n) => dir.path(n)).sort();
    await until((evs) => of(evs, 'settling').length === names.length, 'settling files');
    clock.advance(SETTLE);
    expect(
      of(events, 'settled')
        .map((e) => e.path)
        .sort(),
    ).toEqual(expected);
  });

  it('reports a file deleted then created again at the same path', async () => {
    const { dir, clock, until, events } = setUp({ 'report.pdf': 'first version' });
    const path = dir.path('report.pdf');
    unlinkSync(path);
    await until((evs) => of(evs, 'removed').length === 1, 'removed');
    expect(of(events, 'removed')).toEqual([{ type: 'removed', path }]);
    writeFileSync(path, 'second, longer version');
    await until(settlingOf(path), 'settling');
    clock.advance(SETTLE);
    expect(of(events, 'settled')).toMatchObject([{ path, change: 'new', stat: { size: 22 } }]);
  });

  it('reports a file deleted and created again in one go as changed, never as removed', async () => {
    const { dir, clock, until, events } = setUp({ 'notes.txt': 'old' });
    const path = dir.path('notes.txt');
    unlinkSync(path);
    writeFileSync(path, 'new and longer');
    await until(settlingOf(path), 'settling');
    clock.advance(SETTLE);
    expect(of(events, 'settled')).toMatchObject([{ path, change: 'changed', stat: { size: 14 } }]);
    expect(of(events, 'removed')).toEqual([]);
  });

  it('reports a rename as one event naming both paths, without a removal or a new file', async () => {
    const { dir, until, barrier, since, clock } = setUp({ 'a.txt': 'content', 'sub/x': '' });
    const from = dir.path('a.txt');
    const to = dir.path('sub', 'b.txt');
    const start = since(0).length;
    renameSync(from, to);
    await until((evs) => of(evs, 'renamed').length === 1, 'renamed');
    await barrier();
    expect(since(start)).toMatchObject([{ type: 'renamed', from, to, stat: { size: 7 } }]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reports the files of a renamed folder as renamed', async () => {
    const { dir, until, barrier, since } = setUp({ 'old/a.txt': 'a', 'old/deep/b.txt': 'b' });
    const start = since(0).length;
    renameSync(dir.path('old'), dir.path('new'));
    await until((evs) => of(evs, 'renamed').length === 2, 'two renames');
    await barrier();
    const events = since(start);
    expect(
      of(events, 'renamed')
        .map((e) => [e.from, e.to])
        .sort(),
    ).toEqual([
      [dir.path('old/a.txt'), dir.path('new/a.txt')],
      [dir.path('old/deep/b.txt'), dir.path('new/deep/b.txt')],
    ]);
    expect(of(events, 'removed')).toEqual([]);
    expect(of(events, 'settling')).toEqual([]);
  });

  it('waits for a partial download to be renamed to its final name', async () => {
    const { dir, clock, until, events, barrier } = setUp();
    const part = dir.write('movie.mkv.part', 'half');
    appendFileSync(part, ' and the rest');
    await barrier();
    clock.advance(SETTLE * 10);
    expect(events.filter((e) => e.type !== 'ready' && e.type !== 'folder-added')).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
    const final = dir.path('movie.mkv');
    renameSync(part, final);
    await until(settlingOf(final), 'settling');
    clock.advance(SETTLE);
    expect(of(events, 'settled')).toMatchObject([{ path: final, change: 'new', stat: { size: 17 } }]);
    expect(of(events, 'renamed')).toEqual([]);
  });

  it('falls back to polling with a clear reason when the inotify limit is reached, and misses nothing', () => {
    let calls = 0;
    const limited = ((...args: Parameters<typeof watch>) => {
      if (++calls > 2)
        throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
          code: 'ENOSPC',
        });
      return watch(...args);
    }) as typeof watch;
    const { dir, clock, events, tree } = setUp(
      { 'a/1.txt': '1', 'b/2.txt': '2', 'c/3.txt': '3' },
      { watch: limited, pollIntervalMs: 500 },
    );
    expect(tree.backend).toBe('polling');
    const [fallback, ...more] = of(events, 'fallback');
    expect(more).toEqual([]);
    expect(fallback?.reason).toMatch(/inotify watch limit.*max_user_watches/);
    expect(fallback?.pollIntervalMs).toBe(500);
    expect(of(events, 'ready')).toMatchObject([{ backend: 'polling', files: 3 }]);
    const path = dir.write('c/new/4.txt', 'four');
    unlinkSync(dir.path('a/1.txt'));
    clock.advance(500);
    expect(of(events, 'settling')).toEqual([{ type: 'settling', path }]);
    expect(of(events, 'removed')).toEqual([{ type: 'removed', path: dir.path('a/1.txt') }]);
    clock.advance(SETTLE);
    expect(of(events, 'settled')).toMatchObject([{ path }]);
    tree.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('lists a subtree again after a watcher error and reports what changed meanwhile', async () => {
    const watchers = new Map<string, FSWatcher>();
    const recording = ((path: string, ...rest: unknown[]) => {
      const w = (watch as (...args: unknown[]) => FSWatcher)(path, ...rest);
      watchers.set(path, w);
      return w;
    }) as typeof watch;
    const { dir, clock, until, events } = setUp({ 'sub/a.txt': 'a' }, { watch: recording });
    const sub = dir.path('sub');
    // The folder's watch stops seeing events (as after an inotify queue overflow), then reports an error.
    watchers.get(sub)!.close();
    const path = dir.write('sub/b.txt', 'b');
    unlinkSync(dir.path('sub/a.txt'));
    watchers.get(sub)!.emit('error', Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    const rescans = of(events, 'rescan');
    expect(rescans.map((e) => e.path)).toEqual([sub]);
    expect(rescans[0]?.reason).toMatch(/fs\.watch failed: EIO/);
    await until(settlingOf(path), 'settling after the rescan');
    expect(of(events, 'removed')).toEqual([{ type: 'removed', path: dir.path('sub/a.txt') }]);
    clock.advance(SETTLE);
    expect(of(events, 'settled')).toMatchObject([{ path }]);
  });

  it('leaves no watch and no timer after close()', async () => {
    const { dir, clock, until, tree, events } = setUp();
    for (let i = 0; i < 5; i++) dir.write(`f${i}`, String(i));
    await until((evs) => of(evs, 'settling').length === 5, 'settling files');
    expect(clock.pendingTimers()).toBe(5);
    tree.close();
    expect(clock.pendingTimers()).toBe(0);
    dir.write('after-close', 'x');
    clock.advance(SETTLE * 2);
    expect(of(events, 'settled')).toEqual([]);
  });

  it('refuses a root that is not a folder', () => {
    const dir = scratch();
    cleanups.push(dir.remove);
    const file = dir.write('file', 'x');
    expect(() => watchTree(file, { clock: new FakeClock(), onEvent: () => undefined })).toThrow(
      /not a folder/,
    );
    rmSync(file);
    expect(() =>
      watchTree(join(dir.root, 'missing'), { clock: new FakeClock(), onEvent: () => undefined }),
    ).toThrow(/not a folder/);
  });
});
