import { count, formatBytes } from '../../core/format.js';
import type { DupesReport } from '../report.js';
import type { DupesFormat, Output } from './format.js';

/** What fdupes' `-S` and `-f` change, in the text and fdupes formats alike. */
export interface GroupOptions {
  /** A line "N bytes each:" before each group. */
  sizes?: boolean;
  /** Leave out the first file of each group (the one a cleanup would keep by default). */
  omitFirst?: boolean;
}

/** The line fdupes and jdupes print before a group with `-S` (the size in bytes, without separators). */
export function sizeLine(size: number): string {
  return `${size} ${size === 1 ? 'byte' : 'bytes'} each:\n`;
}

/**
 * Each group's paths, one a line, each group followed by a blank line. A member's other hard links follow it,
 * indented with `=`, then the paths through followed symbolic links that reach it, with `~`. Paths that are
 * not UTF-8 are written as their raw bytes.
 */
function writeGroups(report: DupesReport, out: Output, options: GroupOptions = {}): void {
  for (const group of report.groups) {
    if (options.sizes) out.write(sizeLine(group.size));
    for (const file of options.omitFirst ? group.files.slice(1) : group.files) {
      out.write(file.paths[0]!);
      out.write('\n');
      for (const link of file.paths.slice(1)) {
        out.write('  = ');
        out.write(link);
        out.write('\n');
      }
      for (const alias of file.aliases ?? []) {
        out.write('  ~ ');
        out.write(alias);
        out.write('\n');
      }
    }
    out.write('\n');
  }
}

/** Groups (with their hard links) separated by blank lines, then a summary. */
export function textStyle(options: GroupOptions): DupesFormat {
  return {
    name: 'text',
    render(report, out) {
      writeGroups(report, out, options);
      const s = report.summary;
      out.write(
        `${count(s.groups, 'group')}, ${count(s.redundant, 'redundant file')}, ` +
          `${formatBytes(s.reclaimableBytes)} reclaimable`,
      );
      if (report.scan) {
        out.write(` (scanned ${count(report.scan.files, 'file')}, ${formatBytes(report.scan.totalBytes)})`);
      }
      out.write('\n');
    },
  };
}

export const textFormat = textStyle({});
