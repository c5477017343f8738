import type { DuplicateGroup, PhysicalFile, ScanProblem } from '../../model/groups.js';
import { jsonPath } from '../../model/paths.js';
import type { DupesFormat } from './format.js';

function jsonFile(file: PhysicalFile) {
  return {
    ...jsonPath(file.paths[0]!),
    links: file.paths.slice(1).map(jsonPath),
    aliases: (file.aliases ?? []).map(jsonPath),
    dev: String(file.dev),
    ino: String(file.ino),
    mtimeNs: String(file.mtimeNs),
  };
}

export function jsonGroup(group: DuplicateGroup) {
  return {
    size: group.size,
    hash: group.hash,
    reclaimableBytes: group.size * (group.files.length - 1),
    files: group.files.map(jsonFile),
  };
}

function jsonProblem(p: ScanProblem) {
  return { ...jsonPath(p.path), op: p.op, code: p.code, message: p.message };
}

/** One document, schema `nodupe.dupes/1` (documented in the README). */
export const jsonFormat: DupesFormat = {
  name: 'json',
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
  render(report, out) {
    for (const group of report.groups) out.write(`${JSON.stringify(jsonGroup(group))}\n`);
  },
};
