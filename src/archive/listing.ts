/**
 * What reading one archive yields: its members, each hashed as it streamed, what was skipped and why, and a
 * problem when the archive could not be read to its end. Nothing of an archive is ever written to disk.
 */

/** The archive formats read, by their content (the name only picks the files to try). */
export type ArchiveFormat = 'zip' | 'tar' | 'tar.gz' | 'tar.bz2' | 'tar.xz' | 'tar.zst' | '7z';

/**
 * One regular-file member. `name` is validated: relative, `/`-separated, no `.` or `..` part, no backslash, no
 * NUL, at most 4,096 bytes; it is a label shown after `ARCHIVE!/`, never joined onto a real path.
 */
export interface ArchiveMember {
  name: string;
  size: number;
  /** The member's own modification time (wall-clock ms), when the archive records one. */
  mtimeMs: number | undefined;
  /**
   * Hashes by the scan's algorithm over the same ranges a scan hashes a loose file by (4,096-byte head and
   * tail blocks, the full content), so members group with loose files. Absent for an encrypted member.
   */
  hashes: { head: string; tail: string; full: string } | undefined;
  /** For an encrypted zip member: what the archive declares (it is grouped with nothing). */
  crc32?: number;
  encrypted?: boolean;
  /** The content's type, detected from its first bytes (undefined: not recognised). */
  type?: string | undefined;
}

/**
 * Why a member was not catalogued. Its name is shown escaped, never used. Folders are not members and are not
 * listed; a nested archive is an ordinary member (its bytes hashed, never opened).
 */
export type SkipReason =
  /** Absolute, with a `.`/`..`/empty part, a backslash or a NUL, over 4,096 bytes, or not text. */
  | 'unsafe-name'
  /** A name that more than one entry has: every copy is skipped (an extraction keeps only one, not always the first). */
  | 'duplicate-name'
  | 'symlink'
  | 'hardlink'
  | 'device'
  | 'fifo'
  /** Another kind of entry whose bytes are not the member's content (a sparse entry, GNU or pax, or a volume entry). */
  | 'unsupported-kind'
  /** Stored by a compression method not read here (a zip member's bzip2 or LZMA, say). */
  | 'unsupported-compression'
  /** Over the member cap, declared or counted while inflating. */
  | 'member-too-large'
  /** A zip member inflating past the ratio cap. */
  | 'ratio-too-high';

export interface ArchiveSkip {
  /** The stored name, made printable (control bytes and invalid UTF-8 escaped), cut to 300 characters. */
  name: string;
  reason: SkipReason;
}

/** Limits on what one archive may make nodupe inflate; past one, reading stops with a problem. */
export interface ArchiveCaps {
  /** Bytes one member may inflate to (default 4 GiB). */
  maxMemberBytes: number;
  /** Bytes all members of one archive may inflate to together (default 64 GiB). */
  maxTotalBytes: number;
  /** Inflated bytes per compressed byte, past the first MiB (default 1000). */
  maxRatio: number;
  /** Members (of every kind) one archive may hold (default 1,000,000). */
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_CAPS: ArchiveCaps = {
  maxMemberBytes: 4 * 1024 ** 3,
  maxTotalBytes: 64 * 1024 ** 3,
  maxRatio: 1000,
  maxEntries: 1_000_000,
};

/** Why reading an archive stopped before its end. */
export type ArchiveProblemCode =
  /** The file is not what the walk saw (size, mtime, and device and inode when given), or changed while read. */
  | 'changed'
  /** The path is no longer a regular file (a link is not followed). */
  | 'not-regular'
  /** Opening or reading the file failed (the message says how). */
  | 'unreadable'
  /** The content starts with no archive signature read here. */
  | 'not-an-archive'
  /** A decompressor or 7-Zip is missing on this machine. */
  | 'unsupported'
  /**
   * Damaged or cut short, a member's bytes not matching its CRC, or a 7z whose encrypted entries cannot be left out
   * of the extraction alone: the members read (and checked) before it are kept.
   */
  | 'corrupt'
  /** Two zip entries share stored bytes (an overlapping-entry zip bomb). */
  | 'overlapping-entries'
  /** A cap was passed (see {@link ArchiveCaps}). */
  | 'too-many-entries'
  | 'too-large'
  | 'ratio-too-high';

export interface ArchiveListing {
  /** By the content's signature; undefined when it has none (the problem is then 'not-an-archive'). */
  format: ArchiveFormat | undefined;
  members: ArchiveMember[];
  skipped: ArchiveSkip[];
  /** Stored (compressed) bytes read from the disk: what the rate limiter was asked for. */
  bytesRead: number;
  /**
   * Why reading stopped before the end (corrupt, a cap passed, a format not supported here): the members read
   * before it are kept. A problem in the scan's report, never a failed scan.
   */
  problem?: { code: ArchiveProblemCode; message: string };
  /**
   * Why a zip is not plain, though read (an entry with two Unicode Path fields, a local header that differs from
   * its central record, a volume label…): extractors may write other bytes at a name than this listing says, so no
   * member of it is a keeper (see `keeperRefusal`).
   */
  notPlain?: string | undefined;
}

/**
 * The key under which a catalogued archive's skipped counts record that it is not plain (see `notPlain`): no entry
 * was skipped for it, but a plan must know.
 */
export const NOT_PLAIN = 'not-plain';

/** Entries whose presence lets an extraction put other bytes at a member's name than the listing says. */
const NOT_PLAIN_SKIPS: readonly SkipReason[] = [
  'unsafe-name',
  'duplicate-name',
  'symlink',
  'hardlink',
  'device',
  'fifo',
  'unsupported-kind',
];

/**
 * Why no member of an archive may be a keeper, or undefined: the archive must be read to its end without a
 * problem, and plain: only regular files and folders, every name safe and once, no header the parser passes
 * over. Anything else may let `tar x`, unzip or 7-Zip put other bytes at the member's name than the ones compared
 * (an unsafe name they turn into the member's, a link they write through, a header they apply).
 */
export function keeperRefusal(
  listing: Pick<ArchiveListing, 'format' | 'problem' | 'notPlain'> & {
    skipped: readonly { reason: string }[];
  },
): string | undefined {
  if (listing.problem !== undefined) return `it could not be read to its end (${listing.problem.message})`;
  if (!keeperFormat(listing.format)) return ONLY_A_ZIP;
  if (listing.notPlain !== undefined) return `it is not plain (${listing.notPlain})`;
  const odd = listing.skipped.find((s) => (NOT_PLAIN_SKIPS as readonly string[]).includes(s.reason));
  if (odd !== undefined)
    return `it holds an entry skipped as ${odd.reason}, which an extraction may write at the member's name`;
  return undefined;
}

/**
 * Why only a zip holds a keeper. A tar's entries are read by a parser (tar-stream) that reads some headers otherwise
 * than GNU tar (numbers and pax records one accepts and the other refuses), and a crafted tar can use that to show
 * one content at a name and extract another there. A 7z's names come from 7-Zip's listing, which prints some
 * characters of a name otherwise (a line break as `_`). A zip's every record is read by nodupe and checked.
 */
const ONLY_A_ZIP =
  'only a zip holds a keeper (nodupe reads some tar headers and 7z names otherwise than tar and 7-Zip extract them)';

/** Whether members of an archive of this format may be keepers: a zip's only (see ONLY_A_ZIP). */
function keeperFormat(format: string | undefined): boolean {
  return format === 'zip';
}

/** Whether a catalogued archive (its format, its skipped entries counted by reason) may hold a keeper. */
export function plainArchive(container: {
  format: string;
  problem: unknown;
  skipped: Readonly<Record<string, number>>;
}): boolean {
  return (
    keeperFormat(container.format) &&
    container.problem === undefined &&
    NOT_PLAIN_SKIPS.every((r) => (container.skipped[r] ?? 0) === 0) &&
    (container.skipped[NOT_PLAIN] ?? 0) === 0
  );
}
