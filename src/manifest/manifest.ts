import type { HashAlgorithm } from '../model/hashes.js';
import { toBytes, type FsPath } from '../model/paths.js';

/**
 * A folder manifest (`nodupe.manifest/1`): every regular file below a folder, by its path relative to the
 * folder, with its size, mtime and content hash. `nodupe manifest write` makes one, `verify` checks a tree
 * against it, `compare` sets two side by side without either tree. See schema/nodupe.manifest-1.schema.json.
 */
export const MANIFEST_SCHEMA = 'nodupe.manifest/1';

/** Where `nodupe manifest write DIR` puts the manifest, and where `verify DIR` looks for it: in DIR. */
export const MANIFEST_NAME = '.nodupe-manifest.jsonl';

export interface ManifestHeader {
  algorithm: HashAlgorithm;
  /** Wall-clock time, ISO 8601 UTC. */
  createdAt: string;
  /** The last component of the folder's path: for people. */
  root: string;
}

export interface ManifestEntry {
  /** Relative to the folder; raw bytes when they are not UTF-8. */
  path: FsPath;
  size: number;
  mtimeNs: bigint;
  /** The whole content's hash by the header's algorithm. */
  hash: string;
  /** Paths that are hard links of one file share this number (1, 2, ...); absent on a file with one path here. */
  link?: number;
}

export interface Manifest {
  header: ManifestHeader;
  /** In the byte order of their paths, no path twice. */
  entries: ManifestEntry[];
}

/** The byte order of paths, which a manifest's lines follow (not UTF-16 order: U+E000 sorts below U+10000 here). */
export function compareBytes(a: FsPath, b: FsPath): number {
  return Buffer.compare(toBytes(a), toBytes(b));
}

/** Why a relative path from a manifest may not be joined onto a folder, or undefined when it may. */
export function relativePathProblem(path: FsPath): string | undefined {
  const bytes = toBytes(path);
  if (bytes.includes(0)) return 'holds a NUL byte';
  if (bytes[0] === 0x2f) return 'is absolute';
  for (const part of bytes.toString('latin1').split('/')) {
    if (part === '') return 'has an empty component';
    if (part === '.' || part === '..') return `has a "${part}" component`;
  }
  return undefined;
}
