import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HashPool } from '../src/hash/hash-pool.js';
import { describeWalkReader, walkReader } from '../src/scan/native-reader.js';
import { walk, type WalkOptions, type WalkResult } from '../src/scan/walk.js';
import type { WalkedFiles } from '../src/model/records.js';
import { scratch } from './helpers/tree.js';

// The native folder reader (native/read-dir.c) against the JavaScript one (readdir + lstat by full path): the
// same tree through both must give the same records, field for field, and the same links, problems and counts.

const ci = process.env.CI === 'true';
const built = walkReader().reader === 'native';
/** A name that is not UTF-8. */
const RAW = Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x62]);
/** Entries in the large folder: enough that the addon replaces its buffers several times. */
const MANY = 100_000;

let dir: ReturnType<typeof scratch>;
let mounted = false;

beforeAll(() => {
  dir = scratch();
  dir.write('t/a.txt', 'one');
  linkSync(dir.path('t/a.txt'), dir.path('t/a-hard.txt'));
  dir.write('t/sub/c.txt', 'three');
  // Before 1970: a negative time, exact to the nanosecond as Node gives it.
  utimesSync(dir.write('t/old.txt', 'old'), -315619199.5, -315619199.5);
  dir.write('t/sub/deeper/d.txt', 'four');
  writeFileSync(Buffer.concat([Buffer.from(dir.path('t/sub/')), RAW]), 'raw');
  mkdirSync(Buffer.concat([Buffer.from(dir.path('t/')), RAW, Buffer.from('-folder')]));
  writeFileSync(Buffer.concat([Buffer.from(dir.path('t/')), RAW, Buffer.from('-folder/in')]), 'in');
  dir.write(`t/long/${'n'.repeat(255)}`, 'a name of 255 bytes');
  mkdirSync(dir.path(`t/long/${'d'.repeat(255)}`));
  dir.write(`t/long/${'d'.repeat(255)}/${'e'.repeat(255)}`, 'below a folder named with 255 bytes');
  symlinkSync('a.txt', dir.path('t/file-link'));
  symlinkSync('..', dir.path('t/sub/up'));
  symlinkSync('nowhere', dir.path('t/dangling'));
  execFileSync('mkfifo', [dir.path('t/fifo')]);
  execFileSync('python3', [
    '-c',
    'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
    dir.path('t/sock'),
  ]);
  dir.write('t/empty/.keep', '');
  mkdirSync(dir.path('big'));
  try {
    // Made and removed faster on a tmpfs (root only).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'none', dir.path('big')], { stdio: 'ignore' });
    mounted = true;
  } catch {
    // Not root: on the disk.
  }
  mkdirSync(dir.path('big/many'));
  execFileSync('sh', ['-c', `seq -f 'file-with-a-longish-name-%.0f' ${MANY} | xargs touch`], {
    cwd: dir.path('big/many'),
  });
});

afterAll(() => {
  if (mounted) execFileSync('umount', [dir.path('big')]);
  dir.remove();
});

afterEach(() => {
  delete process.env.NODUPE_WALK_READER;
});

interface Walked {
  records: string[];
  result: WalkResult;
}

/** Every field of every record, one line per file, sorted (batches arrive in any order). */
function lines(batch: WalkedFiles, into: string[]): void {
  for (let i = 0; i < batch.count; i++) {
    const path = Buffer.from(batch.paths.subarray(batch.pathStart[i], batch.pathStart[i + 1])).toString(
      'hex',
    );
    const fields = [batch.dev[i], batch.ino[i], batch.size[i], batch.mtimeNs[i], batch.ctimeNs[i]];
    into.push([path, ...fields, batch.root[i], batch.links[i]].join(' '));
  }
}

async function walkWith(
  reader: 'native' | 'js',
  options: Omit<WalkOptions, 'onFiles'>,
  onFiles: () => void = () => undefined,
): Promise<Walked> {
  if (reader === 'js') process.env.NODUPE_WALK_READER = 'js';
  else delete process.env.NODUPE_WALK_READER;
  const records: string[] = [];
  const result = await walk({
    ...options,
    onFiles: (batch) => {
      lines(batch, records);
      onFiles();
    },
  });
  return { records: records.sort(), result };
}

describe('the native folder reader', () => {
  it('is built and used under CI, and says which reader the walk uses', () => {
    if (ci) expect(walkReader()).toEqual({ reader: 'native' });
    else expect(walkReader().reader).toMatch(/^(native|js)$/);
    expect(describeWalkReader()).toBe(
      built
        ? 'folder reader: native'
        : 'folder reader: JavaScript (the native reader is not built; `npm rebuild nodupe` builds it)',
    );
    process.env.NODUPE_WALK_READER = 'js';
    expect(walkReader()).toEqual({ reader: 'js', reason: 'NODUPE_WALK_READER=js' });
    expect(describeWalkReader()).toBe('folder reader: JavaScript (NODUPE_WALK_READER=js)');
  });

  describe.skipIf(!built)('against the JavaScript reader', () => {
    it('finds the same records, field for field: raw names, hard links, 255-byte names, 100k entries', async () => {
      const options = { roots: [dir.path('t'), dir.path('big')], filters: {} };
      const js = await walkWith('js', options);
      const native = await walkWith('native', options);
      expect(native.records).toEqual(js.records);
      expect(native.result).toEqual(js.result);
      expect(native.records).toHaveLength(MANY + 10);
      const a = Buffer.from(dir.path('t/a.txt')).toString('hex');
      expect(
        native.records
          .find((r) => r.startsWith(`${a} `))
          ?.split(' ')
          .at(-1),
      ).toBe('2');
      expect(native.result.special).toBe(2);
      expect(native.result.symlinks).toHaveLength(3);
    });

    it('reads the same on worker threads', async () => {
      const pool = new HashPool({ algorithm: 'xxh128', threads: 2 });
      try {
        const options = { roots: [dir.path('t')], filters: {}, followSymlinks: true };
        const js = await walkWith('js', options);
        const native = await walkWith('native', { ...options, pool, readHereFirst: 0 });
        expect(native.records).toEqual(js.records);
        expect(native.result).toEqual(js.result);
      } finally {
        await pool.close();
      }
    });

    it('decides as the JavaScript reader does with filters, depth and followed links', async () => {
      const options = {
        roots: [dir.path('t')],
        filters: { exclude: ['long', '**/c.txt'], hidden: false, minSize: 1 },
        followSymlinks: true,
        maxDepth: 1,
      };
      const js = await walkWith('js', options);
      const native = await walkWith('native', options);
      expect(native.records).toEqual(js.records);
      expect(native.result).toEqual(js.result);
      expect(native.records.length).toBeGreaterThan(0);
    });

    it('reports a folder gone before it is read as the JavaScript reader does', async () => {
      const gone = (reader: 'native' | 'js') => {
        dir.write('t2/top.txt', 'top');
        dir.write('t2/gone/inside.txt', 'inside');
        // The root's batch is read first; its subfolders in later ones, after its files are handed over.
        return walkWith(reader, { roots: [dir.path('t2')], filters: {} }, () =>
          rmSync(dir.path('t2/gone'), { recursive: true, force: true }),
        );
      };
      const js = await gone('js');
      const native = await gone('native');
      expect(native.result.problems).toEqual(js.result.problems);
      expect(native.result.problems).toEqual([
        {
          path: dir.path('t2/gone'),
          op: 'readdir',
          code: 'ENOENT',
          message: `ENOENT: no such file or directory, scandir '${dir.path('t2/gone')}'`,
        },
      ]);
      // The tree was written anew for each: the same paths, with new times.
      const paths = (w: Walked) => w.records.map((r) => r.split(' ')[0]);
      expect(paths(native)).toEqual(paths(js));
    });

    it('reports folders it may not read or search as the JavaScript reader does (readdir, lstat)', () => {
      // Root bypasses file modes: the walk runs in a child without the capabilities that allow it.
      const asRoot = process.getuid?.() === 0;
      const command = asRoot
        ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', process.execPath]
        : [process.execPath];
      dir.write('t3/locked/secret', 'x');
      dir.write('t3/listed-only/f', 'y');
      chmodSync(dir.path('t3/locked'), 0o000);
      // Read but not searched: its names are listed, and each lstat fails.
      chmodSync(dir.path('t3/listed-only'), 0o600);
      const walkUrl = new URL('../dist/scan/walk.js', import.meta.url).href;
      const script = `
        const { walk } = await import(${JSON.stringify(walkUrl)});
        const run = async (reader) => {
          process.env.NODUPE_WALK_READER = reader;
          const result = await walk({ roots: [process.argv[1]], filters: {}, onFiles() {} });
          return result.problems;
        };
        console.log(JSON.stringify({ js: await run('js'), native: await run('native') }));`;
      try {
        const child = spawnSync(
          command[0]!,
          [...command.slice(1), '--input-type=module', '-e', script, dir.path('t3')],
          { encoding: 'utf8' },
        );
        expect(child.status, child.stderr).toBe(0);
        const { js, native } = JSON.parse(child.stdout) as { js: unknown[]; native: unknown[] };
        expect(native).toEqual(js);
        expect(native).toEqual([
          {
            path: dir.path('t3/listed-only/f'),
            op: 'lstat',
            code: 'EACCES',
            message: `EACCES: permission denied, lstat '${dir.path('t3/listed-only/f')}'`,
          },
          {
            path: dir.path('t3/locked'),
            op: 'readdir',
            code: 'EACCES',
            message: `EACCES: permission denied, scandir '${dir.path('t3/locked')}'`,
          },
        ]);
      } finally {
        chmodSync(dir.path('t3/locked'), 0o700);
        chmodSync(dir.path('t3/listed-only'), 0o700);
      }
    });
  });
});
