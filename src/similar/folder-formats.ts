import { count, formatBytes } from '../core/format.js';
import { csvField, csvPathLine } from '../dupes/formats/csv.js';
import type { Output } from '../dupes/formats/format.js';
import { jsonPath, type FsPath } from '../model/paths.js';
import type {
  DuplicateFolderGroup,
  FolderOverlap,
  OverlapSide,
  SimilarFolders,
} from './folders/folder-result.js';

/** An output format of `nodupe similar folders`. */
export interface FolderFormat {
  readonly name: string;
  render(result: SimilarFolders, out: Output): void;
}

const percent = (part: number, whole: number) => `${whole === 0 ? 0 : Math.floor((100 * part) / whole)} %`;

function jsonSide(side: OverlapSide) {
  return {
    ...jsonPath(side.folder),
    files: side.files,
    bytes: side.bytes,
    sharedFiles: side.sharedFiles,
    sharedBytes: side.sharedBytes,
    only: { files: side.only.files, bytes: side.only.bytes, paths: side.only.paths.map(jsonPath) },
  };
}

function jsonDuplicate(group: DuplicateFolderGroup) {
  return {
    kind: 'duplicate',
    folders: group.folders.map(jsonPath),
    files: group.files,
    bytes: group.bytes,
    reclaimableBytes: group.reclaimable,
  };
}

function jsonOverlap(pair: FolderOverlap) {
  return {
    kind: 'overlap',
    relation: pair.relation,
    nested: pair.nested,
    similarity: pair.similarity,
    reclaimableBytes: pair.reclaimable,
    a: jsonSide(pair.a),
    b: jsonSide(pair.b),
  };
}

function writeLine(out: Output, head: string, path: FsPath, tail = '\n'): void {
  out.write(head);
  out.write(path);
  out.write(tail);
}

/** How much of a side the other holds: "A ⊆ B", or "93 % of its files, 88 % of its bytes". */
function describePair(pair: FolderOverlap): string {
  const { a } = pair;
  const inner =
    pair.relation === 'a-in-b'
      ? 'all of its files are in'
      : `${percent(a.sharedFiles, a.files)} of its files (${percent(a.sharedBytes, a.bytes)} of its bytes) are in`;
  return `${inner} ${pair.nested ? 'the rest of its parent' : 'the other'}`;
}

/**
 * Duplicate folders (the first is the one to keep), then overlapping pairs, each with how much of one is in the
 * other and what is only on each side; then a summary.
 */
const textFormat: FolderFormat = {
  name: 'text',
  render(result, out) {
    for (const group of result.duplicates) {
      out.write(
        `duplicate folders: ${count(group.files, 'file')}, ${formatBytes(group.bytes)} each; ` +
          `${formatBytes(group.reclaimable)} reclaimable\n`,
      );
      group.folders.forEach((folder, i) => writeLine(out, i === 0 ? '  keep  ' : '  copy  ', folder));
      out.write('\n');
    }
    for (const pair of result.overlaps) {
      const relation = pair.relation === 'a-in-b' ? '⊆' : '≈';
      out.write(
        `overlap ${relation}: ${describePair(pair)}; similarity ${Math.floor(pair.similarity.files * 100)} % ` +
          `by files; ${formatBytes(pair.reclaimable)} reclaimable\n`,
      );
      for (const [name, side] of [
        ['a', pair.a],
        ['b', pair.b],
      ] as const) {
        writeLine(
          out,
          `  ${name}  `,
          side.folder,
          ` (${count(side.files, 'file')}, ${formatBytes(side.bytes)})\n`,
        );
        if (side.only.files > 0) {
          out.write(`       only here: ${count(side.only.files, 'file')}, ${formatBytes(side.only.bytes)}\n`);
          for (const path of side.only.paths) writeLine(out, '         ', path);
          if (side.only.files > side.only.paths.length) {
            out.write(`         … and ${side.only.files - side.only.paths.length} more\n`);
          }
        }
      }
      out.write('\n');
    }
    out.write(
      `${count(result.duplicates.length, 'group')} of duplicate folders, ${count(result.overlaps.length, 'overlapping pair')}; ` +
        `${count(result.folders, 'folder')} and ${count(result.files, 'file')} compared from the catalog` +
        (result.unconfirmed > 0
          ? `; ${count(result.unconfirmed, 'file')} could not be compared (scanned apart: scan the folders together)`
          : '') +
        '\n',
    );
  },
};

/** One document, schema `nodupe.similar-folders/1` (documented in the README). */
const jsonFormat: FolderFormat = {
  name: 'json',
  render(result, out) {
    const doc = {
      schema: 'nodupe.similar-folders/1',
      summary: {
        files: result.files,
        folders: result.folders,
        duplicateGroups: result.duplicates.length,
        overlaps: result.overlaps.length,
        unconfirmed: result.unconfirmed,
      },
      duplicates: result.duplicates.map(jsonDuplicate),
      overlaps: result.overlaps.map(jsonOverlap),
    };
    out.write(`${JSON.stringify(doc, null, 2)}\n`);
  },
};

/** One duplicate group or overlapping pair a line (`kind` says which). */
const ndjsonFormat: FolderFormat = {
  name: 'ndjson',
  render(result, out) {
    for (const group of result.duplicates) out.write(`${JSON.stringify(jsonDuplicate(group))}\n`);
    for (const pair of result.overlaps) out.write(`${JSON.stringify(jsonOverlap(pair))}\n`);
  },
};

/**
 * One row per folder: number (duplicate groups first, then pairs), kind, relation, the share of the folder the
 * other holds (by files and bytes), files, bytes, reclaimable bytes of its group or pair, folder.
 */
const csvFormat: FolderFormat = {
  name: 'csv',
  render(result, out) {
    out.write('number,kind,relation,sharedFiles,sharedBytes,files,bytes,reclaimable,folder\n');
    let n = 0;
    for (const group of result.duplicates) {
      n++;
      for (const folder of group.folders) {
        const head = `${n},duplicate,same,1,1,${group.files},${group.bytes},${group.reclaimable},`;
        out.write(csvPathLine(head, folder, '\n'));
      }
    }
    for (const pair of result.overlaps) {
      n++;
      for (const side of [pair.a, pair.b]) {
        const share = (part: number, whole: number) => csvField((whole === 0 ? 0 : part / whole).toFixed(4));
        const head =
          `${n},overlap,${pair.relation}${pair.nested ? '-nested' : ''},${share(side.sharedFiles, side.files)},` +
          `${share(side.sharedBytes, side.bytes)},${side.files},${side.bytes},${pair.reclaimable},`;
        out.write(csvPathLine(head, side.folder, '\n'));
      }
    }
  },
};

export const FOLDER_FORMATS: Record<string, FolderFormat> = {
  text: textFormat,
  json: jsonFormat,
  csv: csvFormat,
  ndjson: ndjsonFormat,
};
