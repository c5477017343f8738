import { count, formatBytes } from '../core/format.js';
import { csvField, csvPathLine } from '../dupes/formats/csv.js';
import type { Output } from '../dupes/formats/format.js';
import { jsonPath } from '../model/paths.js';
import type { SimilarGroup, SimilarMember } from './group-similar.js';
import type { SimilarReport } from './report.js';

/** An output format of `nodupe similar images|docs`. */
export interface SimilarFormat {
  readonly name: string;
  render(report: SimilarReport, out: Output): void;
}

const percent = (score: number) => `${Math.round(score * 100)} %`;

function jsonMember(member: SimilarMember, i: number) {
  const file = member.file;
  return {
    ...jsonPath(file.paths[0]!),
    links: file.paths.slice(1).map(jsonPath),
    size: file.size,
    mtimeNs: String(file.mtimeNs),
    distance: member.distance,
    score: member.score,
    keep: i === 0,
  };
}

function jsonGroup(group: SimilarGroup) {
  return { reclaimableBytes: group.reclaimable, members: group.members.map(jsonMember) };
}

/**
 * Groups separated by blank lines: the first member (the one to keep) marked `keep`, every other with its
 * distance to it and how alike they are; then the files without a fingerprint, then a summary.
 */
const textFormat: SimilarFormat = {
  name: 'text',
  render(report, out) {
    for (const group of report.groups) {
      group.members.forEach((member, i) => {
        // Pictures: bits apart and how alike; documents: how alike (their distance is 1 - that).
        const alike = `${percent(member.score)} alike`;
        const what =
          i === 0
            ? 'keep'
            : member.distance === 0
              ? `same (${alike})`
              : report.distanceUnit === 'bits'
                ? `${formatDistance(report, member.distance)} (${alike})`
                : alike;
        out.write(`${what.padEnd(24)} ${formatBytes(member.file.size).padStart(10)}  `);
        out.write(member.file.paths[0]!);
        out.write('\n');
        for (const link of member.file.paths.slice(1)) {
          out.write(`${' '.repeat(37)}= `);
          out.write(link);
          out.write('\n');
        }
      });
      out.write('\n');
    }
    for (const problem of report.problems) {
      out.write('not compared: ');
      out.write(problem.path);
      out.write(`: ${problem.reason}\n`);
    }
    const redundant = report.groups.reduce((n, g) => n + g.members.length - 1, 0);
    const reclaimable = report.groups.reduce((n, g) => n + g.reclaimable, 0);
    out.write(
      `${count(report.groups.length, 'group')} of near-duplicate ${report.subject}, ` +
        `${count(redundant, 'file')} besides the one to keep (${formatBytes(reclaimable)}); ` +
        (report.distanceUnit === 'bits'
          ? `at most ${count(report.maxDistance, 'bit')} apart`
          : `at least ${formatDistance(report, report.maxDistance)}`) +
        `${report.preset === undefined ? '' : ` (--similarity ${report.preset})`}; ` +
        `${count(report.files, 'file')} compared, ${report.read} read now` +
        `${report.problems.length > 0 ? `, ${report.problems.length} not compared` : ''}\n`,
    );
  },
};

function formatDistance(report: SimilarReport, distance: number): string {
  return report.distanceUnit === 'bits'
    ? count(distance, 'bit', 'bits') + ' apart'
    : `${percent(1 - distance)} Jaccard`;
}

/** One document, schema `nodupe.similar/1` (documented in the README). */
const jsonFormat: SimilarFormat = {
  name: 'json',
  render(report, out) {
    const doc = {
      schema: 'nodupe.similar/1',
      subject: report.subject,
      detector: report.detector,
      maxDistance: report.maxDistance,
      distanceUnit: report.distanceUnit,
      ...(report.preset === undefined ? {} : { preset: report.preset }),
      roots: report.roots,
      summary: {
        groups: report.groups.length,
        files: report.files,
        read: report.read,
        reused: report.reused,
        unique: report.unique.length,
        problems: report.problems.length,
        reclaimableBytes: report.groups.reduce((n, g) => n + g.reclaimable, 0),
      },
      groups: report.groups.map(jsonGroup),
      unique: report.unique.map(jsonPath),
      problems: report.problems.map((p) => ({ ...jsonPath(p.path), reason: p.reason })),
    };
    out.write(`${JSON.stringify(doc, null, 2)}\n`);
  },
};

/** One group a line; then one line per file without a fingerprint (`{"problem": ...}`). */
const ndjsonFormat: SimilarFormat = {
  name: 'ndjson',
  render(report, out) {
    for (const group of report.groups) out.write(`${JSON.stringify(jsonGroup(group))}\n`);
    for (const p of report.problems) {
      out.write(`${JSON.stringify({ problem: p.reason, ...jsonPath(p.path) })}\n`);
    }
  },
};

/** One row per path: group number (from 1), distance, score, keep, size, path, and whether it is a hard link. */
const csvFormat: SimilarFormat = {
  name: 'csv',
  render(report, out) {
    out.write('group,distance,score,keep,size,path,hardlink\n');
    report.groups.forEach((group, g) => {
      group.members.forEach((member, i) => {
        member.file.paths.forEach((path, j) => {
          const head = `${g + 1},${member.distance},${csvField(member.score.toFixed(4))},${i === 0 ? 'yes' : 'no'},${member.file.size},`;
          out.write(csvPathLine(head, path, `,${j > 0 ? 'yes' : 'no'}\n`));
        });
      });
    });
  },
};

export const SIMILAR_FORMATS: Record<string, SimilarFormat> = {
  text: textFormat,
  json: jsonFormat,
  csv: csvFormat,
  ndjson: ndjsonFormat,
};
