import { lstatSync, realpathSync, type BigIntStats } from 'node:fs';
import { displayPath, nameOf, parentOf, pathKey, toBytes, type FsPath } from '../model/paths.js';
import { badPeerOutput, isLineBased, type PeerOutput } from './peer-output.js';

/** A named file as it is on the disk now: a regular file, with the peer's group it was named in. */
export interface PresentFile {
  /** Its real path: the folders on the way resolved, as a scan names it. */
  path: string;
  /** The index of the peer's group that named it (the first, when several did). */
  group: number;
  dev: bigint;
  ino: bigint;
  size: number;
}

/** Why a named path is left out of the import. */
export type LeftOutReason = 'missing' | 'not-a-file' | 'unreadable' | 'nodupe' | 'not-utf8';

export interface LeftOut {
  path: FsPath;
  reason: LeftOutReason;
  detail: string;
}

export interface Rechecked {
  present: PresentFile[];
  leftOut: LeftOut[];
  /** Paths named more than once (in one group or in several): counted once, in the first group. */
  repeated: number;
}

/**
 * Checks every path the peer named against the disk now, with one lstat each: it must exist and be a regular
 * file (a symbolic link is never followed into a group). A name that is not UTF-8 is left out: a scan's roots are text.
 *
 * In a line-based output, a missing path followed in its group by a path that, joined to it by a newline,
 * names a file shows a name holding a newline: that is refused (BAD_INPUT), not guessed.
 */
export function recheck(output: PeerOutput): Rechecked {
  const seen = new Set<string>();
  const present: PresentFile[] = [];
  const leftOut: LeftOut[] = [];
  let repeated = 0;
  const realFolder = realFolders();
  output.groups.forEach((group, g) => {
    group.forEach((path, i) => {
      const key = pathKey(path);
      if (seen.has(key)) {
        repeated++;
        return;
      }
      seen.add(key);
      const st = lstat(path);
      if (st instanceof Error) {
        const code = (st as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          if (isLineBased(output.format) && i + 1 < group.length) refuseNewline(output, path, group[i + 1]!);
          leftOut.push({ path, reason: 'missing', detail: 'no longer exists' });
        } else leftOut.push({ path, reason: 'unreadable', detail: st.message });
      } else if (!st.isFile()) {
        const kind = st.isSymbolicLink()
          ? 'a symbolic link'
          : st.isDirectory()
            ? 'a folder'
            : 'a special file';
        leftOut.push({ path, reason: 'not-a-file', detail: `is ${kind} now, not a regular file` });
      } else if (typeof path !== 'string') {
        leftOut.push({
          path,
          reason: 'not-utf8',
          detail: 'has a name that is not UTF-8 (scan its folder instead)',
        });
      } else {
        const real = `${realFolder(parentOf(path) as string)}/${nameOf(path).toString()}`;
        present.push({
          path: real.replace(/^\/\//, '/'),
          group: g,
          dev: st.dev,
          ino: st.ino,
          size: Number(st.size),
        });
      }
    });
  });
  return { present, leftOut, repeated };
}

/** The real path of a folder, asked once per folder (a peer names thousands of files in each of a few folders). */
function realFolders(): (folder: string) => string {
  const known = new Map<string, string>();
  return (folder) => {
    let real = known.get(folder);
    if (real === undefined) {
      try {
        real = realpathSync.native(folder);
      } catch {
        real = folder;
      }
      known.set(folder, real);
    }
    return real;
  };
}

function lstat(path: FsPath): BigIntStats | Error {
  try {
    return lstatSync(path, { bigint: true });
  } catch (error) {
    return error as Error;
  }
}

function refuseNewline(output: PeerOutput, path: FsPath, next: FsPath): void {
  const joined = Buffer.concat([toBytes(path), Buffer.from('\n'), toBytes(next)]);
  if (lstat(joined) instanceof Error) return;
  throw badPeerOutput(
    output.format,
    `"${displayPath(path)}" and "${displayPath(next)}" are one name holding a newline, which this format cannot carry`,
    'use jdupes -j, rmlint -o json or fclones (its reports escape newlines) for such names',
  );
}

/**
 * The present files outside nodupe's own files and folders (`own`: its data folder, quarantines, the catalog and
 * the files beside it), and those inside, left out.
 */
export function leaveOutOwn(
  present: readonly PresentFile[],
  own: readonly string[],
): { present: PresentFile[]; leftOut: LeftOut[] } {
  const bases = own.map((o) => [Buffer.from(o), Buffer.from(o.endsWith('/') ? o : `${o}/`)] as const);
  const isOwn = (path: string) => {
    const bytes = Buffer.from(path);
    return bases.some(([exact, base]) => bytes.equals(exact) || bytes.subarray(0, base.length).equals(base));
  };
  const kept: PresentFile[] = [];
  const leftOut: LeftOut[] = [];
  for (const f of present) {
    if (isOwn(f.path)) {
      leftOut.push({
        path: f.path,
        reason: 'nodupe',
        detail: "is nodupe's own (its catalog, data or a quarantine)",
      });
    } else kept.push(f);
  }
  return { present: kept, leftOut };
}
