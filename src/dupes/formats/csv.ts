import { displayPath } from '../../model/paths.js';
import type { DupesFormat } from './format.js';

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One row per path: group number (from 1), size, hash, path, and whether it is a hard link of the row above. */
export const csvFormat: DupesFormat = {
  name: 'csv',
  render(report, out) {
    out.write('group,size,hash,path,hardlink\n');
    report.groups.forEach((group, i) => {
      for (const file of group.files) {
        file.paths.forEach((path, j) => {
          out.write(
            `${i + 1},${group.size},${group.hash},${csvField(displayPath(path))},${j > 0 ? 'yes' : 'no'}\n`,
          );
        });
      }
    });
  },
};
