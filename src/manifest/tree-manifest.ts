import { byteRateLimiter } from '../core/byte-rate.js';
import { systemClock } from '../core/clock.js';
import { hashWholeFiles } from '../hash/whole-files.js';
import { Outcome } from '../hash/task.js';
import type { ScanReport } from '../model/groups.js';
import { basename } from 'node:path';
import { joinName, type FsPath } from '../model/paths.js';
import { checkTree, type TreeDifference } from './check-tree.js';
import type { Manifest, ManifestEntry } from './manifest.js';
import { scanTree, type TreeFile, type TreeScanOptions } from './tree-files.js';

export type ManifestScanOptions = Omit<TreeScanOptions, 'readEveryFile'>;

/** A manifest of a folder, and what could not go in it. */
export interface MadeManifest {
  manifest: Manifest;
  /** Files that could not be read (or changed while read): left out of the manifest. */
  unreadable: FsPath[];
  report: ScanReport;
}

/**
 * The manifest of every regular file below `dir`: scanned into the catalog first, every file read through to
 * its full hash unless the catalog holds it unchanged (a manifest of an unchanged tree reads nothing).
 * `createdAt` is the wall-clock time it records.
 */
export async function makeManifest(dir: string, options: ManifestScanOptions): Promise<MadeManifest> {
  const { files, report } = await scanTree(dir, { ...options, readEveryFile: true });
  const entries: ManifestEntry[] = [];
  const unreadable: FsPath[] = [];
  for (const f of files) {
    if (f.hash === undefined) unreadable.push(f.path);
    else {
      entries.push({
        path: f.path,
        size: f.size,
        mtimeNs: f.mtimeNs,
        hash: f.hash,
        ...(f.link === undefined ? {} : { link: f.link }),
      });
    }
  }
  const createdAt = new Date((options.clock ?? systemClock).wallNow()).toISOString();
  const header = { algorithm: options.algorithm, createdAt, root: basename(dir) };
  return { manifest: { header, entries }, unreadable, report };
}

export interface ManifestVerifyOptions extends Omit<ManifestScanOptions, 'algorithm'> {
  /** Read every file (else the catalog's hashes of files unchanged since it last read them are trusted). */
  full: boolean;
}

/** A tree checked against its manifest. */
export interface ManifestVerification {
  /** Files the manifest lists, and those found matching. */
  listed: number;
  matched: number;
  differences: TreeDifference[];
  /** Content read, in bytes: by the scan, and with `full`, every file after. */
  bytesRead: number;
  report: ScanReport;
}

/**
 * Checks the tree at `dir` against `manifest` (see `checkTree`), with the manifest's algorithm. Without `full`, the
 * scan reads what the catalog lacks or holds changed (identity as in every scan: device, inode, size, mtime,
 * ctime), so that only changed files are read; an edit with its mtime set back still shows (its ctime moved).
 * With `full`, every file is read afterwards, whatever the catalog holds: bit rot shows too.
 */
export async function verifyManifest(
  dir: string,
  manifest: Manifest,
  options: ManifestVerifyOptions,
): Promise<ManifestVerification> {
  const { full, ...scanOptions } = options;
  const algorithm = manifest.header.algorithm;
  const { files, report } = await scanTree(dir, { ...scanOptions, algorithm, readEveryFile: !full });
  let bytesRead = report.bytesRead;
  if (full) bytesRead += await readAll(dir, files, { ...options, algorithm });
  const checked = checkTree(manifest.entries, files);
  return { listed: manifest.entries.length, ...checked, bytesRead, report };
}

/** Hashes every file of `files` again, whole, setting each one's hash (undefined if unreadable): bytes read. */
async function readAll(
  dir: string,
  files: TreeFile[],
  options: Omit<ManifestScanOptions, 'manifest'>,
): Promise<number> {
  let bytes = 0;
  const wanted = files
    .filter((f) => f.size > 0)
    .map((f) => ({ file: f, path: joinName(dir, Buffer.from(f.path)), size: f.size, mtimeNs: f.mtimeNs }));
  // One read of each physical file: hard links share the hash.
  const byLink = new Map<number, typeof wanted>();
  const reads = wanted.filter((w) => {
    if (w.file.link === undefined) return true;
    const others = byLink.get(w.file.link);
    if (others) others.push(w);
    else byLink.set(w.file.link, [w]);
    return others === undefined;
  });
  const phase = options.progress?.phase('full', {
    items: reads.length,
    bytes: reads.reduce((sum, r) => sum + r.size, 0),
  });
  await hashWholeFiles(
    reads,
    {
      algorithm: options.algorithm,
      hasher: () => ({
        known: true,
        module: options.hasherModule,
        ...(options.hasherPlugin === undefined ? {} : { plugin: options.hasherPlugin }),
      }),
      hasherTimeLimitMs: options.hasherTimeLimitMs,
      clock: options.clock,
      threads: options.threads,
      limiter:
        options.maxReadRate === undefined
          ? undefined
          : byteRateLimiter(options.maxReadRate, options.clock ?? systemClock),
      signal: options.signal,
    },
    (batch, results) => {
      for (let i = 0; i < results.count; i++) {
        bytes += results.bytes[i]!;
        const hash = results.kind[i] === Outcome.hash ? results.hash[i] : undefined;
        const w = batch[i]!;
        for (const one of w.file.link === undefined ? [w] : byLink.get(w.file.link)!) one.file.hash = hash;
      }
      phase?.add({ items: results.count, bytes: results.bytes.reduce((sum, b) => sum + b, 0) });
    },
  );
  phase?.end();
  return bytes;
}
