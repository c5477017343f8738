import { mkdirSync, symlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import { testRows, writeRows } from './helpers/catalog-rows.js';
import { runCli } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let catalogPath: string;

beforeEach(() => {
  dir = scratch();
  catalogPath = dir.path('state', 'catalog.db');
  mkdirSync(dir.path('state'));
  dir.write('real/a.txt', bytes(5000, 1));
  dir.write('real/b.txt', bytes(5000, 1));
  dir.write('real/c.txt', 'only one');
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli([...args, '--catalog', catalogPath], { cwd: dir.root });
const jsonOf = async (...args: string[]) => {
  const run = await cli(...args, '--format', 'json');
  return { code: run.code, stderr: run.stderr, doc: JSON.parse(run.stdout) as DupesDoc };
};
interface DupesDoc {
  roots: string[];
  groups: { files: { path: string; links: { path: string }[]; aliases: { path: string }[] }[] }[];
  unfinishedScans?: { roots: string[]; filesSeen: number }[];
}
const pathsOf = (doc: DupesDoc) => doc.groups.map((g) => g.files.map((f) => f.path));

describe('a root that is a symbolic link', () => {
  it('is followed, as find -H does, and its files are listed by their real paths', async () => {
    symlinkSync('real', dir.path('link'));
    for (const spelling of ['link', 'link/', dir.path('link')]) {
      const { code, doc } = await jsonOf('dupes', spelling);
      expect(code).toBe(0);
      expect(doc.roots).toEqual([dir.path('real')]);
      expect(pathsOf(doc)).toEqual([[dir.path('real/a.txt'), dir.path('real/b.txt')]]);
    }
  });

  it('to a file is scanned as that file', async () => {
    symlinkSync('real/a.txt', dir.path('file-link'));
    mkdirSync(dir.path('other'));
    dir.write('other/copy', bytes(5000, 1));
    const { code, doc } = await jsonOf('dupes', 'file-link', 'other');
    expect(code).toBe(0);
    expect(pathsOf(doc)).toEqual([[dir.path('real/a.txt'), dir.path('other/copy')]]);
  });

  it('leading elsewhere, with a slash, is scanned like the folder itself (text output)', async () => {
    symlinkSync(dir.path('real'), dir.path('abs-link'));
    const { code, stdout } = await cli('dupes', 'abs-link/');
    expect(code).toBe(0);
    expect(stdout).toContain(`${dir.path('real/a.txt')}\n${dir.path('real/b.txt')}\n`);
    expect(stdout).toContain('1 group, 1 redundant file');
  });
});

describe('--follow-symlinks', () => {
  beforeEach(() => symlinkSync('real', dir.path('alink')));

  it('shows a file by its real path, with the paths through links as aliases', async () => {
    const { code, doc } = await jsonOf('dupes', '--follow-symlinks', '.');
    expect(code).toBe(0);
    expect(pathsOf(doc)).toEqual([[dir.path('real/a.txt'), dir.path('real/b.txt')]]);
    expect(doc.groups[0]!.files.map((f) => f.aliases.map((a) => a.path))).toEqual([
      [dir.path('alink/a.txt')],
      [dir.path('alink/b.txt')],
    ]);
    const text = await cli('dupes', '--follow-symlinks', '.');
    expect(text.stdout).toContain(`${dir.path('real/a.txt')}\n  ~ ${dir.path('alink/a.txt')}\n`);
  });

  it('finds the real path whichever way the walk reaches the folder first', async () => {
    // `zlink` sorts after `real`, `alink` before it: the walk meets them in different orders.
    symlinkSync('real', dir.path('zlink'));
    const { doc } = await jsonOf('dupes', '--follow-symlinks', dir.path('zlink'), dir.path('alink'), '.');
    expect(pathsOf(doc)).toEqual([[dir.path('real/a.txt'), dir.path('real/b.txt')]]);
    expect(doc.groups[0]!.files[0]!.aliases.map((a) => a.path)).toEqual([
      dir.path('alink/a.txt'),
      dir.path('zlink/a.txt'),
    ]);
  });

  it('gives a link to a file as an alias of the file', async () => {
    symlinkSync('real/a.txt', dir.path('a-link'));
    const { doc } = await jsonOf('dupes', '--follow-symlinks', '.');
    expect(doc.groups[0]!.files[0]!.aliases.map((a) => a.path)).toEqual([
      dir.path('a-link'),
      dir.path('alink/a.txt'),
    ]);
  });

  it('makes plans that act on real paths only, and stores only real paths', async () => {
    const run = await cli('plan', '--follow-symlinks', '.');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('alink');
    expect(run.stdout).toContain(dir.path('real/b.txt'));
    const catalog = SqliteCatalog.open(catalogPath);
    try {
      const paths = catalog.liveFiles().map((f) => f.path);
      expect(paths.filter((p) => String(p).includes('alink'))).toEqual([]);
    } finally {
      catalog.close();
    }
  });
});

describe('folders named for keeper rules through a symbolic link', () => {
  it('--protect, --prefer and --only-from mean the real folder the link leads to', async () => {
    dir.write('other/a.txt', bytes(5000, 1));
    symlinkSync('real', dir.path('plink'));
    symlinkSync('other', dir.path('olink'));
    const plan = async (...args: string[]) => {
      const run = await cli('plan', '.', ...args);
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout) as { groups: { actions: { path: string }[] }[] };
      return doc.groups.flatMap((g) => g.actions.map((a) => a.path)).sort();
    };
    // Without rules, the first path in order is kept (other/a.txt) and real/a.txt, real/b.txt are acted on.
    expect(await plan()).toEqual([dir.path('real/a.txt'), dir.path('real/b.txt')]);
    expect(await plan('--protect', 'plink')).toEqual([dir.path('other/a.txt')]);
    expect(await plan('--only-from', 'olink')).toEqual([dir.path('other/a.txt')]);
    expect(await plan('--prefer', 'plink', '--keep-n', '2')).toEqual([dir.path('other/a.txt')]);
  });
});

describe('a rescan without --follow-symlinks', () => {
  it('marks gone the rows the catalog knew only through a link', async () => {
    symlinkSync('real', dir.path('alink'));
    expect((await cli('scan', '.')).code).toBe(0);
    // A catalog from an older nodupe kept paths through followed links: put such rows in.
    const catalog = SqliteCatalog.open(catalogPath);
    try {
      const known = catalog.liveFiles().filter((f) => String(f.path).startsWith(dir.path('real/')));
      const scanId = catalog.startScan([dir.root], Date.now());
      const rows = testRows(known).map((r) => ({
        ...r,
        path: String(r.path).replace('/real/', '/alink/'),
      }));
      await writeRows(catalog, scanId, rows, Date.now());
      catalog.finishScan(scanId, [], Date.now());
    } finally {
      catalog.close();
    }
    const rescan = await jsonOf('dupes', '.');
    expect(rescan.code).toBe(0);
    expect(pathsOf(rescan.doc)).toEqual([[dir.path('real/a.txt'), dir.path('real/b.txt')]]);
    const fromCatalog = await jsonOf('dupes');
    expect(JSON.stringify(fromCatalog.doc)).not.toContain('alink');
    const verify = await cli('verify', '--mode', 'integrity');
    expect(verify.stdout).toContain('0 errors');
    expect(verify.code).toBe(0);
  });

  it('keeps rows that a followed link led to outside the roots; verify finds them whole', async () => {
    dir.write('elsewhere/x', bytes(3000, 7));
    dir.write('top/y', bytes(3000, 7));
    symlinkSync(dir.path('elsewhere'), dir.path('top/ext'));
    const followed = await jsonOf('dupes', '--follow-symlinks', 'top');
    expect(pathsOf(followed.doc)).toEqual([[dir.path('elsewhere/x'), dir.path('top/y')]]);
    expect((await cli('scan', 'top')).code).toBe(0);
    const verify = await cli('verify', '--mode', 'integrity');
    expect(verify.stderr + verify.stdout).not.toContain('top/ext');
    expect(verify.code).toBe(0);
  });
});

describe('the catalog inside a scanned folder', () => {
  it('is never scanned, nor the files beside it named after it (its log, its lock)', async () => {
    dir.write('state/catalog.db-notes', 'mine, not the catalog');
    expect((await cli('scan', '.')).code).toBe(0);
    expect((await cli('scan', '.')).code).toBe(0);
    const catalog = SqliteCatalog.open(catalogPath);
    try {
      const paths = catalog.liveFiles().map((f) => String(f.path));
      expect(paths.filter((p) => p.includes('/state/'))).toEqual([]);
    } finally {
      catalog.close();
    }
  });
});

describe('a scan that did not finish', () => {
  it('is named after the groups, with what it covered, and dupes exits 1 until a scan finishes', async () => {
    expect((await cli('scan', 'real')).code).toBe(0);
    // What Ctrl-C leaves: a scan record never finished, with how many files it had seen (here, unchanged ones,
    // whose rows it did not rewrite), and the rows it wrote before it stopped.
    const catalog = SqliteCatalog.open(catalogPath);
    try {
      const id = catalog.startScan([dir.path('real')], Date.UTC(2026, 10, 30, 10, 0));
      const writer = catalog.scanWriter(id);
      writer.seen(2);
      await writer.close();
    } finally {
      catalog.close();
    }
    const run = await cli('dupes');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('1 group');
    expect(run.stderr).toContain(
      `nodupe: the last scan of ${dir.path('real')} (started 2026-11-30 10:00 UTC) did not finish: ` +
        'it saw 2 files before it stopped',
    );
    expect(run.stderr).toContain(`scan again: nodupe scan ${dir.path('real')}`);
    const json = await jsonOf('dupes');
    expect(json.doc.unfinishedScans).toEqual([
      expect.objectContaining({ roots: [dir.path('real')], filesSeen: 2 }),
    ]);
    const plan = await cli('plan');
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain('did not finish');

    expect((await cli('scan', dir.root)).code).toBe(0);
    const after = await cli('dupes');
    expect(after.code).toBe(0);
    expect(after.stderr).toBe('');
  });
});
