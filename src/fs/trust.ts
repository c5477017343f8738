import type { FileOps, Stat } from './file-ops.js';
import { displayPath, parentOf, pathKey, type FsPath } from '../model/paths.js';

export const STICKY = 0o1000;
export const WRITABLE_BY_OTHERS = 0o022;

/**
 * The one rule for what nodupe trusts no one else to have changed (a quarantine folder, a move's --to, the
 * catalog whose journal apply, undo and purge follow, the snapshot store): it is no symbolic link, it belongs to the user running
 * nodupe (or to root, with `rootOk`; only root's when nodupe runs as root), and neither its group nor others can
 * write it, unless it is a sticky folder and `stickyOk` (as /tmp: there no one can rename or remove another's
 * entries). Returns why not, as words that follow its name ("belongs to another user (uid 1002)"), or undefined.
 */
export function othersMayChange(
  st: Stat,
  uid: number,
  options: { rootOk: boolean; stickyOk: boolean },
): string | undefined {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  const owner = Number(st.uid);
  if (owner !== uid && !(options.rootOk && owner === 0)) return `belongs to another user (uid ${owner})`;
  const mode = Number(st.mode);
  if ((mode & WRITABLE_BY_OTHERS) !== 0 && !(options.stickyOk && (mode & STICKY) !== 0)) {
    return `can be written by others (mode ${(mode & 0o7777).toString(8)})`;
  }
  return undefined;
}

/**
 * Why the folders from `dir` up to `/` let someone else rename or replace what is below them (see
 * `othersMayChange`: the user's or root's, writable by no one else unless sticky), or undefined. `what` names
 * what they could replace ("the quarantine").
 */
export function untrustedAncestor(ops: FileOps, dir: FsPath, uid: number, what: string): string | undefined {
  let at = dir;
  for (;;) {
    const problem = othersMayChange(ops.lstat(at), uid, { rootOk: true, stickyOk: true });
    if (problem !== undefined) {
      return `${displayPath(at)} ${problem}${problem.startsWith('can be written') ? `, who could replace ${what}` : ''}`;
    }
    const parent = parentOf(at);
    if (pathKey(parent) === pathKey(at)) return undefined;
    at = parent;
  }
}
