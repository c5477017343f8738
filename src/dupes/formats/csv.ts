import type { FsPath } from '../../model/paths.js';
import { extensionMismatch } from '../../types/extensions.js';
import { groupType } from '../../types/groups.js';
import type { DupesFormat } from './format.js';

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * A path as a CSV field: its raw bytes when they are not UTF-8, quoted by the same rule. The characters that
 * need quoting are ASCII, so the bytes read as Latin-1 (one character a byte) are quoted exactly.
 */
export function csvPathField(path: FsPath): string | Buffer {
  return typeof path === 'string' ? csvField(path) : Buffer.from(csvField(path.toString('latin1')), 'latin1');
}

/** A CSV line of fields `head`, the path, then `tail` (both already quoted): bytes when the path is not UTF-8. */
export function csvPathLine(head: string, path: FsPath, tail: string): string | Buffer {
  const field = csvPathField(path);
  return typeof field === 'string'
    ? head + field + tail
    : Buffer.concat([Buffer.from(head), field, Buffer.from(tail)]);
}

/**
 * One row per path: group number (from 1), size, hash, path, whether it is a hard link of the row above, the
 * content's type (empty when unknown), and whether the path's extension promises another type.
 */
export const csvFormat: DupesFormat = {
  name: 'csv',
  render(report, out) {
    out.write('group,size,hash,path,hardlink,type,extension_mismatch\n');
    report.groups.forEach((group, i) => {
      const type = groupType(group);
      for (const file of group.files) {
        file.paths.forEach((path, j) => {
          const mismatch = extensionMismatch(path, type) ? 'yes' : 'no';
          const tail = `,${j > 0 ? 'yes' : 'no'},${csvField(type ?? '')},${mismatch}\n`;
          out.write(csvPathLine(`${i + 1},${group.size},${group.hash},`, path, tail));
        });
      }
    });
  },
};
