import { basename, dirname, join, resolve } from 'node:path';
import { describeErrno, errnoOf, lstatIfPresent, type FileOps, type Stat } from '../fs/file-ops.js';
import { MAX_LINKS } from '../fs/output-path.js';
import { othersMayChange, STICKY, untrustedAncestor, WRITABLE_BY_OTHERS } from '../fs/trust.js';
import { NodupeError } from '../core/errors.js';
import { displayPath, fromBytes, toBytes, type FsPath } from '../model/paths.js';
import { BLOB_FOLDER, blobsDir, ensureStore, makePrivateFolder, manifestsDir } from './layout.js';
import { isSnapshotId } from './manifest.js';

const WHY =
  'restore writes files where its manifests say, so create, restore and delete use only a snapshot folder ' +
  'that no one else could have written';

/**
 * The real path of the snapshot store at `dir`, or why create, restore and delete must not use it: a manifest
 * another user could have written would have restore put that user's bytes wherever they chose, and delete
 * remove what they chose. The rule is the catalog's (`othersMayChange`, as `catalogTrust` applies it): the store
 * folder, `manifests/` and the manifests in it, `blobs/` and the folders in it belong to the user running nodupe
 * or to root (only root's when it runs as root), are no symbolic links, and neither group nor others can write
 * them, even sticky (others could put a manifest there); the folders above the store may be sticky (as /tmp).
 * The store is judged by its real path, which the caller then uses. A store not made yet is judged by the
 * folders above it, from the nearest that exists; its real path is that folder's and the names still to make.
 * Nothing is written.
 */
export function storeTrust(
  ops: FileOps,
  dir: string,
  uid: number = process.geteuid?.() ?? 0,
): { real: string } | { problem: string } {
  const located = realStorePath(ops, resolve(dir), uid);
  if ('problem' in located) return located;
  const { real, existing } = located;
  if (existing !== real) {
    const above = untrustedAncestor(ops, existing, uid, 'the snapshots');
    return above === undefined ? { real } : { problem: ancestorProblem(above) };
  }
  const problem = storeProblem(ops, real, uid);
  if (problem !== undefined) return { problem };
  const above = untrustedAncestor(ops, dirname(real), uid, 'the snapshots');
  return above === undefined ? { real } : { problem: ancestorProblem(above) };
}

/**
 * The real path of the store at `dir` for create (`make`), restore or delete; BAD_INPUT, with nothing written,
 * when someone else could have written it (`storeTrust`). Create makes the store where missing, private to the
 * user (`ensureStore`); its own folder is judged again once made, before anything goes in it, since in a folder
 * open to all (as /tmp) someone could have made that name first.
 */
export function trustedStore(ops: FileOps, dir: string, options: { make: boolean }): string {
  const real = judged(ops, dir);
  if (!options.make) return real;
  makePrivateFolder(ops, real);
  const again = judged(ops, dir);
  if (again !== real) {
    throw new NodupeError(
      'BAD_INPUT',
      `the snapshot folder ${dir} led to ${real}, and now to ${again}: someone changed it while nodupe made it; ` +
        'look at what is there, and run the command again',
    );
  }
  ensureStore(ops, real);
  return real;
}

function judged(ops: FileOps, dir: string): string {
  const trust = storeTrust(ops, dir);
  if ('problem' in trust) throw new NodupeError('BAD_INPUT', trust.problem);
  return trust.real;
}

/** The store's real path, and the nearest folder of it (or above it) that exists, as a real path too. */
function realStorePath(
  ops: FileOps,
  absolute: string,
  uid: number,
): { real: string; existing: string } | { problem: string } {
  const link = linkProblem(ops, absolute, uid);
  if (link !== undefined) return { problem: `the snapshot folder ${absolute}: ${link}` };
  const missing: string[] = [];
  for (let at = absolute; ; at = dirname(at)) {
    let resolved: FsPath;
    try {
      resolved = fromBytes(toBytes(ops.realpath(at)));
    } catch (error) {
      // A name that is there but leads nowhere (a dangling link) is not a folder to make.
      if (errnoOf(error) !== 'ENOENT' || at === '/' || lstatIfPresent(ops, at) !== undefined) {
        return { problem: `the snapshot folder ${absolute} cannot be checked: ${describeErrno(error)}` };
      }
      missing.unshift(basename(at));
      continue;
    }
    if (typeof resolved !== 'string') {
      return {
        problem: `the snapshot folder's real path ${displayPath(resolved)} is not UTF-8: pass --snapshots a folder whose path is`,
      };
    }
    return { real: join(resolved, ...missing), existing: resolved };
  }
}

/** Why the store's own folders or manifests let someone else change what restore and delete follow. */
function storeProblem(ops: FileOps, real: string, uid: number): string | undefined {
  const check = (what: string, path: string, kind: 'folder' | 'file'): string | undefined => {
    let st: Stat | undefined;
    try {
      st = lstatIfPresent(ops, path);
    } catch (error) {
      return `${what} ${path} cannot be checked: ${describeErrno(error)}`;
    }
    if (st === undefined) return undefined; // not made yet, or removed meanwhile
    const problem = othersMayChange(st, uid, { rootOk: true, stickyOk: false });
    if (problem !== undefined)
      return `${what} ${path} ${problem}: ${WHY}; ${remedy(real, path, problem, st, uid)}`;
    if (kind === 'folder' ? !st.isDirectory() : !st.isFile()) {
      return `${what} ${path} is not a ${kind === 'folder' ? 'folder' : 'regular file'}`;
    }
    return undefined;
  };
  /** A folder of the store, then those of its entries that the store's own names (`ours`) pick out. */
  const checkWithEntries = (
    what: string,
    folder: string,
    entry: string,
    ours: (name: string) => boolean,
    kind: 'folder' | 'file',
  ): string | undefined => {
    const problem = check(what, folder, 'folder');
    if (problem !== undefined) return problem;
    let names: string[];
    try {
      names = ops.readdir(folder).map((e) => e.name.toString());
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return undefined;
      return `${what} ${folder} cannot be checked: ${describeErrno(error)}`;
    }
    for (const name of names.filter(ours)) {
      const inside = check(entry, join(folder, name), kind);
      if (inside !== undefined) return inside;
    }
    return undefined;
  };
  return (
    check('the snapshot folder', real, 'folder') ??
    checkWithEntries(
      "the snapshot folder's manifests",
      manifestsDir(real),
      'the snapshot manifest',
      (name) => name.endsWith('.json') && isSnapshotId(name.slice(0, -5)),
      'file',
    ) ??
    checkWithEntries(
      "the snapshot folder's blobs",
      blobsDir(real),
      'the blob folder',
      (name) => BLOB_FOLDER.test(name),
      'folder',
    )
  );
}

function remedy(store: string, path: string, problem: string, st: Stat, uid: number): string {
  if (problem.startsWith('belongs')) {
    return `run nodupe as that user, or, if you trust what it holds, take it over: chown -R ${uid === 0 ? 'root' : uid} ${store}`;
  }
  if (problem.startsWith('is a symbolic link')) {
    return "a snapshot folder's own folders and manifests are never links: put what it leads to in its place, if you trust it";
  }
  if (path === store && (Number(st.mode) & STICKY) !== 0) {
    return 'others can put files in it: keep the snapshots in a folder of your own (mkdir -m 700 DIR, and pass --snapshots DIR)';
  }
  return `fix with chmod go-w ${path}`;
}

const ancestorProblem = (above: string): string =>
  `the folder ${above}: ${WHY}; fix that folder (chmod go-w, or chown), or keep the snapshots in a folder of ` +
  'your own and pass --snapshots';

/**
 * Why following the symbolic links on the way to `path` could lead where someone else chose (realpath reads
 * links past the kernel's protections): a link that is not the user's or root's, or one in a folder others can
 * write, a sticky one too (there the link's maker chose where it leads). The walk goes one name at a time, as
 * the kernel's does: what a link leads to is walked the same way, and `..` steps back from the real folder
 * reached, never from the text before it; 40 links at most. Names not there yet end the walk (they are made
 * later, as real folders).
 */
function linkProblem(ops: FileOps, path: string, uid: number): string | undefined {
  const names = (text: string) =>
    text
      .split('/')
      .filter((part) => part !== '' && part !== '.')
      .reverse();
  const rest = names(path); // a stack: the next name last
  let at = '/'; // a real folder: no link on the way to it
  let links = 0;
  for (let name = rest.pop(); name !== undefined; name = rest.pop()) {
    if (name === '..') {
      at = dirname(at);
      continue;
    }
    const next = join(at, name);
    const st = lstatIfPresent(ops, next);
    // Names not there yet are made later as real folders; a `..` after one could not be judged now.
    if (st === undefined)
      return rest.includes('..') ? `${next} is not there, and a .. follows it` : undefined;
    if (!st.isSymbolicLink()) {
      at = next;
      continue;
    }
    if (++links > MAX_LINKS) return 'too many symbolic links on the way';
    const owner = Number(st.uid);
    if (owner !== uid && owner !== 0) {
      return `${next} is another user's symbolic link (uid ${owner}): name the folder itself`;
    }
    if ((Number(ops.stat(at).mode) & WRITABLE_BY_OTHERS) !== 0) {
      return `${next} is a symbolic link in a folder others can write: name the folder itself`;
    }
    const target = fromBytes(toBytes(ops.readlink(next))).toString();
    if (target.startsWith('/')) at = '/';
    rest.push(...names(target));
  }
  return undefined;
}
