import { printableName } from '../../core/printable.js';
import { count, formatBytes } from '../../core/format.js';
import { fileMismatch, groupType } from '../../types/groups.js';
import { memberPath } from '../../model/groups.js';
import { displayPath } from '../../model/paths.js';
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
 * Each group's paths, one a line, each group followed by a blank line; a group whose content's type is known
 * starts with a `type: image/png` line. A member's other hard links follow it, indented with `=`, then the paths
 * through followed symbolic links that reach it, with `~`; a member whose extension promises another type than
 * its content has is followed by a line indented with `!`. Paths that are not UTF-8 are written as raw bytes.
 */
function writeGroups(report: DupesReport, out: Output, options: GroupOptions = {}): void {
  for (const group of report.groups) {
    if (options.sizes) out.write(sizeLine(group.size));
    const type = groupType(group);
    if (type !== undefined) out.write(`type: ${type}\n`);
    for (const file of options.omitFirst ? group.files.slice(1) : group.files) {
      out.write(file.paths[0]!);
      out.write('\n');
      if (fileMismatch(file, type)) out.write(`  ! its extension does not match its content (${type})\n`);
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
    // Inside an archive, or listed in an imported manifest (a disk not mounted now): read-only, never acted on.
    for (const member of group.members ?? []) {
      out.write(member.manifest ? '[manifest] ' : '[archive] ');
      // A member's name comes from the archive (or manifest), a manifest's label from the catalog: shown escaped;
      // an archive's path (a file here) as it is.
      const archive = member.manifest ? printableName(displayPath(member.archive)) : member.archive;
      out.write(memberPath({ ...member, archive, member: printableName(member.member) }));
      out.write('\n');
    }
    out.write('\n');
  }
  for (const same of report.sameFolders ?? []) {
    out.write(
      `same files: ${displayPath(same.archive)} and the folder ${displayPath(same.folder)} (${count(same.files, 'file')})\n`,
    );
  }
}

/** Groups (with their hard links) separated by blank lines, then a summary. */
export function textStyle(options: GroupOptions): DupesFormat {
  return {
    name: 'text',
    archiveMembers: true,
    render(report, out) {
      writeGroups(report, out, options);
      const s = report.summary;
      out.write(
        `${count(s.groups, 'group')}, ${count(s.redundant, 'redundant file')}, ` +
          `${formatBytes(s.reclaimableBytes)} reclaimable`,
      );
      if (s.extensionMismatches !== undefined) {
        out.write(`, ${count(s.extensionMismatches, 'extension mismatch', 'extension mismatches')}`);
      }
      if (s.members !== undefined) {
        // Members are an archive's, or an imported manifest's files (a disk not mounted now).
        const listed = report.groups.reduce(
          (n, g) => n + (g.members?.filter((m) => m.manifest).length ?? 0),
          0,
        );
        if (s.members > listed) out.write(`, ${count(s.members - listed, 'archive member')} (read-only)`);
        if (listed > 0) out.write(`, ${count(listed, 'copy', 'copies')} in imported manifests (read-only)`);
      }
      if (report.scan) {
        out.write(` (scanned ${count(report.scan.files, 'file')}, ${formatBytes(report.scan.totalBytes)})`);
      }
      out.write('\n');
    },
  };
}

export const textFormat = textStyle({});
