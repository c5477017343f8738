import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { ArchiveFile } from './archive-file.js';
import { ArchiveStop, overRatio } from './caps.js';
import type { SkipReason } from './listing.js';
import { shownName } from './names.js';
import type { Reading } from './reading.js';

/** A zip entry's stored bytes start after a 30-byte local header and its name (then an extra field). */
const LOCAL_HEADER = 30;
/** The "made by" systems whose external attributes carry a Unix mode: Unix and macOS. */
const UNIX_SYSTEMS = new Set([3, 19]);
/** The "made by" systems whose low attribute byte is MS-DOS's (0x10 a folder, 0x08 a volume label), as unzip reads. */
const DOS_SYSTEMS = new Set([0, 6, 10, 11, 14]);

/**
 * Reads a zip through yauzl, its names left undecoded and checked here. The central directory is read first:
 * entries whose stored bytes overlap (the "better zip bomb") refuse the whole archive; then each member is
 * inflated and hashed, its bytes counted as they come out, so declared sizes are never trusted.
 */
export async function readZip(reading: Reading): Promise<void> {
  const zip = await yauzl.fromRandomAccessReaderPromise(new FileReader(reading.file), reading.file.size, {
    autoClose: false,
    lazyEntries: true,
    decodeStrings: false,
    validateEntrySizes: true,
    strictFileNames: false,
  });
  // Where the central directory starts, as yauzl found it (the end record's, or the zip64 record's).
  const start = cursorOf(zip);
  try {
    let stop: ArchiveStop | undefined;
    const entries: Entry[] = [];
    try {
      for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
        reading.inflation.entry();
        entries.push(entry);
      }
    } catch (error) {
      if (!(error instanceof ArchiveStop)) throw error;
      stop = error;
    }
    if (stop === undefined) await checkDirectory(reading, zip, start);
    refuseOverlaps(entries);
    for (const entry of entries) {
      await readEntry(reading, zip, entry);
      if (reading.done) return;
    }
    if (stop) throw stop;
  } finally {
    zip.close();
  }
}

/**
 * An entry's name as extractors read it (unzip, 7-Zip, yauzl's own decoding): the Info-ZIP Unicode Path extra
 * field (0x7075, version 1) replaces the stored name when the CRC-32 it records is the stored name's; else the
 * stored name, UTF-8 when flagged, else CP437. So two entries an extraction puts at one name share it here too.
 */
function storedName(entry: Entry, reading: Reading): { stored: Uint8Array; legacy: 'cp437' | 'none' } {
  const unicode = entry.extraFields.filter((f) => f.id === 0x7075).length;
  // unzip takes the last of several, 7-Zip and yauzl the first: such an entry has no one name.
  if (unicode > 1) reading.markNotPlain('an entry with two Unicode Path fields');
  // unzip and 7-Zip pass the field over when the name is flagged UTF-8: the field names it for nobody else.
  if (unicode > 0 && (entry.generalPurposeBitFlag & 0x800) !== 0) {
    reading.markNotPlain('an entry flagged UTF-8 with a Unicode Path field');
  }
  // As unzip and 7-Zip do: the field names an entry whose name is not flagged UTF-8.
  if ((entry.generalPurposeBitFlag & 0x800) !== 0) return { stored: entry.fileNameRaw, legacy: 'none' };
  for (const field of entry.extraFields) {
    if (field.id !== 0x7075 || field.data.length < 6 || field.data[0] !== 1) continue;
    if (field.data.readUInt32LE(1) !== crc32(entry.fileNameRaw)) continue;
    return { stored: field.data.subarray(5), legacy: 'none' };
  }
  return {
    stored: entry.fileNameRaw,
    legacy: (entry.generalPurposeBitFlag & 0x800) === 0 ? 'cp437' : 'none',
  };
}

async function readEntry(reading: Reading, zip: ZipFile, entry: Entry): Promise<void> {
  const { stored, legacy } = storedName(entry, reading);
  const kind = entryKind(entry, stored, reading);
  if (kind === 'folder') return reading.folder(stored, legacy);
  if (kind !== 'file') {
    reading.skipKind(stored, legacy, kind);
    return;
  }
  const name = reading.memberName(stored, legacy);
  if (name === undefined || !reading.wants(name)) return;
  // One member wanted (a keeper checked): its local header must say what its central record says.
  if (reading.only !== undefined) await checkLocalHeader(reading, entry);
  const mtimeMs = entry.getLastModDate().getTime();
  if (entry.isEncrypted()) {
    reading.add({
      name,
      size: entry.uncompressedSize,
      mtimeMs,
      hashes: undefined,
      crc32: entry.crc32,
      encrypted: true,
    });
    return;
  }
  if (!entry.canDecodeFileData()) {
    reading.skip(stored, 'unsupported-compression');
    return;
  }
  const caps = reading.inflation.caps;
  if (entry.uncompressedSize > caps.maxMemberBytes) {
    reading.skip(stored, 'member-too-large');
    return;
  }
  const stream = await openStream(zip, entry);
  const digest = reading.digest;
  digest.start();
  // yauzl checks sizes, not the CRC: a member is kept only when its bytes are the ones the archive lists.
  let crc = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      digest.update(chunk);
      crc = crc32(chunk, crc);
      reading.inflation.inflated(chunk.length, reading.file.bytesRead);
      // Counted here, not by the header: a member that inflates past the caps is dropped mid-stream.
      const over: SkipReason | undefined =
        digest.size > caps.maxMemberBytes
          ? 'member-too-large'
          : overRatio(digest.size, entry.compressedSize, caps.maxRatio)
            ? 'ratio-too-high'
            : undefined;
      if (over) {
        reading.skip(stored, over);
        return;
      }
    }
  } catch (error) {
    if (error instanceof ArchiveStop) throw error;
    throw new ArchiveStop('corrupt', `${name}: ${(error as Error).message}`);
  } finally {
    stream.destroy();
  }
  if (crc !== entry.crc32) throw new ArchiveStop('corrupt', `${name}: its bytes do not match its CRC`);
  reading.add({ name, mtimeMs, ...digest.finish() });
}

/** What an entry is: a regular file, a folder, or a kind that is skipped. */
function entryKind(entry: Entry, name: Uint8Array, reading: Reading): 'file' | 'folder' | SkipReason {
  if (name[name.length - 1] === 0x2f) return 'folder';
  const system = entry.versionMadeBy >> 8;
  if (DOS_SYSTEMS.has(system)) {
    // 7-Zip makes a folder of a DOS folder; unzip skips a volume label.
    if ((entry.externalFileAttributes & 0x10) !== 0) return 'folder';
    if ((entry.externalFileAttributes & 0x08) !== 0)
      reading.markNotPlain('an entry marked as a volume label');
    return 'file';
  }
  if (!UNIX_SYSTEMS.has(system)) {
    // unzip reads a Unix mode from the attributes of several other systems (VMS, Atari, BeOS…): a link there.
    if (entry.externalFileAttributes >>> 16 !== 0) reading.markNotPlain(`an entry made by system ${system}`);
    return 'file';
  }
  const type = (entry.externalFileAttributes >>> 16) & 0o170000;
  switch (type) {
    case 0:
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'folder';
    case 0o120000:
      return 'symlink';
    case 0o020000:
    case 0o060000:
      return 'device';
    case 0o010000:
      return 'fifo';
    default:
      return 'unsupported-kind';
  }
}

/**
 * Refuses a zip two of whose entries claim the same stored bytes: each entry's bytes take at least its local
 * header, its name and its compressed size from where the central directory says it starts.
 */
function refuseOverlaps(entries: readonly Entry[]): void {
  const spans = entries
    .map((e) => ({
      start: e.relativeOffsetOfLocalHeader,
      end: e.relativeOffsetOfLocalHeader + LOCAL_HEADER + e.fileNameLength + e.compressedSize,
    }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.start < spans[i - 1]!.end) {
      throw new ArchiveStop(
        'overlapping-entries',
        `two entries share stored bytes (at offset ${spans[i]!.start}): an overlapping-entry zip bomb`,
      );
    }
  }
}

function nextEntry(zip: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const done = (entry: Entry | undefined, error?: Error) => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
      if (error) reject(new ArchiveStop('corrupt', error.message));
      else resolve(entry);
    };
    const onEntry = (entry: Entry) => done(entry);
    const onEnd = () => done(undefined);
    const onError = (error: Error) => done(undefined, error);
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

function openStream(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) =>
      error
        ? reject(new ArchiveStop('corrupt', `${shownName(entry.fileNameRaw)}: ${error.message}`))
        : resolve(stream),
    ),
  );
}

/** The signature of a local file header. */
const LOCAL_RECORD = 0x04034b50;

/**
 * Marks the archive not plain unless an entry's local header says what its central record says: flags (no data
 * descriptor), method, CRC-32, sizes (a zip64 extra's when the 32-bit ones are 0xFFFFFFFF) and name. unzip and
 * 7-Zip read the local header's sizes and method, yauzl the central record's: where they differ, an extraction
 * writes other bytes than the ones read here.
 */
async function checkLocalHeader(reading: Reading, entry: Entry): Promise<void> {
  const at = entry.relativeOffsetOfLocalHeader;
  const fixed = await reading.file.read(at, LOCAL_HEADER);
  if (fixed.length < LOCAL_HEADER || fixed.readUInt32LE(0) !== LOCAL_RECORD) {
    return reading.markNotPlain('an entry without its local header');
  }
  const nameLength = fixed.readUInt16LE(26);
  const rest = await reading.file.read(at + LOCAL_HEADER, nameLength + fixed.readUInt16LE(28));
  let compressed = fixed.readUInt32LE(18);
  let size = fixed.readUInt32LE(22);
  if (compressed === 0xffffffff || size === 0xffffffff) {
    const zip64 = localZip64(rest.subarray(nameLength));
    if (size === 0xffffffff) size = zip64?.[0] ?? -1;
    if (compressed === 0xffffffff) compressed = zip64?.[1] ?? -1;
  }
  const same =
    fixed.readUInt16LE(6) === entry.generalPurposeBitFlag &&
    (entry.generalPurposeBitFlag & 0x08) === 0 &&
    fixed.readUInt16LE(8) === entry.compressionMethod &&
    fixed.readUInt32LE(14) === entry.crc32 &&
    compressed === entry.compressedSize &&
    size === entry.uncompressedSize &&
    rest.subarray(0, nameLength).equals(entry.fileNameRaw);
  if (!same) reading.markNotPlain('an entry whose local header differs from its central record');
}

/** The sizes of a local header's zip64 extra field (0x0001): uncompressed, then compressed. */
function localZip64(extra: Buffer): [number, number] | undefined {
  for (let i = 0; i + 4 <= extra.length;) {
    const id = extra.readUInt16LE(i);
    const length = extra.readUInt16LE(i + 2);
    if (id === 1 && length >= 16 && i + 4 + 16 <= extra.length) {
      return [Number(extra.readBigUInt64LE(i + 4)), Number(extra.readBigUInt64LE(i + 12))];
    }
    i += 4 + length;
  }
  return undefined;
}

/** The end record's size without its comment, and the zip64 locator's, which lies right before it. */
const END_RECORD = 22;
const ZIP64_LOCATOR = 20;

/** The signature of a central directory record. */
const CENTRAL_RECORD = 0x02014b50;

/**
 * Refuses a zip whose central directory holds more records than its end record counts: yauzl reads only the
 * counted ones, unzip and 7-Zip read on, so a hidden record could put other bytes at a member's name. Marks it not
 * plain when the records read do not fill the central directory as its end records place it (below).
 */
async function checkDirectory(reading: Reading, zip: ZipFile, start: number): Promise<void> {
  const cursor = cursorOf(zip);
  const next = await reading.file.read(cursor, 4);
  if (next.length === 4 && next.readUInt32LE(0) === CENTRAL_RECORD) {
    throw new ArchiveStop('corrupt', 'its central directory holds more entries than its end record counts');
  }
  // The end record is where yauzl took it: its comment runs to the end of the file.
  const endAt = reading.file.size - END_RECORD - (zip.comment as unknown as Buffer).length;
  const end = await reading.file.read(endAt, END_RECORD);
  const locator =
    endAt >= ZIP64_LOCATOR ? await reading.file.read(endAt - ZIP64_LOCATOR, ZIP64_LOCATOR) : undefined;
  const zip64 = locator?.readUInt32LE(0) === 0x07064b50;
  const count = end.readUInt16LE(10);
  const size = end.readUInt32LE(12);
  const offset = end.readUInt32LE(16);
  // unzip and 7-Zip read the central directory from where the end record says it ends (adding any bytes between
  // as an offset), and take a zip64 record's fields only where the end record's are maxed out: yauzl reads it from
  // the offset given. Where the two would differ, so could what an extraction writes.
  const agree =
    cursor === (zip64 ? Number(locator.readBigUInt64LE(8)) : endAt) &&
    (count === 0xffff || count === zip.entryCount) &&
    (size === 0xffffffff || size === cursor - start) &&
    (offset === 0xffffffff || offset === start) &&
    (!zip64 || count === 0xffff || size === 0xffffffff || offset === 0xffffffff);
  if (!agree) reading.markNotPlain('its central directory is not where its end records say, or not as long');
}

/** Where yauzl reads the next central record (a number: its typings say otherwise). */
function cursorOf(zip: ZipFile): number {
  return (zip as unknown as { readEntryCursor: number }).readEntryCursor;
}

/** yauzl's reads of the archive, each throttled and counted by the archive file. */
class FileReader extends yauzl.RandomAccessReader {
  constructor(private readonly file: ArchiveFile) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return this.file.stream(start, end);
  }
}
