import { fromBytes, type FsPath } from '../model/paths.js';
import { decodeFclonesPath } from './fclones-paths.js';
import { badPeerOutput } from './peer-output.js';

const NL = 0x0a;
const SPACE = 0x20;
const BACKSLASH = 0x5c;

/** The lines of `bytes` (without their newline); a last line without one counts too. */
function lines(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(NL); i !== -1; i = bytes.indexOf(NL, start)) {
    out.push(bytes.subarray(start, i));
    start = i + 1;
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

/** The line `fdupes -S` and `jdupes -S` print before a group. */
const SIZE_LINE = /^\d+ bytes? each:$/;

/** fdupes and jdupes text: one path a line, each group followed by a blank line (`-S` size lines skipped). */
export function readFdupes(bytes: Buffer): FsPath[][] {
  const groups: FsPath[][] = [];
  let group: FsPath[] = [];
  for (const line of lines(bytes)) {
    if (line.length === 0) {
      if (group.length > 0) groups.push(group);
      group = [];
    } else if (!SIZE_LINE.test(line.toString('latin1'))) group.push(fromBytes(line));
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** `fdupes -1`: a group a line, each path followed by a space; spaces and backslashes escaped by a backslash. */
export function readFdupesSameLine(bytes: Buffer): FsPath[][] {
  const groups: FsPath[][] = [];
  for (const line of lines(bytes)) {
    if (SIZE_LINE.test(line.toString('latin1'))) continue;
    const group: FsPath[] = [];
    let path: number[] = [];
    for (let i = 0; i < line.length; i++) {
      const byte = line[i]!;
      if (byte === BACKSLASH && i + 1 < line.length) path.push(line[++i]!);
      else if (byte === SPACE) {
        if (path.length > 0) group.push(fromBytes(Buffer.from(path)));
        path = [];
      } else path.push(byte);
    }
    if (path.length > 0) group.push(fromBytes(Buffer.from(path)));
    if (group.length > 0) groups.push(group);
  }
  return groups;
}

/** `jdupes -0`: each path ends with a NUL, each group with one more. */
export function readNulSeparated(bytes: Buffer): FsPath[][] {
  const groups: FsPath[][] = [];
  let group: FsPath[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0); i !== -1; i = bytes.indexOf(0, start)) {
    if (i === start) {
      if (group.length > 0) groups.push(group);
      group = [];
    } else group.push(fromBytes(bytes.subarray(start, i)));
    start = i + 1;
  }
  if (start < bytes.length) group.push(fromBytes(bytes.subarray(start)));
  if (group.length > 0) groups.push(group);
  return groups;
}

/** A group's header in fclones' text report: `HASH, SIZE B (SIZE) * COUNT:`. */
const FCLONES_HEADER = /^([a-f0-9]*), ([0-9]+) B [^*]* \* ([0-9]+):$/;

/** fclones' default text report: `#` header lines, then per group its header and its paths indented by 4 spaces. */
export function readFclonesText(bytes: Buffer): FsPath[][] {
  const all = lines(bytes);
  const groups: FsPath[][] = [];
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!.toString();
    if (line.startsWith('#') || line.trim() === '') continue;
    const header = FCLONES_HEADER.exec(line.trim());
    if (!header)
      throw badPeerOutput('fclones', `line ${i + 1}: expected a group header "HASH, SIZE B (…) * N:"`);
    const count = Number(header[3]);
    const group: FsPath[] = [];
    for (let n = 0; n < count; n++) {
      const path = all[++i]?.toString();
      if (path === undefined || !path.startsWith('    ') || path.trim() === '') {
        throw badPeerOutput('fclones', `line ${i + 1}: expected path ${n + 1} of ${count} of the group`);
      }
      group.push(decodeFclonesPath(path.slice(4), 'fclones'));
    }
    groups.push(group);
  }
  return groups;
}

/** The header of fclones' CSV report. */
export const FCLONES_CSV_HEADER = 'size,hash,count,files';

/** fclones' CSV report: `size,hash,count,files` then a row per group: size, hash, count and its paths. */
export function readFclonesCsv(bytes: Buffer): FsPath[][] {
  const rows = csvRows(bytes.toString());
  const head = rows.shift();
  if (head?.join(',') !== FCLONES_CSV_HEADER) {
    throw badPeerOutput('fclones-csv', `expected the header "${FCLONES_CSV_HEADER}"`);
  }
  return rows
    .filter((row) => !(row.length === 1 && row[0] === ''))
    .map((row, i) => {
      const count = Number(row[2]);
      if (row.length < 3 || !Number.isSafeInteger(count) || row.length !== 3 + count) {
        throw badPeerOutput('fclones-csv', `row ${i + 2}: expected size, hash, count and count paths`);
      }
      return row.slice(3).map((p) => decodeFclonesPath(p, 'fclones-csv'));
    });
}

/** RFC 4180 rows: fields quoted when they hold a comma, quote or line break, quotes doubled. */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw badPeerOutput('fclones-csv', 'a quoted field is not closed');
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}
