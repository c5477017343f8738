import type { DupesFormat } from './format.js';
import { writePath } from './text.js';

/**
 * What `fdupes -r` and `jdupes -r` print: each group's paths one a line, each group followed by a blank line,
 * nothing else, so scripts written for them keep working. One path per physical file (hard links collapsed).
 */
export const fdupesFormat: DupesFormat = {
  name: 'fdupes',
  render(report, out) {
    for (const group of report.groups) {
      for (const file of group.files) {
        writePath(out, file.paths[0]!);
        out.write('\n');
      }
      out.write('\n');
    }
  },
};
