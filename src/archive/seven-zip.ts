import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { ArchiveStop } from './caps.js';
import type { ArchiveMember, SkipReason } from './listing.js';
import { safeName, shownName } from './names.js';
import { findProgram } from './programs.js';
import type { Reading } from './reading.js';

/** Unix file kinds (the first letter of `ls -l`'s mode) that are skipped, and why. */
const KIND_SKIPS: Partial<Record<string, SkipReason>> = { l: 'symlink', p: 'fifo', c: 'device', b: 'device' };
/** The most bytes of encrypted members' names passed to 7-Zip to leave out (an argument list is bounded). */
const MAX_EXCLUDED_BYTES = 512 * 1024;
/** The most bytes of listing read (`l -slt`): a few KiB of 7z can list tens of MiB of entries. */
export const MAX_LISTING_BYTES = 64 * 1024 ** 2;
/** Only ever read as a 7z: 7-Zip would otherwise try its other formats' parsers on the bytes after the signature. */
const SEVEN_Z = '-t7z';

/** One entry of the listing whose bytes come out of `x -so`, in listing order. */
interface Stretch {
  size: number;
  /** The CRC-32 the listing gives (undefined only for an empty entry): the bytes cut out must match it. */
  crc: number | undefined;
  /** The entry's name as shown in a problem. */
  shown: string;
  /** The member these bytes are hashed as; undefined: passed over (skipped, or not the wanted one). */
  member: Omit<ArchiveMember, 'hashes' | 'type' | 'size'> | undefined;
}

/**
 * Reads a 7z through Debian's 7-Zip (`7zz`, or `7z`): `l -slt` lists it, then one `x -so` streams every member in
 * listing order, cut into members by the listed sizes and hashed as it comes (nothing is written to disk; a solid
 * archive is decompressed once). The program reads the archive through the descriptor nodupe opened (as
 * `/dev/fd/3`), so it reads the file that was checked, never one put at its path since. An empty password is
 * given so nothing waits for one: encrypted members are listed by size and CRC and left out of the extraction.
 * 7-Zip is held to the 7z format (`-t7z`), and each entry's bytes to the CRC the listing gives, so a member is
 * kept only when the bytes cut out for it are its own.
 */
export async function readSevenZip(reading: Reading): Promise<void> {
  const program = findProgram(['7zz', '7z']);
  if (program === undefined) throw new ArchiveStop('unsupported', '7z is not supported: install 7zip');
  // The program's own reads are not seen here: the archive's size is counted once, as one full read.
  await reading.file.charge(reading.file.size);
  const listed = await run(reading, program, ['l', SEVEN_Z, '-slt', '-ba', '-p', '-sccUTF-8'], undefined);
  const stretches: Stretch[] = [];
  const excluded: string[] = [];
  const records = parseRecords(listed.toString('utf8'));
  for (const record of records) {
    reading.inflation.entry();
    const stretch = plan(reading, record);
    if (stretch === 'excluded') excluded.push(record.get('Path')!);
    else if (stretch) stretches.push(stretch);
  }
  reading.namesComplete = true;
  refuseWideExclusions(excluded, records);
  if (excluded.reduce((n, path) => n + Buffer.byteLength(path) + 3, 0) > MAX_EXCLUDED_BYTES) {
    throw new ArchiveStop('too-many-entries', 'too many encrypted members to leave out of the extraction');
  }
  if (!stretches.some((s) => s.member)) return;
  await run(
    reading,
    program,
    ['x', SEVEN_Z, '-so', '-spd', '-p', '-bd', '-y', ...excluded.map((path) => `-x!${path}`)],
    new Members(reading, stretches),
  );
}

/**
 * Refuses the archive when leaving an encrypted entry out (`-x!PATH`) would leave out more than it: 7-Zip takes
 * the path as a prefix (`d` also leaves out `d/x`), and `*` and `?` as wildcards. The extraction's output would
 * then be missing bytes the listing counts on, and members would be cut from the wrong bytes.
 */
function refuseWideExclusions(excluded: readonly string[], records: readonly Map<string, string>[]): void {
  if (excluded.length === 0) return;
  const counts = new Map<string, number>();
  for (const record of records) {
    const path = record.get('Path')!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
  }
  for (const path of excluded) {
    if (
      /[*?]/.test(path) ||
      counts.get(path)! > 1 ||
      records.some((r) => r.get('Path')!.startsWith(`${path}/`))
    ) {
      throw new ArchiveStop(
        'corrupt',
        `${shownName(Buffer.from(path))}: an encrypted entry that cannot be left out of the extraction alone`,
      );
    }
  }
}

/**
 * What becomes of one listed entry: nothing (a folder), 'excluded' (encrypted: recorded, left out of the
 * extraction), or a stretch of the extraction's output, hashed as a member or passed over.
 */
function plan(reading: Reading, record: Map<string, string>): Stretch | 'excluded' | undefined {
  const path = record.get('Path')!;
  const stored = Buffer.from(path, 'utf8');
  const attributes = record.get('Attributes') ?? '';
  const size = Number(record.get('Size') || '0');
  if (attributes.startsWith('D') || record.get('Folder') === '+') {
    reading.folder(stored, 'none');
    return undefined;
  }
  const shown = shownName(stored);
  const listedCrc = /^[0-9A-F]{8}$/i.test(record.get('CRC') ?? '')
    ? Number.parseInt(record.get('CRC')!, 16)
    : undefined;
  if (record.get('Encrypted') !== '+' && size > 0 && listedCrc === undefined) {
    throw new ArchiveStop('corrupt', `${shown}: no CRC is listed to check its bytes by`);
  }
  const passed = { size, crc: listedCrc, shown, member: undefined };
  const kind = unixKind(attributes);
  if (kind !== '-') {
    reading.skipKind(stored, 'none', KIND_SKIPS[kind] ?? 'unsupported-kind');
    return passed;
  }
  const name = reading.memberName(stored, 'none');
  const mtimeMs = modified(record.get('Modified'));
  if (record.get('Encrypted') === '+') {
    // Its name goes on 7-Zip's command line: an unsafe one (up to any length) never does.
    if (safeName(stored, 'none') === undefined) {
      throw new ArchiveStop('corrupt', `${shown}: an encrypted entry with an unsafe name`);
    }
    if (name !== undefined && reading.wants(name)) {
      reading.add({
        name,
        size,
        mtimeMs,
        hashes: undefined,
        encrypted: true,
        ...(listedCrc === undefined ? {} : { crc32: listedCrc }),
      });
    }
    return 'excluded';
  }
  if (name === undefined || !reading.wants(name)) return passed;
  if (size > reading.inflation.caps.maxMemberBytes) {
    reading.skip(stored, 'member-too-large');
    return passed;
  }
  return { ...passed, member: { name, mtimeMs } };
}

/**
 * Cuts the extraction's output into the listed members, hashing each wanted one as it streams. Every entry's
 * bytes are held to the CRC the listing gives before its member is kept: on the first mismatch the cut is off
 * from there on, and reading stops (the members before it were each checked, and are kept).
 */
class Members {
  #index = 0;
  #left: number;
  #crc = 0;

  constructor(
    private readonly reading: Reading,
    private readonly stretches: readonly Stretch[],
  ) {
    this.#left = stretches[0]?.size ?? 0;
    if (stretches[0]?.member) reading.digest.start();
    this.#finishEmpty();
  }

  write(chunk: Buffer): void {
    this.reading.inflation.inflated(chunk.length, this.reading.file.size);
    for (let at = 0; at < chunk.length;) {
      if (this.#index >= this.stretches.length)
        throw new ArchiveStop('corrupt', '7-Zip gave more bytes than listed');
      const n = Math.min(this.#left, chunk.length - at);
      const piece = chunk.subarray(at, at + n);
      this.#crc = crc32(piece, this.#crc);
      if (this.stretches[this.#index]!.member) this.reading.digest.update(piece);
      at += n;
      this.#left -= n;
      this.#finishEmpty();
    }
  }

  /** Whether every listed byte came (or the one wanted member has). */
  get complete(): boolean {
    return this.#index >= this.stretches.length || this.reading.done;
  }

  /** Ends each stretch that has all its bytes, starting the next. */
  #finishEmpty(): void {
    while (this.#left === 0 && this.#index < this.stretches.length) {
      const { member, crc, shown, size } = this.stretches[this.#index]!;
      if (size > 0 && this.#crc !== crc) {
        throw new ArchiveStop('corrupt', `${shown}: the bytes 7-Zip gave do not match the CRC listed`);
      }
      if (member) this.reading.add({ ...member, ...this.reading.digest.finish() });
      const next = this.stretches[++this.#index];
      this.#left = next?.size ?? 0;
      this.#crc = 0;
      if (next?.member) this.reading.digest.start();
    }
  }
}

/**
 * Runs 7-Zip on the archive's descriptor. Listing (no `members`): its output, bounded by the entry cap. Extracting:
 * the output goes to `members`, counted against the caps as it comes; 7-Zip is stopped once nothing more is wanted.
 */
function run(
  reading: Reading,
  program: string,
  args: string[],
  members: Members | undefined,
): Promise<Buffer> {
  const child = spawn(program, [...args, '/dev/fd/3'], {
    stdio: ['ignore', 'pipe', 'pipe', reading.file.handle.fd],
  });
  const { stdout, stderr: errors } = child as unknown as { stdout: Readable; stderr: Readable };
  const out: Buffer[] = [];
  let length = 0;
  let stderr = '';
  let stop: ArchiveStop | undefined;
  let enough = false;
  const maxListing = Math.min(reading.inflation.caps.maxEntries * 4096, MAX_LISTING_BYTES);
  errors.setEncoding('utf8');
  errors.on('data', (text: string) => (stderr = (stderr + text).slice(0, 500)));
  stdout.on('data', (chunk: Buffer) => {
    if (stop || enough) return;
    try {
      if (members) {
        members.write(chunk);
        enough = reading.done;
      } else {
        length += chunk.length;
        if (length > maxListing) throw new ArchiveStop('too-many-entries', 'the listing is too long');
        out.push(chunk);
      }
    } catch (error) {
      stop = error as ArchiveStop;
    }
    if (stop || enough) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new ArchiveStop('unsupported', `7-Zip: ${error.message}`)));
    child.once('close', (code) => {
      if (stop) reject(stop);
      else if (enough) resolve(Buffer.alloc(0));
      else if (code !== 0) reject(new ArchiveStop('corrupt', `7-Zip: ${stderr.trim() || `exit ${code}`}`));
      else if (members && !members.complete)
        reject(new ArchiveStop('corrupt', '7-Zip gave fewer bytes than listed'));
      else resolve(Buffer.concat(out));
    });
  });
}

/** `7z l -slt -ba` records: blocks of `Key = Value` lines, blank-line separated, each starting with its Path. */
function parseRecords(text: string): Map<string, string>[] {
  const records: Map<string, string>[] = [];
  let current: Map<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line === '') {
      current = undefined;
      continue;
    }
    const eq = line.indexOf(' = ');
    if (eq < 0 && !line.endsWith(' =')) {
      // A line with no key: a name with a line break in it, which cannot be told apart from the next field.
      throw new ArchiveStop('corrupt', '7-Zip listed a member name that cannot be read back (a line break?)');
    }
    const key = eq < 0 ? line.slice(0, -2) : line.slice(0, eq);
    if (key === 'Path') records.push((current = new Map<string, string>()));
    current?.set(key, eq < 0 ? '' : line.slice(eq + 3));
  }
  return records;
}

/** The Unix file kind in 7-Zip's attribute text (`A -rw-r--r--`, `A lrwxrwxrwx`); `-` when none is given. */
function unixKind(attributes: string): string {
  const mode = attributes.split(' ')[1];
  return mode?.length !== 10 ? '-' : mode[0]!;
}

/** 7-Zip prints times in local time, to 100 ns. */
function modified(text: string | undefined): number | undefined {
  const match = text?.match(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d{1,3})?/);
  if (!match) return undefined;
  const ms = new Date(`${match[1]}T${match[2]}${match[3] ?? ''}`).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
