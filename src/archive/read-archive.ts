import type { HashAlgorithm } from '../hash/algorithms.js';
import { createHashState, type HashState } from '../hash/hashers.js';
import type { FsPath } from '../model/paths.js';
import { ArchiveFile, type ArchiveExpect, type ReadHooks } from './archive-file.js';
import { printableName } from '../core/printable.js';
import { ArchiveStop, checkCaps, Inflation } from './caps.js';
import type { ArchiveCaps, ArchiveFormat, ArchiveListing } from './listing.js';
import type { MemberTap } from './member-digest.js';
import { Reading } from './reading.js';
import { readSevenZip } from './seven-zip.js';
import { SNIFF_BYTES, sniffFormat, zipAlsoReadAs } from './sniff.js';
import { readTar } from './tar.js';
import { readZip } from './zip.js';

export type { ArchiveExpect };

export interface ReadArchiveOptions extends ReadHooks {
  /** The scan's algorithm: members are hashed by it, so they group with loose files. */
  algorithm: HashAlgorithm;
  /** A plugin hasher's module (a file URL), as the hash pool is given it. */
  module?: string | undefined;
  /** A hashing state already made for `algorithm` (a worker keeps one); made here otherwise. */
  state?: HashState | undefined;
  caps?: Partial<ArchiveCaps> | undefined;
  /** Open the archive through a final symbolic link (a scan with --follow-symlinks); by default it is refused. */
  followSymlinks?: boolean | undefined;
  /** Hash only the member of this name (the others are passed over) and stop once it is read. */
  only?: string | undefined;
  /** With `only`: sees that member's bytes as they stream (see MemberTap), before they are hashed. */
  tap?: MemberTap | undefined;
}

/**
 * Lists one archive without extracting anything to disk: each regular member hashed as it streams, the rest
 * skipped with a reason. The format is found from the content. A file that is not as the walk saw it (`expect`),
 * a damaged archive, a passed cap or a missing decompressor end the read with a `problem`; the members read
 * before it are kept. Never rejects for anything the archive holds.
 *
 * @example
 * const listing = await readArchive('backup.zip', { size, mtimeNs }, { algorithm: 'xxh3' });
 * for (const m of listing.members) console.log(`backup.zip!/${m.name}`, m.hashes?.full);
 */
export async function readArchive(
  path: FsPath,
  expect: ArchiveExpect | undefined,
  options: ReadArchiveOptions,
): Promise<ArchiveListing> {
  const caps = checkCaps(options.caps);
  const file = await ArchiveFile.open(path, options.followSymlinks ?? false, options);
  if (!(file instanceof ArchiveFile))
    return { format: undefined, members: [], skipped: [], bytesRead: 0, problem: file };
  let format: ArchiveFormat | undefined;
  let reading: Reading | undefined;
  try {
    if (expect && !(await file.matches(expect)))
      throw new ArchiveStop('changed', 'changed since the walk saw it');
    const head = await file.read(0, SNIFF_BYTES);
    format = sniffFormat(head);
    // A zip that is also another format is not plain (no member of it is a keeper).
    const other = format === 'zip' ? zipAlsoReadAs(head) : undefined;
    if (format === undefined)
      throw new ArchiveStop('not-an-archive', 'no zip, tar, gzip, bzip2, xz, zstd or 7z signature');
    const state = options.state ?? (await createHashState(options.algorithm, options.module));
    reading = new Reading(
      file,
      state,
      new Inflation(caps),
      options.only,
      options.only === undefined ? undefined : options.tap,
    );
    if (other !== undefined) reading.markNotPlain(`it is also ${other}, which another tool reads otherwise`);
    await readFormat(reading, format);
    reading.settle();
    if (expect && !(await file.matches(expect)))
      throw new ArchiveStop('changed', 'changed while it was read');
    return {
      format,
      members: reading.members,
      skipped: reading.skipped,
      bytesRead: file.bytesRead,
      ...(reading.notPlain === undefined ? {} : { notPlain: reading.notPlain }),
    };
  } catch (error) {
    // Messages may hold member names, which come from the archive: printable, so that no name can colour or
    // forge a line of the report.
    const problem =
      error instanceof ArchiveStop
        ? { code: error.code, message: printableName(error.message) }
        : { code: 'corrupt' as const, message: printableName((error as Error).message) };
    // A file that changed under the read explains whatever else went wrong.
    const changed =
      expect !== undefined && problem.code !== 'changed' && !(await file.matches(expect).catch(() => false));
    reading?.settle();
    return {
      format,
      members: changed ? [] : (reading?.members ?? []),
      skipped: changed ? [] : (reading?.skipped ?? []),
      bytesRead: file.bytesRead,
      problem: changed ? { code: 'changed', message: 'changed while it was read' } : problem,
    };
  } finally {
    await file.close();
  }
}

function readFormat(reading: Reading, format: ArchiveFormat): Promise<void> {
  switch (format) {
    case 'zip':
      return readZip(reading);
    case '7z':
      return readSevenZip(reading);
    case 'tar':
    case 'tar.gz':
    case 'tar.bz2':
    case 'tar.xz':
    case 'tar.zst':
      return readTar(reading, format);
  }
}
