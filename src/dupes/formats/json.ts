import {
  memberPath,
  type ArchiveMemberRef,
  type DuplicateGroup,
  type PhysicalFile,
  type ScanProblem,
} from '../../model/groups.js';
import { jsonPath } from '../../model/paths.js';
import { fileMismatch, groupType } from '../../types/groups.js';
import type { DupesFormat } from './format.js';

function jsonFile(file: PhysicalFile, type: string | undefined) {
  return {
    ...jsonPath(file.paths[0]!),
    links: file.paths.slice(1).map(jsonPath),
    aliases: (file.aliases ?? []).map(jsonPath),
    dev: String(file.dev),
    ino: String(file.ino),
    mtimeNs: String(file.mtimeNs),
    extensionMismatch: fileMismatch(file, type),
  };
}

export function jsonGroup(group: DuplicateGroup) {
  const type = groupType(group);
  return {
    size: group.size,
    hash: group.hash,
    type: type ?? null,
    reclaimableBytes: group.size * Math.max(0, group.files.length - 1),
    files: group.files.map((file) => jsonFile(file, type)),
    ...(group.members ? { members: group.members.map(jsonMember) } : {}),
  };
}

/**
 * A member: shown as `ARCHIVE!/member` and marked as inside an archive, or as `LABEL:/path` and marked as listed
 * in an imported manifest (read-only, never acted on).
 */
function jsonMember(m: ArchiveMemberRef) {
  return {
    ...jsonPath(memberPath(m)),
    ...(m.manifest
      ? { manifest: { label: m.archive, path: m.member } }
      : { archive: { ...jsonPath(m.archive), member: m.member } }),
    mtime: m.mtimeMs === undefined ? null : new Date(m.mtimeMs).toISOString(),
  };
}

function jsonProblem(p: ScanProblem) {
  return { ...jsonPath(p.path), op: p.op, code: p.code, message: p.message };
}

/** One document, schema `nodupe.dupes/1` (documented in the README). */
export const jsonFormat: DupesFormat = {
  name: 'json',
  archiveMembers: true,
  render(report, out) {
    const doc = {
      schema: 'nodupe.dupes/1',
      algorithm: report.algorithm,
      roots: report.roots,
      summary: report.summary,
      ...(report.scan ? { scan: report.scan } : {}),
      groups: GROUPS,
      problems: report.problems.map(jsonProblem),
      changed: report.changed.map(jsonPath),
      ...(report.sameFolders
        ? {
            sameFolders: report.sameFolders.map((s) => ({
              archive: jsonPath(s.archive),
              folder: jsonPath(s.folder),
              files: s.files,
            })),
          }
        : {}),
      ...(report.unfinished
        ? {
            unfinishedScans: report.unfinished.map((u) => ({
              roots: u.roots,
              startedAt: new Date(u.startedAt).toISOString(),
              filesSeen: u.filesSeen,
            })),
          }
        : {}),
    };
    // The groups are written one by one into the document's place for them, as JSON.stringify would indent
    // them: a report of a million files is never one string, nor one tree of objects.
    const [head, tail] = JSON.stringify(doc, null, 2).split(JSON.stringify(GROUPS)) as [string, string];
    out.write(head);
    if (report.groups.length === 0) out.write('[]');
    else {
      out.write('[');
      report.groups.forEach((group, i) => {
        out.write(i === 0 ? '\n    ' : ',\n    ');
        out.write(JSON.stringify(jsonGroup(group), null, 2).replaceAll('\n', '\n    '));
      });
      out.write('\n  ]');
    }
    out.write(`${tail}\n`);
  },
};

/** Where the groups go in the document while it is laid out (a string no report holds). */
const GROUPS = '\u0000nodupe groups\u0000';

/** One group a line, written as it is produced: for pipes into jq and the like. */
export const ndjsonFormat: DupesFormat = {
  name: 'ndjson',
  archiveMembers: true,
  render(report, out) {
    for (const group of report.groups) out.write(`${JSON.stringify(jsonGroup(group))}\n`);
  },
};
