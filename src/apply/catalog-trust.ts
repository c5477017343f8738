import { describeErrno, errnoOf, nodeFileOps, type FileOps, type Stat } from '../fs/file-ops.js';
import { displayPath, fromBytes, nameOf, parentOf, toBytes, type FsPath } from '../model/paths.js';
import { othersMayChange, STICKY, untrustedAncestor } from '../fs/trust.js';

const WHY =
  'apply, resume, undo and purge act on files as its journal says, so they use only a catalog that no one ' +
  'else could have written';

/**
 * The real path of the catalog at `location`, or why apply, resume, undo and purge must not use it: a journal
 * another user could have written would have nodupe move, link or remove what that user chose. The rule is the
 * one a quarantine folder follows (`othersMayChange`): the catalog file, its write-ahead log and shared memory
 * (`-wal`, `-shm`) when there, and its folder belong to the user running nodupe or to root (only root's when it
 * runs as root), and neither group nor others can write them; the folders above it may be sticky (as /tmp). The
 * catalog's own folder may not: others could put a `-wal` beside the catalog, which SQLite reads as part of it.
 * The path is judged with every symbolic link resolved, and the caller opens that real path, whose folders no
 * one else can rename. Nothing is written.
 */
export function catalogTrust(
  location: string,
  uid: number = process.geteuid?.() ?? 0,
  ops: FileOps = nodeFileOps,
): { real: string } | { problem: string } {
  let resolved: FsPath;
  try {
    resolved = fromBytes(toBytes(ops.realpath(location)));
  } catch (error) {
    return { problem: `the catalog ${location} cannot be checked: ${describeErrno(error)}` };
  }
  if (typeof resolved !== 'string') {
    return { problem: `the catalog's real path ${displayPath(resolved)} is not UTF-8: keep it where it is` };
  }
  const real = resolved;
  const folder = String(parentOf(real));
  const remedy = (path: string, problem: string, st: Stat): string => {
    if (problem.startsWith('belongs')) {
      return `run nodupe as that user, or, if you trust what it holds, take it over: chown ${uid === 0 ? 'root' : uid} ${path}`;
    }
    if (path === folder && (Number(st.mode) & STICKY) !== 0) {
      return (
        'others can put files beside the catalog there: keep it in a folder of your own (mkdir -m 700 DIR, move ' +
        `${real} there with its -wal if there is one, and pass --catalog DIR/${String(nameOf(real))})`
      );
    }
    return `fix with chmod go-w ${path}`;
  };
  for (const [what, path] of [
    ['the catalog', real],
    ["the catalog's write-ahead log", `${real}-wal`],
    ["the catalog's shared memory file", `${real}-shm`],
    ["the catalog's folder", folder],
  ] as const) {
    let st: Stat;
    try {
      st = ops.lstat(path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' && path !== real) continue;
      return { problem: `${what} ${path} cannot be checked: ${describeErrno(error)}` };
    }
    if (path !== folder && !st.isFile()) return { problem: `${what} ${path} is not a regular file` };
    const problem = othersMayChange(st, uid, { rootOk: true, stickyOk: false });
    if (problem !== undefined)
      return { problem: `${what} ${path} ${problem}: ${WHY}; ${remedy(path, problem, st)}` };
  }
  const above = untrustedAncestor(ops, parentOf(folder), uid, 'the catalog');
  if (above !== undefined) {
    return {
      problem:
        `the folder ${above}: ${WHY}; fix that folder (chmod go-w, or chown), or keep the catalog in a folder ` +
        'of your own and pass --catalog',
    };
  }
  return { real };
}
