import { count, formatBytes } from '../../core/format.js';
import { joinName, toBytes, type FsPath } from '../../model/paths.js';
import type { PhysicalFile } from '../../model/groups.js';
import type { DupesReport } from '../report.js';
import type { DupesFormat } from './format.js';
import { sizeLine, type GroupOptions } from './text.js';

/** The output flags of fdupes and jdupes that nodupe takes (`-S`, `-f`, `-0`, `-1`). */
export interface FdupesOptions extends GroupOptions {
  /** End each path with a NUL, and each group with one more, as `jdupes -0` does. */
  nul?: boolean;
  /** Each group on one line, each path followed by a space (spaces and backslashes escaped), as `fdupes -1`. */
  sameLine?: boolean;
}

/**
 * What `fdupes -r` and `jdupes -r` print: each group's paths one a line, each group followed by a blank line,
 * nothing else, so scripts written for them keep working. One path per physical file (hard links collapsed),
 * spelled from the root as the user typed it (`./a/x` for the root `./a`), as they do.
 */
export function fdupesStyle(options: FdupesOptions): DupesFormat {
  const endPath = options.nul ? '\0' : '\n';
  return {
    name: 'fdupes',
    render(report, out) {
      const shown = pathAsTyped(report);
      for (const group of report.groups) {
        if (options.sizes) out.write(sizeLine(group.size));
        for (const file of options.omitFirst ? group.files.slice(1) : group.files) {
          if (options.sameLine) {
            out.write(escapeSpaces(shown(file)));
            out.write(' ');
          } else {
            out.write(shown(file));
            out.write(endPath);
          }
        }
        out.write(endPath);
      }
    },
  };
}

export const fdupesFormat = fdupesStyle({});

/** What `fdupes -m` and `jdupes -m` print: "3 duplicate files (in 2 sets), occupying 18 bytes". */
export const fdupesSummaryFormat: DupesFormat = {
  name: 'summary',
  render(report, out) {
    const { redundant, groups, reclaimableBytes: bytes } = report.summary;
    out.write(
      `${count(redundant, 'duplicate file')} (in ${count(groups, 'set')}), ` +
        `occupying ${count(bytes, 'byte')}${bytes >= 1024 ? ` (${formatBytes(bytes)})` : ''}\n`,
    );
  },
};

/**
 * A file's path spelled from its root as the user typed it: under the root `report.roots[file.root]`, that
 * prefix gives way to the typed root (without its trailing slashes); any other path is shown as it is.
 */
export function pathAsTyped(report: DupesReport): (file: PhysicalFile) => FsPath {
  const typed = report.rootsAsTyped;
  return (file) => {
    const path = file.paths[0]!;
    const root = report.roots[file.root];
    const spelled = typed?.[file.root];
    if (root === undefined || spelled === undefined) return path;
    const bytes = toBytes(path);
    const prefix = Buffer.from(root.endsWith('/') ? root : `${root}/`);
    if (bytes.equals(Buffer.from(root))) return spelled;
    if (!bytes.subarray(0, prefix.length).equals(prefix)) return path;
    return joinName(spelled.replace(/(?<=.)\/+$/, ''), bytes.subarray(prefix.length));
  };
}

/** Spaces and backslashes escaped with a backslash, as `fdupes -1` writes them. */
function escapeSpaces(path: FsPath): FsPath {
  if (typeof path === 'string') return path.replace(/[\\ ]/g, '\\$&');
  const out: number[] = [];
  for (const byte of path) {
    if (byte === 0x5c || byte === 0x20) out.push(0x5c);
    out.push(byte);
  }
  return Buffer.from(out);
}
