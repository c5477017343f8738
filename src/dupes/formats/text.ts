import { formatBytes, formatCount } from '../../cli/format.js';
import type { DupesFormat, Output } from './format.js';
import type { FsPath } from '../../scan/paths.js';

export function writePath(out: Output, path: FsPath): void {
  out.write(path);
}

/**
 * Groups separated by blank lines, one path a line (hard links of a member indented under it with `=`),
 * then a summary.
 */
export const textFormat: DupesFormat = {
  name: 'text',
  render(report, out) {
    for (const group of report.groups) {
      for (const file of group.files) {
        writePath(out, file.paths[0]!);
        out.write('\n');
        for (const link of file.paths.slice(1)) {
          out.write('  = ');
          writePath(out, link);
          out.write('\n');
        }
      }
      out.write('\n');
    }
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
