import { fstatSync, readSync } from 'node:fs';
import { jsonProblem } from '../core/json-problem.js';
import {
  readCzkawkaJson,
  readFclonesJson,
  readJdupesJson,
  readRmlintJson,
  jsonFormatOf,
} from './json-formats.js';
import {
  FCLONES_CSV_HEADER,
  readFclonesCsv,
  readFclonesText,
  readFdupes,
  readFdupesSameLine,
  readNulSeparated,
} from './line-formats.js';
import {
  badPeerOutput,
  checkAbsolute,
  PEER_FORMATS,
  type PeerFormat,
  type PeerOutput,
} from './peer-output.js';

const JSON_FORMATS = new Set<PeerFormat>(['jdupes-json', 'rmlint-json', 'fclones-json', 'czkawka-json']);

/**
 * The largest output read: 256 MiB, some two million paths. The output is read whole and parsed as one text,
 * and a text over 512 MiB is more than V8 can hold; a JSON document of this size already takes some GiB of
 * memory once parsed. Larger runs are imported in parts: the tool run on fewer folders at a time.
 */
export const MAX_PEER_OUTPUT = 256 * 1024 * 1024;

/** The refusal of an output over {@link MAX_PEER_OUTPUT}. */
function tooLarge(): Error {
  return badPeerOutput(
    undefined,
    `the file is over ${MAX_PEER_OUTPUT / 1024 / 1024} MiB, the most nodupe reads`,
    'run the tool on fewer folders at a time and import each of its outputs',
  );
}

/**
 * Reads another tool's output from the open descriptor `fd` (a file, stdin, a pipe), to its end: a regular
 * file over {@link MAX_PEER_OUTPUT} is refused before a byte is read, a stream as soon as it passes it.
 */
export function readPeerBytes(fd: number): Buffer {
  const stat = fstatSync(fd);
  if (stat.isFile() && stat.size > MAX_PEER_OUTPUT) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(1 << 20, MAX_PEER_OUTPUT + 1 - total));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > MAX_PEER_OUTPUT) throw tooLarge();
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads another tool's output from a stream (stdin: a pipe, a socket or a terminal, whichever way it was opened)
 * to its end, refused as soon as it passes {@link MAX_PEER_OUTPUT}.
 */
export async function readPeerStream(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(bytes);
    total += bytes.length;
    if (total > MAX_PEER_OUTPUT) throw tooLarge();
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads another tool's output: its format detected from the content, or `from` when given. Every path must be
 * absolute. Anything unreadable is a BAD_INPUT error that says what was expected.
 */
export function readPeerOutput(bytes: Buffer, from?: PeerFormat): PeerOutput {
  if (bytes.length > MAX_PEER_OUTPUT) throw tooLarge();
  const text = bytes.toString('latin1').trimStart();
  if (text === '') throw badPeerOutput(undefined, 'the file is empty: nothing to import');
  const looksJson = text.startsWith('{') || text.startsWith('[');
  let doc: unknown;
  if (looksJson || (from !== undefined && JSON_FORMATS.has(from))) {
    try {
      doc = JSON.parse(bytes.toString());
    } catch (error) {
      throw badPeerOutput(from, `malformed JSON: ${jsonProblem(error)}`);
    }
  }
  const format = from ?? (looksJson ? jsonFormatOf(doc) : textFormatOf(bytes, text));
  if (format === undefined) {
    throw badPeerOutput(
      undefined,
      `not the output of a tool nodupe reads (${looksJson ? 'JSON of an unknown shape' : 'unknown text'})`,
      `nodupe reads ${PEER_FORMATS.join(', ')}; --from FORMAT names one when it is not detected`,
    );
  }
  if (from !== undefined && JSON_FORMATS.has(from) && jsonFormatOf(doc) !== from) {
    throw badPeerOutput(from, 'the document does not have its shape');
  }
  return checkAbsolute({ format, groups: readAs(format, bytes, doc).filter((g) => g.length > 0) });
}

function readAs(format: PeerFormat, bytes: Buffer, doc: unknown) {
  switch (format) {
    case 'fdupes':
      return readFdupes(bytes);
    case 'fdupes-1':
      return readFdupesSameLine(bytes);
    case 'jdupes-0':
      return readNulSeparated(bytes);
    case 'fclones':
      return readFclonesText(bytes);
    case 'fclones-csv':
      return readFclonesCsv(bytes);
    case 'jdupes-json':
      return readJdupesJson(doc);
    case 'rmlint-json':
      return readRmlintJson(doc);
    case 'fclones-json':
      return readFclonesJson(doc);
    case 'czkawka-json':
      return readCzkawkaJson(doc);
    default: {
      const unknown: never = format;
      throw new Error(`unhandled format ${String(unknown)}`);
    }
  }
}

/**
 * The text formats, told apart by their first bytes: fclones' report starts with `#` lines, its CSV with its
 * header; a NUL anywhere is `jdupes -0` (no other text format holds one); paths one a line with no blank line
 * between groups, each followed by a space, is `fdupes -1`; other lines starting with `/` are fdupes text.
 */
function textFormatOf(bytes: Buffer, text: string): PeerFormat | undefined {
  if (text.startsWith('# Report by fclones') || /^[a-f0-9]*, [0-9]+ B /.test(text)) return 'fclones';
  if (text.startsWith(FCLONES_CSV_HEADER)) return 'fclones-csv';
  // Relative paths (`fdupes -r .`) are read, to be refused with what to do about them.
  const paths = /^(\/|\.\.?\/)/.test(text);
  if (bytes.includes(0)) return paths ? 'jdupes-0' : undefined;
  if (!paths && !/^\d+ bytes? each:\n/.test(text)) return undefined;
  const lines = text.split('\n').filter((l, i, all) => !(i === all.length - 1 && l === ''));
  const sameLine = lines.every((l) => l.endsWith(' ') || /^\d+ bytes? each:$/.test(l));
  return sameLine ? 'fdupes-1' : 'fdupes';
}
