import type { BigIntStats } from 'node:fs';

/**
 * What says a file is the very file seen before, unchanged: device, inode, size, and both times. mtime can be
 * set back by anyone who can write the file; ctime cannot (the kernel sets it on every write, rename, link,
 * chmod or chown), so an edit with its mtime restored still shows.
 */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** What a plan says a file must still be when it is acted on: its identity and the group's content hash. */
export interface Expectation extends FileIdentity {
  hash: string;
}

/** One string for a {@link FileIdentity}; the SQLite store computes the same string in SQL. */
export function identityString(f: FileIdentity): string {
  return `${f.dev}:${f.ino}:${f.size}:${f.mtimeNs}:${f.ctimeNs}`;
}

/** The identity alone, out of a stat or of anything that carries one. */
export function identityOf(x: BigIntStats | FileIdentity): FileIdentity {
  return { dev: x.dev, ino: x.ino, size: Number(x.size), mtimeNs: x.mtimeNs, ctimeNs: x.ctimeNs };
}

/** Which part of an identity moved, most telling first; undefined when none did. */
export type IdentityChange = 'not-a-file' | 'replaced' | 'size' | 'mtime' | 'ctime';

/**
 * The one comparison of identities. `st` is what is there now; `ignoreCtime` is for a name nodupe itself has
 * just renamed (a rename sets the inode's ctime), where the inode, size and mtime still tell it is the same file.
 */
export function identityChange(
  st: BigIntStats,
  want: FileIdentity,
  options: { ignoreCtime?: boolean } = {},
): IdentityChange | undefined {
  if (!st.isFile()) return 'not-a-file';
  if (st.dev !== want.dev || st.ino !== want.ino) return 'replaced';
  if (Number(st.size) !== want.size) return 'size';
  if (st.mtimeNs !== want.mtimeNs) return 'mtime';
  if (!options.ignoreCtime && st.ctimeNs !== want.ctimeNs) return 'ctime';
  return undefined;
}

/** Words for a change, after "the file …": for skip reasons and reports. */
export function describeChange(change: IdentityChange, want: FileIdentity, st: BigIntStats): string {
  switch (change) {
    case 'not-a-file':
      return 'is no longer a regular file';
    case 'replaced':
      return 'was replaced by another file';
    case 'size':
      return `changed size (${want.size} → ${st.size} bytes)`;
    case 'mtime':
      return 'was modified (its mtime changed)';
    case 'ctime':
      return 'was changed (its ctime moved: written, renamed, linked or its mode changed)';
    default: {
      const unknown: never = change;
      throw new Error(`unhandled change ${String(unknown)}`);
    }
  }
}
