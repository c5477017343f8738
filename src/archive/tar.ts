import { extract as tarExtract, type Extract, type Header } from 'tar-stream';
import { ArchiveStop } from './caps.js';
import { inflate } from './decompress.js';
import type { ArchiveFormat, SkipReason } from './listing.js';
import { shownName } from './names.js';
import type { Reading } from './reading.js';

/** An entry as the parser hands it out: its header, then its bytes. */
type TarEntry = AsyncIterable<Buffer> & { header: Header };

type TarFormat = Exclude<ArchiveFormat, 'zip' | '7z'>;

/**
 * Reads a tar, plain or compressed, as one stream: every byte that comes out of the decompressor is counted
 * against the caps before the tar parser sees it, so neither a header's claims nor an endless stream can make
 * the read run past them. Throws an {@link ArchiveStop} (or the parser's error) to stop; what was listed stays.
 */
export async function readTar(reading: Reading, format: TarFormat): Promise<void> {
  const inflated = inflate(reading.file, format);
  // Names come as Latin-1, one character a byte, to be checked as bytes (the option is untyped).
  const extract = tarExtract({ filenameEncoding: 'latin1' } as Parameters<typeof tarExtract>[0]);
  // Shared with the feeding loop below (a closure's writes are not seen by narrowing).
  const run: { failure: unknown; stopping: boolean } = { failure: undefined, stopping: false };
  const end = new EndMarker();
  const feeding = (async () => {
    try {
      for await (const chunk of inflated.bytes as AsyncIterable<Buffer>) {
        if (run.stopping) return;
        reading.inflation.inflated(chunk.length, reading.file.bytesRead);
        end.see(chunk);
        if (!extract.write(chunk)) await drained(extract);
      }
      await inflated.ended;
      extract.end(undefined);
    } catch (error) {
      if (run.stopping) return;
      run.failure ??= error;
      extract.destroy(error as Error);
    }
  })();
  try {
    for await (const entry of extract as AsyncIterable<TarEntry>) {
      end.entry(entry.header);
      await readEntry(reading, entry);
      if (reading.done) break;
    }
  } catch (error) {
    run.failure ??= error;
  } finally {
    run.stopping = true;
    inflated.stop();
    extract.destroy(null);
  }
  await feeding;
  if (run.failure !== undefined && !reading.done) throw run.failure as Error;
}

const BLOCK = 512;

const ZERO_BLOCK = Buffer.alloc(BLOCK);

/**
 * Where the archive ends as `tar` extracts it: at the first all-zero block where a header would be. The parser
 * passes over zero blocks and reads on, so entries hidden after the end marker (which `tar x` never extracts)
 * would be listed as members: here, the entry after such a block stops the read. Watches the bytes fed to the
 * parser, at its offsets, keeping only zero blocks that may lie where a header would be (never inside an entry's
 * data, which may be zeros of any length).
 */
class EndMarker {
  #fed = 0;
  #partial = Buffer.alloc(0);
  /** Offsets of zero blocks at or after `#dataEnd`, in order. */
  #zeros: number[] = [];
  /** Where the last entry's data (padded to a block) ends: the next header, or the end marker, is there or later. */
  #dataEnd = 0;

  see(chunk: Buffer): void {
    let bytes = chunk;
    if (this.#partial.length > 0) bytes = Buffer.concat([this.#partial, chunk]);
    const start = this.#fed - (bytes.length - chunk.length);
    const whole = bytes.length - (bytes.length % BLOCK);
    for (let at = 0; at < whole; at += BLOCK) {
      if (start + at >= this.#dataEnd && ZERO_BLOCK.equals(bytes.subarray(at, at + BLOCK))) {
        this.#zeros.push(start + at);
      }
    }
    this.#partial = Buffer.from(bytes.subarray(whole));
    this.#fed += chunk.length;
  }

  /** An entry the parser found (`byteOffset`: just after its own header block): refused after an end marker. */
  entry(header: Header): void {
    // A size the parser could not read (a base-256 field it takes for none) would never end the entry.
    if (!Number.isSafeInteger(header.size) || header.size < 0) {
      throw new ArchiveStop('corrupt', 'a tar header whose size cannot be read');
    }
    const headerAt = (header as Header & { byteOffset: number }).byteOffset - BLOCK;
    if (this.#zeros.some((z) => z < headerAt)) {
      throw new ArchiveStop(
        'corrupt',
        'entries follow the end-of-archive marker (a zero block), where `tar` stops extracting',
      );
    }
    // The parser reads a folder's data as headers (tar does too): only a file's data is passed over.
    const size = header.type === 'directory' ? 0 : Math.ceil(header.size / BLOCK) * BLOCK;
    this.#dataEnd = headerAt + BLOCK + size;
    this.#zeros = this.#zeros.filter((z) => z >= this.#dataEnd);
  }
}

/** Waits until the parser takes more input, or has gone. */
function drained(extract: Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      extract.off('drain', done);
      extract.off('close', done);
      resolve();
    };
    extract.on('drain', done);
    extract.on('close', done);
  });
}

async function readEntry(reading: Reading, entry: TarEntry): Promise<void> {
  const header = entry.header;
  reading.inflation.entry();
  // A pax name is UTF-8 text; a ustar or GNU one is bytes, read as Latin-1 to keep them as they were.
  const pax = header.pax as Record<string, string> | null | undefined;
  const stored = Buffer.from(header.name, pax?.['path'] === undefined ? 'latin1' : 'utf8');
  if (header.type === 'directory') {
    // The parser never ends a folder entry's stream that claims bytes: its bytes are read as headers instead.
    if (header.size > 0)
      throw new ArchiveStop(
        'corrupt',
        `${shownName(stored)}: a folder entry that claims ${header.size} bytes`,
      );
    reading.folder(stored, 'none');
    return drain(entry);
  }
  // A sparse file (GNU's 'S' type has no name here; pax marks it by GNU.sparse.* keys): the bytes stored are its
  // map and data stretches, not its content.
  const sparse = Object.keys(pax ?? {}).some((key) => key.startsWith('GNU.sparse.'));
  const reason = sparse ? 'unsupported-kind' : kindSkip(header.type);
  if (reason !== undefined) {
    reading.skipKind(stored, 'none', reason);
    return drain(entry);
  }
  const name = reading.memberName(stored, 'none');
  if (name === undefined || !reading.wants(name)) return drain(entry);
  const caps = reading.inflation.caps;
  if (header.size > caps.maxMemberBytes) {
    reading.skip(stored, 'member-too-large');
    return drain(entry);
  }
  const digest = reading.digest;
  digest.start();
  for await (const chunk of entry) {
    digest.update(chunk);
    if (digest.size > caps.maxMemberBytes)
      throw new ArchiveStop('corrupt', `${name}: longer than its header says`);
  }
  reading.add({ name, mtimeMs: header.mtime.getTime(), ...digest.finish() });
}

/** Why an entry that is not a regular file is skipped (undefined: it is one). */
function kindSkip(type: string | null): SkipReason | undefined {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return undefined;
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
      return 'device';
    case 'fifo':
      return 'fifo';
    default:
      return 'unsupported-kind';
  }
}

async function drain(entry: TarEntry): Promise<void> {
  // Passed over: its bytes were counted against the caps as they came out of the decompressor.
  const chunks = entry[Symbol.asyncIterator]();
  for (let next = await chunks.next(); next.done !== true; next = await chunks.next());
}
