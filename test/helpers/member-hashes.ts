import type { HashAlgorithm } from '../../src/hash/algorithms.js';
import type { FsPath } from '../../src/model/paths.js';
import type { ArchiveCaps, ArchiveProblemCode } from '../../src/archive/listing.js';
import { readArchive } from '../../src/archive/read-archive.js';

export type MemberHash =
  { full: string; size: number } | { problem: { code: ArchiveProblemCode | 'no-member'; message: string } };

/**
 * Streams one member of an archive again (readArchive with `only`, as apply's keeper check reads it) and returns
 * its whole-content hash, for the archive readers' tests of reading one member. The archive is read as a scan reads
 * it (same defences and caps).
 */
export async function memberHashes(
  archivePath: FsPath,
  memberName: string,
  algorithm: HashAlgorithm,
  caps?: Partial<ArchiveCaps>,
): Promise<MemberHash> {
  const listing = await readArchive(archivePath, undefined, { algorithm, caps, only: memberName });
  const member = listing.members.find((m) => m.name === memberName);
  if (member?.hashes) return { full: member.hashes.full, size: member.size };
  if (listing.problem) return { problem: listing.problem };
  const why = member?.encrypted ? 'is encrypted' : 'is not a readable member of the archive';
  return { problem: { code: 'no-member', message: `${memberName} ${why}` } };
}
