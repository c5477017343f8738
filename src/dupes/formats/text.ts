import { formatBytes, formatCount } from '../../core/format.js';
import type { DupesReport } from '../report.js';
import type { DupesFormat, Output } from './format.js';

/**
 * Each group's paths, one a line, each group followed by a blank line. With `links`, a member's other hard
 * links follow it, indented with `=`. Paths that are not UTF-8 are written as their raw bytes.
 */
export function writeGroups(report: DupesReport, out: Output, options: { links: boolean }): void {
  for (const group of report.groups) {
    for (const file of group.files) {
      out.write(file.paths[0]!);
      out.write('\n');
      if (!options.links) continue;
      for (const link of file.paths.slice(1)) {
        out.write('  = ');
        out.write(link);
        out.write('\n');
      }
    }
    out.write('\n');
  }
}

/** Groups (with their hard links) separated by blank lines, then a summary. */
export const textFormat: DupesFormat = {
  name: 'text',
  render(report, out) {
    writeGroups(report, out, { links: true });
    const s = report.summary;
    out.write(
      `${formatCount(s.groups)} ${s.groups === 1 ? 'group' : 'groups'}, ` +
        `${formatCount(s.redundant)} redundant ${s.redundant === 1 ? 'file' : 'files'}, ` +
        `${formatBytes(s.reclaimableBytes)} reclaimable`,
    );
    if (report.scan) {
      out.write(` (scanned ${formatCount(report.scan.files)} files, ${formatBytes(report.scan.totalBytes)})`);
    }
    out.write('\n');
  },
};
