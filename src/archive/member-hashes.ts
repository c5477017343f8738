import type { HashAlgorithm } from '../hash/algorithms.js';
import type { FsPath } from '../model/paths.js';
import type { ArchiveCaps, ArchiveProblemCode } from './listing.js';
import { readArchive } from './read-archive.js';

export type MemberHash =
  { full: string; size: number } | { problem: { code: ArchiveProblemCode | 'no-member'; message: string } };

/**
 * Streams one member of an archive again and returns its whole-content hash, to check an archive keeper's bytes
 * right before acting on a loose copy. The archive is read as a scan reads it (same defences and caps).
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
