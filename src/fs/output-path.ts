import { displayPath, fromBytes, joinName, parentOf, toBytes, type FsPath } from '../model/paths.js';
import { describeErrno, errnoOf, lstatIfPresent, type FileOps, type Stat } from './file-ops.js';
import { STICKY } from './trust.js';

/**
 * Where writing an output file (`-o FILE`) goes, found by {@link resolveOutput}:
 * - `replace`: a regular file, or nothing yet: replaced whole (or made); `path` is its real path (every
 *   symbolic link on the way followed), `folder` what its folder was when it was looked at;
 * - `through`: a character device or a FIFO (`device`: what must still be there when it is opened): written
 *   through, never replaced;
 * - `refused`: anything else (a folder, a block device, a socket, a link that leads nowhere or may not be
 *   followed, a path through a link in /proc, another user's file in a sticky folder), with the reason.
 */
export type OutputTarget =
  | { kind: 'replace'; path: FsPath; existing: Stat | undefined; folder: Stat }
  | { kind: 'through'; path: FsPath; device: Stat; folder: Stat }
  | { kind: 'refused'; reason: string };

/** As many links as the kernel follows before it says ELOOP. */
export const MAX_LINKS = 40;
/** procfs's magic number (statfs(2)): wherever it is mounted, its links are not what their text says. */
const PROC_FILE_SYSTEM = 0x9fa0;
/** Why a link in /proc is not followed, and what to write instead. */
const PROC_LINK =
  "a link in /proc, which nodupe does not follow (such a link leads to a process's file, folder or " +
  'descriptor, not to what its text says): for stdout write -o -, for another descriptor -o - and a shell ' +
  'redirection (-o - >&3)';
/** Why a link is not followed to a name nodupe chose itself. */
const NOT_FOLLOWED =
  'a symbolic link: nodupe never writes its own file through one (-o names the file to write, links followed)';
const SLASH = 0x2f;
const DOT = Buffer.from('.');
const DOT_DOT = Buffer.from('..');

/**
 * What writing `path` (absolute) would act on. The path is walked one component at a time, as the kernel walks
 * it, with lstat only (never realpath, whose readlink calls escape the kernel's protections): every symbolic
 * link met, in `path` or in what a link leads to, is followed, unless it is another user's in a sticky folder
 * open to all that is not its owner's (the kernel's protected symlinks, whatever the system's setting), and no
 * more than 40 of them. A link that leads nowhere is refused, as cp refuses it. So is a link in /proc (on a
 * procfs, wherever mounted), anywhere on the way: /proc/PID/root, /proc/PID/cwd and /proc/PID/fd/N lead where
 * the kernel knows, which their text may not name (another mount namespace's root reads as `/`, a descriptor
 * as the path it was opened by, or as what nodupe itself holds open under that number); so /dev/stdout and
 * /dev/fd/N, which lead through /proc/self, are refused too (the CLI takes the spellings of stdout and stderr
 * for its own streams before asking). So is a file or FIFO of another user in a sticky folder (see
 * {@link stickyProblem}). Creates nothing. With `follow` false (a name nodupe chose, not the user: the default
 * manifest), no link is followed at all, and the name must be a regular file or nothing: whoever may make names
 * in that folder cannot lead the write elsewhere, nor to a FIFO or a device.
 */
export function resolveOutput(ops: FileOps, path: FsPath, follow = true): OutputTarget {
  const refused = (reason: string): OutputTarget => ({ kind: 'refused', reason });
  const rest = components(path).reverse(); // a stack: the next component last
  let folder: FsPath = '/';
  let linked = false; // whether a link was followed: messages then say where the path led
  let named = false; // whether the last name to walk is a link's (else `path`'s own)
  let links = 0;
  try {
    let folderStat = ops.lstat(folder);
    for (;;) {
      const name = rest.pop();
      if (name === undefined) return refused(leadsTo(linked, folder, 'is a folder; name a file'));
      if (name.equals(DOT)) continue;
      if (name.equals(DOT_DOT)) {
        folder = parentOf(folder);
        folderStat = ops.lstat(folder);
        continue;
      }
      const at = joinName(folder, name);
      const last = rest.length === 0;
      const stat = lstatIfPresent(ops, at);
      if (stat === undefined) {
        const file = last ? at : spelled(at, rest);
        if (named) return refused(leadsTo(true, file, 'does not exist (name the file itself to make it)'));
        if (!last) {
          const missing = `folder ${displayPath(parentOf(file))} does not exist`;
          return refused(linked ? `leads to ${displayPath(file)}, whose ${missing}` : `its ${missing}`);
        }
        return { kind: 'replace', path: at, existing: undefined, folder: folderStat };
      }
      if (stat.isSymbolicLink()) {
        if (!follow) {
          return refused(last ? `is ${NOT_FOLLOWED}` : `passes through ${displayPath(at)}, ${NOT_FOLLOWED}`);
        }
        if (ops.fsType(folder) === PROC_FILE_SYSTEM) {
          return refused(
            linked || !last ? `passes through ${displayPath(at)}, ${PROC_LINK}` : `is ${PROC_LINK}`,
          );
        }
        if (links === MAX_LINKS) return refused('leads through too many symbolic links');
        links++;
        if (!followable(stat, folderStat)) {
          const what = "another user's symbolic link in a folder open to all: it is not followed";
          return refused(linked || !last ? `passes through ${displayPath(at)}, ${what}` : `is ${what}`);
        }
        const target = ops.readlink(at);
        named ||= last;
        rest.push(...components(target).reverse());
        if (toBytes(target)[0] === SLASH) {
          folder = '/';
          folderStat = ops.lstat(folder);
        }
        linked = true;
        continue;
      }
      if (!last) {
        if (!stat.isDirectory()) {
          const what = `cannot be made: ${displayPath(at)} is not a folder`;
          return refused(leadsTo(linked, spelled(at, rest), what));
        }
        folder = at;
        folderStat = stat;
        continue;
      }
      const unsafe = stickyProblem(stat, folderStat);
      if (unsafe !== undefined) return refused(leadsTo(linked, at, unsafe));
      if (stat.isFile()) return { kind: 'replace', path: at, existing: stat, folder: folderStat };
      if (!follow) return refused('is not a regular file: nodupe writes its own file there only over one');
      if (stat.isCharacterDevice() || stat.isFIFO()) {
        return { kind: 'through', path: at, device: stat, folder: folderStat };
      }
      if (stat.isDirectory()) return refused(leadsTo(linked, at, 'is a folder; name a file'));
      if (stat.isBlockDevice()) {
        return refused(leadsTo(linked, at, 'is a block device: nodupe does not write over a disk'));
      }
      return refused(leadsTo(linked, at, 'is a socket: nothing can be written to it by name'));
    }
  } catch (error) {
    if (errnoOf(error) === undefined) throw error;
    return refused(describeErrno(error));
  }
}

/** "leads to AT, which WHAT" once a link was followed; WHAT alone for the path as given. */
function leadsTo(linked: boolean, at: FsPath, what: string): string {
  return linked ? `leads to ${displayPath(at)}, which ${what}` : what;
}

/** The non-empty components of a path, as bytes. */
function components(path: FsPath): Buffer[] {
  const bytes = toBytes(path);
  const parts: Buffer[] = [];
  for (let start = 0; start <= bytes.length;) {
    let end = bytes.indexOf(SLASH, start);
    if (end < 0) end = bytes.length;
    if (end > start) parts.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return parts;
}

/** The path `at` followed by what is left to walk (`rest`, a stack), for messages. */
function spelled(at: FsPath, rest: readonly Buffer[]): FsPath {
  let path = at;
  for (let i = rest.length - 1; i >= 0; i--) path = joinName(path, rest[i]!);
  return fromBytes(toBytes(path));
}

/** The kernel's rule for protected symlinks (fs.protected_symlinks): follow unless the link could be a trap. */
function followable(link: Stat, folder: Stat): boolean {
  const openToAll = (Number(folder.mode) & STICKY) !== 0 && (Number(folder.mode) & 0o002) !== 0;
  return !openToAll || link.uid === euid() || link.uid === folder.uid;
}

/**
 * Why the file `stat`, in a sticky folder, may not be written, or undefined when it may. The kernel's rules for
 * protected regular files and FIFOs (fs.protected_regular, fs.protected_fifos), whatever the system's setting
 * and for root too: in a sticky folder, where anyone may have made a name in advance, only a file or FIFO of
 * this user's or of the folder's owner is written. A regular file is replaced by a rename, which a sticky folder
 * allows only to the file's owner, the folder's or root: so another user's file is replaced only by root, and
 * only when it is the folder owner's.
 */
function stickyProblem(stat: Stat, folder: Stat): string | undefined {
  if ((Number(folder.mode) & STICKY) === 0 || stat.uid === euid()) return undefined;
  if (stat.isFile()) {
    if (euid() === 0n && stat.uid === folder.uid) return undefined;
    return "belongs to another user, in a sticky folder: nodupe replaces there only the user's own file (or, as root, the folder owner's)";
  }
  if (!stat.isFIFO() && !stat.isCharacterDevice()) return undefined;
  if (stat.uid === folder.uid) return undefined;
  return "belongs to another user, in a sticky folder: nodupe writes there only through the user's own FIFO or device, or the folder owner's";
}

function euid(): bigint {
  return BigInt(process.geteuid?.() ?? 0);
}
