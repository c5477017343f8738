import type { DupesFormat } from './format.js';
import { writeGroups } from './text.js';

/**
 * What `fdupes -r` and `jdupes -r` print: each group's paths one a line, each group followed by a blank line,
 * nothing else, so scripts written for them keep working. One path per physical file (hard links collapsed).
 */
export const fdupesFormat: DupesFormat = {
  name: 'fdupes',
  render(report, out) {
    writeGroups(report, out, { links: false });
  },
};
