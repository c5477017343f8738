import type { HashAlgorithm } from '../model/hashes.js';
import type { FileIdentity } from '../model/identity.js';
import type { ScanReport } from '../model/groups.js';
import { fromBytes, toBytes, type FsPath } from '../model/paths.js';
import { createHashState } from '../hash/hashers.js';
import { join } from 'node:path';
import { scan, type ScanOptions } from '../scan/scan.js';
import { MANIFEST_NAME } from './manifest.js';

/** A regular file below a manifest's folder, as the catalog holds it after a scan. */
export interface TreeFile extends FileIdentity {
  /** Relative to the folder. */
  path: FsPath;
  /** The whole content's hash by the scan's algorithm; undefined when the file could not be read. */
  hash: string | undefined;
  /** Shared by the paths of one file with several (hard links); see `ManifestEntry.link`. */
  link?: number;
}

export interface TreeScanOptions extends Omit<ScanOptions, 'roots' | 'algorithm' | 'readEveryFile'> {
  algorithm: HashAlgorithm;
  /**
   * Whether every file is read through to its full hash (what the catalog lacks of it): a manifest's write and
   * verify. Else only what a scan reads for duplicates is (verify --full then reads every file itself).
   */
  readEveryFile: boolean;
  /**
   * The manifest's own file, when it may lie in the tree: never listed (nor the temporary files of its writing).
   * The folder's default manifest (`DIR/.nodupe-manifest.jsonl`) never is either.
   */
  manifest?: string;
}

/**
 * Scans `dir` into the catalog (unchanged files are not read again) and returns its regular files from the
 * catalog's rows, in the byte order of their relative paths: every path of every file, hard links numbered.
 * nodupe's own files are left out, as a scan leaves them: the catalog, its data folder, the manifest itself.
 */
export async function scanTree(
  dir: string,
  options: TreeScanOptions,
): Promise<{ files: TreeFile[]; report: ScanReport }> {
  const { manifest, ...scanOptions } = options;
  const manifests = [...new Set([join(dir, MANIFEST_NAME), ...(manifest === undefined ? [] : [manifest])])];
  const skipFiles = [...(options.skipFiles ?? []), ...manifests];
  const report = await scan({ ...scanOptions, roots: [dir], skipFiles });
  const skipped = skippedPaths(skipFiles, options.skipFolders ?? [], manifests);
  const empty = await emptyHash(options.algorithm, options.hasherModule);
  const rows = options.catalog.knownRows([dir]);
  const prefix = toBytes(dir.endsWith('/') ? dir : `${dir}/`);
  const all = Buffer.from(rows.paths.buffer, rows.paths.byteOffset, rows.paths.byteLength);
  const files: TreeFile[] = [];
  // Hard links: the paths of each inode (a bigint key: no string made per row), then their devices told apart.
  const byInode = new Map<bigint, TreeFile[]>();
  for (let i = 0; i < rows.count; i++) {
    const start = rows.pathStart[i]!;
    const end = rows.pathStart[i + 1]!;
    if (all.compare(prefix, 0, prefix.length, start, start + prefix.length) !== 0) continue;
    const path = all.subarray(start, end);
    if (skipped(path)) continue;
    const size = rows.size[i]!;
    const full = rows.algorithm[i] === options.algorithm ? (rows.full[i] ?? undefined) : undefined;
    const file: TreeFile = {
      path: fromBytes(path.subarray(prefix.length)),
      dev: rows.dev[i]!,
      ino: rows.ino[i]!,
      size,
      mtimeNs: rows.mtimeNs[i]!,
      ctimeNs: rows.ctimeNs[i]!,
      hash: size === 0 ? empty : full,
    };
    files.push(file);
    const links = byInode.get(file.ino);
    if (links) links.push(file);
    else byInode.set(file.ino, [file]);
  }
  let link = 0;
  for (const file of files) {
    if (file.link !== undefined) continue;
    const links = byInode.get(file.ino)!;
    if (links.length < 2) continue;
    const same = links.filter((l) => l.dev === file.dev);
    if (same.length < 2) continue;
    link++;
    for (const l of same) l.link = link;
  }
  return { files, report };
}

/**
 * Whether a catalog row's path is one the scan skipped: the files it was told to skip, what lies in the folders
 * it was told to skip, and the temporary files a write of the manifest leaves beside it (`NAME.tmp-…`).
 */
function skippedPaths(files: readonly string[], folders: readonly string[], manifests: readonly string[]) {
  const exact = new Set(files);
  const under = [
    ...folders.map((f) => Buffer.from(f.endsWith('/') ? f : `${f}/`)),
    ...manifests.map((m) => Buffer.from(`${m}.tmp-`)),
  ];
  return (path: Buffer): boolean =>
    exact.has(path.toString()) || under.some((f) => path.subarray(0, f.length).equals(f));
}

/** The hash of empty content: what an empty file (never read) has in a manifest. */
async function emptyHash(algorithm: HashAlgorithm, module: string | undefined): Promise<string> {
  const state = await createHashState(algorithm, module);
  state.reset();
  return state.digest();
}
