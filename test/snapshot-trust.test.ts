// Restore writes files where a snapshot's manifest says, with the bytes of its blobs: create, restore and delete
// refuse a snapshot folder another user could have written (its folder, manifests/ and the manifests in it,
// blobs/ and its folders, the folders above it), with the fix, and change nothing; list still reads it. The store
// is private (0700). Restore writes only where the manifest says, into folders reached without following a link.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  constants,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adversary } from './helpers/adversary.js';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';
import { restoreSnapshot } from '../src/snapshot/snapshot-store.js';

const asRoot = process.getuid?.() === 0;

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
let store: string;
beforeEach(() => {
  dir = scratch();
  env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
  store = dir.path('own/store');
  mkdirSync(dir.path('own'), { mode: 0o700 });
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env });
const snap = (...args: string[]) => cli('snapshot', ...args, '--snapshots', store);

/** A snapshot of f (saved as 'saved'), f changed since: a restore would write it. */
async function saved(): Promise<string> {
  dir.write('t/f', 'saved');
  const made = await snap('create', 't/f');
  expect(made.code).toBe(0);
  writeFileSync(dir.path('t/f'), 'changed since');
  return /^snapshot (\S+):/.exec(made.stdout)![1]!;
}

/** Every entry under `root`: its mode, owner and, for files, a digest of its bytes. */
function stateOf(root: string): Record<string, string> {
  const state: Record<string, string> = {};
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, name);
    const st = lstatSync(path);
    const bytes = st.isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : '';
    state[name] = `${st.mode.toString(8)} ${st.uid} ${bytes}`;
  }
  return state;
}

const WHY =
  'restore writes files where its manifests say, so create, restore and delete use only a snapshot folder that ' +
  'no one else could have written';

/** Create, restore and delete are each refused with `message` (exit 2); nothing changes; list still reads. */
async function expectRefused(id: string, message: string): Promise<void> {
  const before = stateOf(dir.root);
  for (const args of [
    ['create', 't/f'],
    ['restore', id],
    ['delete', id],
  ]) {
    const run = await snap(...args);
    expect({ args, code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      args,
      code: 2,
      stdout: '',
      stderr: `nodupe: ${message}\n`,
    });
  }
  expect(stateOf(dir.root)).toEqual(before);
  expect(readFileSync(dir.path('t/f'), 'utf8')).toBe('changed since');
  const list = await snap('list');
  expect(list.code).toBe(0);
  expect(list.stdout).toContain(id);
}

describe('a snapshot folder others could have written', () => {
  it('one writable by others is refused by create, restore and delete, with the chmod that fixes it', async () => {
    const id = await saved();
    chmodSync(store, 0o777);
    await expectRefused(
      id,
      `the snapshot folder ${store} can be written by others (mode 777): ${WHY}; fix with chmod go-w ${store}`,
    );
    chmodSync(store, 0o755);
    expect((await snap('restore', id)).code).toBe(0);
    expect(readFileSync(dir.path('t/f'), 'utf8')).toBe('saved');
  });

  it('nor may it be a shared sticky folder (as /tmp): others could put a manifest in it', async () => {
    const id = await saved();
    chmodSync(store, 0o1777);
    await expectRefused(
      id,
      `the snapshot folder ${store} can be written by others (mode 1777): ${WHY}; others can put files in it: ` +
        'keep the snapshots in a folder of your own (mkdir -m 700 DIR, and pass --snapshots DIR)',
    );
  });

  it('manifests/, blobs/ and the folders in blobs/ are judged as the folder is', async () => {
    const id = await saved();
    for (const inside of ['manifests', 'blobs', join('blobs', readdirSync(join(store, 'blobs'))[0]!)]) {
      const path = join(store, inside);
      chmodSync(path, 0o770);
      const what =
        {
          manifests: "the snapshot folder's manifests",
          blobs: "the snapshot folder's blobs",
        }[inside] ?? 'the blob folder';
      await expectRefused(
        id,
        `${what} ${path} can be written by others (mode 770): ${WHY}; fix with chmod go-w ${path}`,
      );
      chmodSync(path, 0o700);
    }
    expect((await snap('restore', id)).code).toBe(0);
  });

  it('a manifest that is a symbolic link is refused', async () => {
    const id = await saved();
    const manifest = join(store, 'manifests', `${id}.json`);
    renameSync(manifest, dir.path('elsewhere.json'));
    symlinkSync(dir.path('elsewhere.json'), manifest);
    await expectRefused(
      id,
      `the snapshot manifest ${manifest} is a symbolic link: ${WHY}; a snapshot folder's own folders and ` +
        'manifests are never links: put what it leads to in its place, if you trust it',
    );
  });

  it('a folder above it that others can write (not sticky) is refused; a sticky one (as /tmp) is not', async () => {
    const id = await saved();
    chmodSync(dir.path('own'), 0o777);
    await expectRefused(
      id,
      `the folder ${dir.path('own')} can be written by others (mode 777), who could replace the snapshots: ` +
        `${WHY}; fix that folder (chmod go-w, or chown), or keep the snapshots in a folder of your own and pass ` +
        '--snapshots',
    );
    chmodSync(dir.path('own'), 0o1777);
    expect((await snap('restore', id)).code).toBe(0);
  });

  it('a store not made yet is judged by the folders above it, and create makes nothing there', async () => {
    mkdirSync(dir.path('open'), { mode: 0o777 });
    chmodSync(dir.path('open'), 0o777);
    dir.write('t/f', 'saved');
    store = dir.path('open/new/store');
    const run = await snap('create', 't/f');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `nodupe: the folder ${dir.path('open')} can be written by others (mode 777), who could replace the ` +
        `snapshots: ${WHY}; fix that folder (chmod go-w, or chown), or keep the snapshots in a folder of your ` +
        'own and pass --snapshots\n',
    );
    expect(readdirSync(dir.path('open'))).toEqual([]);
  });

  it('apply --snapshot refuses such a store before it deletes anything', async () => {
    dir.write('t/a/one', 'same bytes');
    dir.write('t/b/two', 'same bytes');
    expect((await cli('plan', 't', '--action', 'delete', '-o', 'plan.json', '-q')).code).toBe(0);
    mkdirSync(store, { mode: 0o700 });
    chmodSync(store, 0o777);
    const run = await cli('apply', 'plan.json', '--yes', '--snapshot', '--snapshots', store, '-q');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `nodupe: the snapshot folder ${store} can be written by others (mode 777): ${WHY}; fix with chmod go-w ${store}\n`,
    );
    expect(readFileSync(dir.path('t/a/one'), 'utf8')).toBe('same bytes');
    expect(readFileSync(dir.path('t/b/two'), 'utf8')).toBe('same bytes');
  });

  it('a store reached through a symbolic link is judged, and used, by its real path', async () => {
    const id = await saved();
    symlinkSync(store, dir.path('link'));
    const run = await cli('snapshot', 'restore', id, '--snapshots', 'link');
    expect(run.stdout).toBe('restored 1 file; 0 were already intact\n');
    expect(run.code).toBe(0);
  });

  it.runIf(asRoot)(
    'as root: a store, manifest or blob folder of another user is refused, with the chown that takes it over',
    async () => {
      const id = await saved();
      const manifest = join(store, 'manifests', `${id}.json`);
      const blobFolder = join(store, 'blobs', readdirSync(join(store, 'blobs'))[0]!);
      for (const [what, path] of [
        ['the snapshot folder', store],
        ['the snapshot manifest', manifest],
        ['the blob folder', blobFolder],
      ] as const) {
        chownSync(path, 4242, 4242);
        await expectRefused(
          id,
          `${what} ${path} belongs to another user (uid 4242): ${WHY}; run nodupe as that user, or, if you ` +
            `trust what it holds, take it over: chown -R root ${store}`,
        );
        chownSync(path, 0, 0);
      }
      expect((await snap('restore', id)).code).toBe(0);
      expect(readFileSync(dir.path('t/f'), 'utf8')).toBe('saved');
    },
  );

  it.runIf(asRoot)(
    "as root: another user's snapshot whose manifest names root's file restores nothing",
    async () => {
      dir.write('secret/ledger', 'root: precious');
      chmodSync(dir.path('secret/ledger'), 0o600);
      const theirs = dir.path('m');
      mkdirSync(theirs, { mode: 0o755 });
      dir.write('m/f', 'mallory was here');
      store = join(theirs, 'store');
      const id = /^snapshot (\S+):/.exec((await snap('create', 'm/f')).stdout)![1]!;
      const manifest = join(store, 'manifests', `${id}.json`);
      writeFileSync(
        manifest,
        readFileSync(manifest, 'utf8').replace(dir.path('m/f'), dir.path('secret/ledger')),
      );
      for (const path of [theirs, store, join(store, 'manifests'), manifest]) chownSync(path, 1002, 1002);
      const run = await snap('restore', id);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `nodupe: the snapshot folder ${store} belongs to another user (uid 1002): ${WHY}; run nodupe as that ` +
          `user, or, if you trust what it holds, take it over: chown -R root ${store}\n`,
      );
      expect(readFileSync(dir.path('secret/ledger'), 'utf8')).toBe('root: precious');
      expect(statSync(dir.path('secret/ledger')).mode & 0o7777).toBe(0o600);
    },
  );
});

describe('a private store', () => {
  it('is made 0700, with its manifests/, blobs/ and blob folders; a store made by hand is closed too', async () => {
    mkdirSync(store, { mode: 0o755 });
    chmodSync(store, 0o755);
    await saved();
    const modes = [store, ...readdirSync(store, { recursive: true }).map((n) => join(store, String(n)))]
      .filter((path) => lstatSync(path).isDirectory())
      .map((path) => [path, (statSync(path).mode & 0o7777).toString(8)]);
    expect(modes).toEqual(modes.map(([path]) => [path, '700']));
    expect(modes.length).toBe(4); // the store, manifests/, blobs/ and one blob folder
  });
});

describe('where restore writes', () => {
  it('never through a folder on the path that was replaced by a symbolic link', async () => {
    dir.write('home/docs/f', 'mine');
    dir.write('home/g', 'mine too');
    const id = /^snapshot (\S+):/.exec((await snap('create', 'home')).stdout)![1]!;
    writeFileSync(dir.path('home/g'), 'changed');
    // Whoever can write home/ swaps docs/ for a link into a folder of someone else's.
    renameSync(dir.path('home/docs'), dir.path('home/docs-away'));
    mkdirSync(dir.path('victim'));
    symlinkSync(dir.path('victim'), dir.path('home/docs'));
    const run = await snap('restore', id);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('restored 1 file; 0 were already intact\n');
    expect(run.stderr).toBe(
      `nodupe: ${dir.path('home/docs/f')}: ${dir.path('home/docs')} on its path is a symbolic link (not followed)\n` +
        'nodupe: 1 file was not restored (listed above)\n',
    );
    expect(readdirSync(dir.path('victim'))).toEqual([]);
    expect(readFileSync(dir.path('home/g'), 'utf8')).toBe('mine too');
  });

  it('into the folder it reached, held open, even when that folder is swapped for a link meanwhile', async () => {
    dir.write('home/docs/f', 'mine');
    const id = /^snapshot (\S+):/.exec((await snap('create', 'home')).stdout)![1]!;
    writeFileSync(dir.path('home/docs/f'), 'changed');
    mkdirSync(dir.path('victim'));
    // Right when the restored copy is made, docs/ is renamed away and a link put at its name.
    const ops = adversary((call) => {
      if (call.name !== 'open' || (Number(call.args[1]) & constants.O_CREAT) === 0) return false;
      renameSync(dir.path('home/docs'), dir.path('home/docs-away'));
      symlinkSync(dir.path('victim'), dir.path('home/docs'));
      return true;
    });
    const result = await restoreSnapshot(store, id, { ops });
    expect(result).toEqual({ restored: 1, unchanged: 0, problems: [] });
    expect(readFileSync(dir.path('home/docs-away/f'), 'utf8')).toBe('mine');
    expect(readdirSync(dir.path('victim'))).toEqual([]);
  });

  it('only to the plain path the manifest names: no . or .., no file where a folder was', async () => {
    dir.write('t/a/f', 'one');
    dir.write('t/b/g', 'two');
    const id = /^snapshot (\S+):/.exec((await snap('create', 't')).stdout)![1]!;
    const manifest = join(store, 'manifests', `${id}.json`);
    const dotted = `${dir.path('t/a')}/../a/f`;
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(dir.path('t/a/f'), dotted));
    rmSync(dir.path('t/a'), { recursive: true });
    rmSync(dir.path('t/b'), { recursive: true });
    writeFileSync(dir.path('t/b'), 'a file where the folder was');
    const run = await snap('restore', id);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `nodupe: ${dotted}: not a plain absolute path (. or .. in it): not restored\n` +
        `nodupe: ${dir.path('t/b/g')}: ${dir.path('t/b')} on its path is not a folder\n` +
        'nodupe: 2 files were not restored (listed above)\n',
    );
    expect(existsSync(dir.path('t/a'))).toBe(false);
    expect(readFileSync(dir.path('t/b'), 'utf8')).toBe('a file where the folder was');
  });

  it('makes folders that are missing, and never sets the setuid or setgid bits', async () => {
    dir.write('t/sub/tool', '#!/bin/sh\n');
    chmodSync(dir.path('t/sub/tool'), 0o6755);
    const id = /^snapshot (\S+):/.exec((await snap('create', 't')).stdout)![1]!;
    rmSync(dir.path('t/sub'), { recursive: true });
    const run = await snap('restore', id);
    expect(run.code).toBe(0);
    expect(readFileSync(dir.path('t/sub/tool'), 'utf8')).toBe('#!/bin/sh\n');
    expect(statSync(dir.path('t/sub/tool')).mode & 0o7777).toBe(0o755);
  });
});

describe('a snapshot folder named through a symbolic link', () => {
  it.skipIf(!asRoot)(
    "is refused when the link is another user's, in a folder open to all: its target is left as it was",
    async () => {
      mkdirSync(dir.path('shared'), { mode: 0o777 });
      chmodSync(dir.path('shared'), 0o1777);
      mkdirSync(dir.path('victim'), { mode: 0o755 });
      symlinkSync(dir.path('victim'), dir.path('shared/snaps'));
      lchownSync(dir.path('shared/snaps'), 1002, 1002);
      const linkOwner = lstatSync(dir.path('shared/snaps')).uid;
      expect(linkOwner).toBe(1002);
      dir.write('t/f', 'saved');
      const made = await cli('snapshot', 'create', 't/f', '--snapshots', dir.path('shared/snaps'));
      expect(made.code).toBe(2);
      expect(made.stderr).toContain("is another user's symbolic link (uid 1002): name the folder itself");
      expect(statSync(dir.path('victim')).mode & 0o7777).toBe(0o755);
      expect(readdirSync(dir.path('victim'))).toEqual([]);
    },
  );

  it.skipIf(!asRoot)(
    "is refused when a link of the user's leads through another user's link and back out with ..",
    async () => {
      mkdirSync(dir.path('shared'), { mode: 0o777 });
      chmodSync(dir.path('shared'), 0o1777);
      mkdirSync(dir.path('victim/inner'), { recursive: true, mode: 0o755 });
      symlinkSync(dir.path('victim/inner'), dir.path('shared/x'));
      lchownSync(dir.path('shared/x'), 1002, 1002);
      // Read as text, shared/x/../b is shared/b; walked as the kernel walks it, it is victim/b.
      symlinkSync(`${dir.path('shared/x')}/../b`, dir.path('own/snaps'));
      dir.write('t/f', 'saved');
      const made = await cli('snapshot', 'create', 't/f', '--snapshots', dir.path('own/snaps'));
      expect(made.code).toBe(2);
      expect(made.stderr).toContain("is another user's symbolic link (uid 1002): name the folder itself");
      expect(readdirSync(dir.path('victim'))).toEqual(['inner']);
    },
  );

  it('is refused when a name on the way is not there and a .. follows it (it could not be judged)', async () => {
    symlinkSync(`${dir.path('own')}/missing/../store`, dir.path('own/snaps'));
    dir.write('t/f', 'saved');
    const made = await cli('snapshot', 'create', 't/f', '--snapshots', dir.path('own/snaps'));
    expect(made.code).toBe(2);
    expect(made.stderr).toContain(`${dir.path('own/missing')} is not there, and a .. follows it`);
    expect(existsSync(store)).toBe(false);
  });

  it('is refused when the link sits in a folder others can write, even the user own link', async () => {
    mkdirSync(dir.path('open'), { mode: 0o777 });
    chmodSync(dir.path('open'), 0o777);
    symlinkSync(dir.path('own'), dir.path('open/snaps'));
    dir.write('t/f', 'saved');
    const made = await cli('snapshot', 'create', 't/f', '--snapshots', dir.path('open/snaps/store'));
    expect(made.code).toBe(2);
    expect(made.stderr).toContain('is a symbolic link in a folder others can write: name the folder itself');
    expect(existsSync(store)).toBe(false);
  });
});
