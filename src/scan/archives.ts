import { count } from '../core/format.js';
import type { ProgressTracker } from '../core/progress.js';
import { NOT_PLAIN, type ArchiveListing } from '../archive/listing.js';
import type { CatalogEntry } from '../catalog/entries.js';
import type { CatalogStore } from '../catalog/store.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import type { HashPool } from '../hash/hash-pool.js';
import type { ArchiveScanStats, ScanProblem } from '../model/groups.js';
import { identityString, type FileIdentity } from '../model/identity.js';
import { nameOf, pathKey, type FsPath } from '../model/paths.js';

/**
 * A scan with `--archives`: the archive files of its walk are read (through the scan's worker pool, so the rate
 * limiter and the threads apply) and their members become read-only catalog entries. An archive whose
 * catalogued identity is unchanged, and which has been read before, is not read again.
 *
 * Two steps, around the scan's grouping: `readArchives` after the walk (the members' sizes then join the sizes
 * a loose file is read through to its full hash for, so that a loose file alone in the walk is still matched
 * with a member), and `write` once the scan's rows are committed (the members are kept by the archive's row).
 */

/** Names of the files tried as archives (the reader confirms by content). */
const ARCHIVE_SUFFIXES = [
  '.zip',
  '.tar',
  '.tgz',
  '.tar.gz',
  '.tbz2',
  '.tar.bz2',
  '.txz',
  '.tar.xz',
  '.tzst',
  '.tar.zst',
  '.7z',
];

/** Whether a file is tried as an archive, by its name (ASCII case ignored). */
export function isArchiveName(path: FsPath): boolean {
  const name = nameOf(path).toString('latin1').toLowerCase();
  return ARCHIVE_SUFFIXES.some((suffix) => name.endsWith(suffix) && name.length > suffix.length);
}

/** Problems after which an archive's listing is not kept, so that the next scan reads it again. */
const RETRIED: ReadonlySet<string> = new Set(['changed', 'unreadable', 'not-regular', 'unsupported']);

/** A file of the walk, as the archive step sees it. */
export interface WalkedArchive extends FileIdentity {
  path: FsPath;
}

/** Reads one archive: a bad archive is a listing with a problem, never a throw. Called for many at once. */
export type ArchiveReader = (file: WalkedArchive) => Promise<ArchiveListing>;

export interface ArchiveStepOptions {
  catalog: CatalogStore;
  algorithm: HashAlgorithm;
  read: ArchiveReader;
  progress?: ProgressTracker | undefined;
}

/** The archives of a walk that need reading, read; `write` keeps what was read. */
export interface ReadArchives {
  /** The sizes of every member known for the walk's archives: read now, or kept from an earlier read. */
  readonly memberSizes: ReadonlySet<number>;
  /** Writes the members read (one transaction per archive), drops those of archives gone or changed. */
  write(at: number): { stats: ArchiveScanStats; problems: ScanProblem[] };
}

/**
 * Reads the archives among `files` (the walk's archive files, see `walkedArchives`) that the catalog holds no
 * members of as they are now: new, changed, or never read.
 */
export async function readArchives(
  files: Iterable<WalkedArchive>,
  options: ArchiveStepOptions,
): Promise<ReadArchives> {
  const { catalog, algorithm, progress } = options;
  const entries = catalog.entries();
  const archives = [...files];
  // What the catalog holds: each read archive by its path now, and the identity it was read with.
  const stored = entries.containers('archive').filter((c) => c.algorithm === algorithm);
  const rows = catalog.filesById(stored.map((c) => (c.key.kind === 'archive' ? c.key.fileId : -1)));
  const rowPaths = new Map(rows.map((r) => [r.id, pathKey(r.path)]));
  const readAs = new Map<string, string>();
  for (const c of stored) {
    const path = c.key.kind === 'archive' ? rowPaths.get(c.key.fileId) : undefined;
    if (path !== undefined && c.identity) readAs.set(path, identityString(c.identity));
  }
  const toRead = archives.filter((a) => readAs.get(pathKey(a.path)) !== identityString(a));
  const phase = progress?.phase('archives', {
    items: toRead.length,
    bytes: toRead.reduce((sum, a) => sum + a.size, 0),
  });
  // Largest first (the pool takes tasks in order), so the long reads start early and the threads finish together.
  const order = toRead.map((_, i) => i).sort((a, b) => toRead[b]!.size - toRead[a]!.size);
  const listings: ArchiveListing[] = new Array<ArchiveListing>(toRead.length);
  await Promise.all(
    order.map(async (i) => {
      const archive = toRead[i]!;
      listings[i] = await options.read(archive);
      phase?.add({ items: 1, bytes: archive.size });
    }),
  );
  phase?.end();

  const memberSizes = new Set<number>();
  for (const size of entries.entrySizes()) memberSizes.add(size);
  for (const listing of listings) for (const m of listing.members) memberSizes.add(m.size);

  return {
    memberSizes,
    write(at) {
      const problems: ScanProblem[] = [];
      const stats: ArchiveScanStats = {
        found: archives.length,
        read: toRead.length,
        bytesRead: 0,
        unchanged: archives.length - toRead.length,
        members: 0,
        skipped: 0,
        problems: 0,
        dropped: entries.pruneArchives(),
      };
      toRead.forEach((archive, i) => {
        const listing = listings[i]!;
        stats.bytesRead += listing.bytesRead;
        if (listing.problem) {
          stats.problems++;
          problems.push({ path: archive.path, op: 'archive', ...listing.problem });
        }
        // Not kept when the next scan could do better (the archive changed while read, could not be opened, or
        // needs a reader not installed here): it is read again then.
        if (listing.problem && RETRIED.has(listing.problem.code)) return;
        // Kept by the archive's row, and only while that row says what was read (the scan wrote it just now).
        const row = catalog.fileAtPath(archive.path);
        if (row === undefined || identityString(row) !== identityString(archive)) return;
        const skipped: Record<string, number> = {};
        for (const s of listing.skipped) skipped[s.reason] = (skipped[s.reason] ?? 0) + 1;
        // Not a reason any entry was skipped for: what keeps the archive from holding a keeper (see keeperRefusal).
        if (listing.notPlain !== undefined) skipped[NOT_PLAIN] = 1;
        entries.replace(
          {
            key: { kind: 'archive', fileId: row.id },
            identity: row,
            format: listing.format ?? 'unknown',
            algorithm,
            skipped,
            problem: listing.problem,
            readAt: at,
          },
          listing.members.map(toEntry),
        );
        stats.members += listing.members.length;
        stats.skipped += listing.skipped.length;
      });
      return { stats, problems };
    },
  };
}

function toEntry(m: ArchiveListing['members'][number]): CatalogEntry {
  return {
    name: m.name,
    size: m.size,
    mtimeMs: m.mtimeMs,
    hashes: m.hashes,
    ...(m.crc32 === undefined ? {} : { crc32: m.crc32 }),
    ...(m.encrypted ? { encrypted: true } : {}),
    ...(m.type === undefined ? {} : { type: m.type }),
  };
}

/** The walk's files in the file table (`ids`: those read without trouble), archives by name only. */
export function* walkedArchives(
  table: { pathOf(id: number): FsPath; identity(id: number): FileIdentity },
  ids: Iterable<number>,
): Generator<WalkedArchive> {
  for (const id of ids) {
    const path = table.pathOf(id);
    if (isArchiveName(path)) yield { path, ...table.identity(id) };
  }
}

/** Reads archives in the scan's worker pool (its rate limiter and read meter apply). */
export function poolArchiveReader(pool: () => HashPool): ArchiveReader {
  // One task per archive: the pool spreads them over its threads (a task reads its archives one after another).
  return async (f) =>
    (
      await pool().readArchives([{ path: f.path, size: f.size, mtimeNs: f.mtimeNs, dev: f.dev, ino: f.ino }])
    )[0]!;
}

/** "archives: 2 read (40 members), 3 unchanged, 1 with a problem": the scan's line about its archives. */
export function describeArchives(stats: ArchiveScanStats): string {
  const parts = [`${count(stats.read, 'archive')} read (${count(stats.members, 'member')})`];
  if (stats.unchanged > 0) parts.push(`${count(stats.unchanged, 'archive')} unchanged`);
  if (stats.problems > 0) parts.push(`${count(stats.problems, 'archive')} with a problem`);
  if (stats.skipped > 0) parts.push(`${count(stats.skipped, 'member')} skipped`);
  return parts.join(', ');
}
