import type { CatalogFile, CatalogStore } from '../catalog/store.js';
import { toBytes } from '../model/paths.js';
import { detectorKey, type SimilarityDetector } from './detector.js';
import { fingerprintFiles, type FingerprintOptions } from './fingerprint-files.js';
import { groupSimilar } from './group-similar.js';
import type { SimilarReport } from './report.js';

export interface FindSimilarOptions extends FingerprintOptions {
  catalog: CatalogStore;
  detector: SimilarityDetector;
  /** Absolute real paths: the catalog's files under them are compared (none: every file of the catalog). */
  roots: readonly string[];
  maxDistance: number;
  /** The `--similarity` preset that chose `maxDistance`, to say so in the report. */
  preset?: string;
  /** Told how many files will be looked at (then `onFile` of each one done). */
  onFiles?: (total: number) => void;
}

/**
 * Near-duplicates among the catalog's files under `roots` that the detector reads (by extension): every such
 * file gets a fingerprint (the catalog's, when it holds one for that content) or a problem, then the files
 * within `maxDistance` of one another are grouped.
 */
export async function findSimilar(options: FindSimilarOptions): Promise<SimilarReport> {
  const { detector } = options;
  const files = filesFor(options.catalog.liveFiles(), options.roots, detector.extensions);
  options.onFiles?.(files.length);
  const made = await fingerprintFiles(
    options.catalog,
    files,
    {
      key: detectorKey(detector),
      module: detector.module,
      maxBytes: detector.maxBytes,
      makes: detector.makes,
    },
    options,
  );

  const groups = groupSimilar(made.prints, detector.index, options.maxDistance);
  const inode = (f: { dev: bigint; ino: bigint }) => `${f.dev}:${f.ino}`;
  const grouped = new Set(groups.flatMap((g) => g.members.map((m) => inode(m.file))));
  const unique = made.prints.filter((p) => !grouped.has(inode(p.file)));
  return {
    subject: detector.subject,
    detector: detectorKey(detector),
    maxDistance: options.maxDistance,
    distanceUnit: detector.distanceUnit,
    preset: options.preset,
    roots: options.roots,
    groups,
    unique: unique.map((p) => p.file.path),
    problems: made.problems,
    files: files.length,
    read: made.read,
    reused: made.reused,
  };
}

/** The rows under a root (or all, without roots) whose name ends in one of `extensions` (any case). */
function filesFor(
  rows: readonly CatalogFile[],
  roots: readonly string[],
  extensions: readonly string[],
): CatalogFile[] {
  const wanted = new Set(extensions);
  const prefixes = roots.map((root) => Buffer.from(root.endsWith('/') ? root : `${root}/`));
  const exact = roots.map((root) => Buffer.from(root));
  return rows.filter((row) => {
    const path = toBytes(row.path);
    const dot = path.lastIndexOf(0x2e);
    if (dot <= path.lastIndexOf(0x2f)) return false;
    if (
      !wanted.has(
        path
          .subarray(dot + 1)
          .toString('latin1')
          .toLowerCase(),
      )
    )
      return false;
    if (roots.length === 0) return true;
    return (
      prefixes.some((prefix) => path.subarray(0, prefix.length).equals(prefix)) ||
      exact.some((root) => path.equals(root))
    );
  });
}
