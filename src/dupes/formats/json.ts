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
      groups: report.groups.map(jsonGroup),
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
    out.write(`${JSON.stringify(doc, null, 2)}\n`);
  },
};

/** One group a line, written as it is produced: for pipes into jq and the like. */
export const ndjsonFormat: DupesFormat = {
  name: 'ndjson',
  render(report, out) {
    for (const group of report.groups) out.write(`${JSON.stringify(jsonGroup(group))}\n`);
  },
};
