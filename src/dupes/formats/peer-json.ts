import { displayPath, toBytes, type FsPath } from '../../model/paths.js';
import type { DuplicateGroup } from '../../model/groups.js';
import type { DupesFormat } from './format.js';

/**
 * The JSON reports of jdupes, rmlint and fclones, with their field names and nesting, so that scripts written for
 * those tools read nodupe's groups. One path per physical file (hard links collapsed) for jdupes and fclones, as
 * they print; every path for rmlint, whose hard links say `hardlink_of`. JSON holds text: a name that is not UTF-8
 * is written as it displays (fclones' own escapes carry its bytes exactly).
 */

/** `jdupes -j`: `{ …, "matchSets": [{ "fileSize": N, "fileList": [{ "filePath": "/…" }] }] }`, laid out as jdupes does. */
export const jdupesJsonFormat: DupesFormat = {
  name: 'jdupes-json',
  render(report, out) {
    out.write(
      '{\n  "jdupesVersion": "nodupe",\n  "jdupesVersionDate": "",\n' +
        '  "commandLine": "nodupe dupes --format jdupes-json",\n  "extensionFlags": "",\n  "matchSets": [',
    );
    report.groups.forEach((group, i) => {
      out.write(`${i === 0 ? '' : ','}\n    {\n      "fileSize": ${group.size},\n      "fileList": [`);
      group.files.forEach((file, j) => {
        out.write(
          `${j === 0 ? '' : ','}\n        { "filePath": ${JSON.stringify(displayPath(file.paths[0]!))} }`,
        );
      });
      out.write('\n      ]\n    }');
    });
    out.write(`${report.groups.length === 0 ? '' : '\n  '}]\n}\n`);
  },
};

/**
 * `rmlint -o json`: a list of a header, one `duplicate_file` entry per path (the group's first file is the
 * original), and a footer with the totals. The checksum is nodupe's content hash, `checksum_type` its algorithm.
 */
export const rmlintJsonFormat: DupesFormat = {
  name: 'rmlint-json',
  render(report, out) {
    const entry = (doc: object, first: boolean) =>
      out.write(`${first ? '' : ', '}${JSON.stringify(doc, null, 2)}`);
    out.write('[\n');
    entry(
      {
        description: 'rmlint json-dump of lint files',
        args: 'nodupe dupes --format rmlint-json',
        version: 'nodupe',
        progress: 0,
        checksum_type: report.algorithm,
      },
      true,
    );
    let id = 0;
    let duplicates = 0;
    for (const group of report.groups) {
      const twins = group.files.reduce((n, f) => n + f.paths.length, 0);
      group.files.forEach((file, i) => {
        const firstId = id + 1;
        file.paths.forEach((path, j) => {
          if (i > 0 || j > 0) duplicates++;
          entry(
            {
              id: ++id,
              type: 'duplicate_file',
              progress: 100,
              checksum: group.hash,
              path: displayPath(path),
              size: group.size,
              twins,
              depth: depthOf(path, report.roots[file.root]),
              inode: Number(file.ino),
              disk_id: Number(file.dev),
              is_original: i === 0 && j === 0,
              ...(j > 0 ? { hardlink_of: firstId } : {}),
              mtime: Number(file.mtimeNs) / 1e9,
            },
            false,
          );
        });
      });
    }
    entry(
      {
        aborted: false,
        progress: 100,
        total_files: report.scan?.files ?? report.summary.files,
        ignored_files: 0,
        ignored_folders: 0,
        duplicates,
        duplicate_sets: report.groups.length,
        total_lint_size: report.summary.reclaimableBytes,
      },
      false,
    );
    out.write(']\n');
  },
};

/** Folder levels between a path and its root, as rmlint's `depth` counts them. */
function depthOf(path: FsPath, root: string | undefined): number {
  const slashes = (bytes: Buffer) => bytes.reduce((n, b) => n + (b === 0x2f ? 1 : 0), 0);
  const own = slashes(toBytes(path));
  return root === undefined ? own : Math.max(0, own - slashes(Buffer.from(root.replace(/\/+$/, ''))));
}

/**
 * `fclones group -f json`: `{ "header": {…, "stats": {…}}, "groups": [{ "file_len", "file_hash", "files" }] }`,
 * paths escaped as fclones escapes them, so that `fclones remove` and the like read it back.
 */
export const fclonesJsonFormat: DupesFormat = {
  name: 'fclones-json',
  render(report, out) {
    const s = report.summary;
    const totalSize = report.groups.reduce((n, g) => n + g.size * g.files.length, 0);
    const doc = {
      header: {
        version: 'nodupe',
        timestamp: new Date().toISOString(),
        command: ['nodupe', 'dupes', '--format', 'fclones-json'],
        base_dir: '/',
        stats: {
          group_count: s.groups,
          total_file_count: s.files,
          total_file_size: totalSize,
          redundant_file_count: s.redundant,
          redundant_file_size: s.reclaimableBytes,
          missing_file_count: 0,
          missing_file_size: 0,
        },
      },
      groups: GROUPS,
    };
    const [head, tail] = JSON.stringify(doc, null, 2).split(JSON.stringify(GROUPS)) as [string, string];
    out.write(head);
    out.write('[');
    report.groups.forEach((group, i) => {
      out.write(i === 0 ? '\n    ' : ',\n    ');
      out.write(JSON.stringify(fclonesGroup(group), null, 2).replaceAll('\n', '\n    '));
    });
    out.write(report.groups.length === 0 ? ']' : '\n  ]');
    out.write(`${tail}\n`);
  },
};

const GROUPS = '\u0000fclones groups\u0000';

function fclonesGroup(group: DuplicateGroup) {
  return {
    file_len: group.size,
    file_hash: group.hash,
    files: group.files.map((f) => fclonesPath(f.paths[0]!)),
  };
}

/** A path as fclones writes it: `\\`, `\n`, `\t`, `\r`, and `\xHH` for other control bytes and bytes not UTF-8. */
export function fclonesPath(path: FsPath): string {
  const bytes = toBytes(path);
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    const len = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 0;
    const char = len > 1 ? utf8Char(bytes.subarray(i, i + len)) : undefined;
    if (char !== undefined) {
      out += char;
      i += len;
    } else {
      const c = String.fromCharCode(byte);
      out += NAMED[c] ?? (byte < 0x20 || byte >= 0x7f ? `\\x${byte.toString(16).padStart(2, '0')}` : c);
      i++;
    }
  }
  return out;
}

const NAMED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' };
const strict = new TextDecoder('utf-8', { fatal: true });

/** The one character these bytes are in UTF-8, or undefined when they are not one. */
function utf8Char(bytes: Buffer): string | undefined {
  try {
    const text = strict.decode(bytes);
    return text.length === (text.codePointAt(0)! > 0xffff ? 2 : 1) ? text : undefined;
  } catch {
    return undefined;
  }
}
