import { randomUUID } from 'node:crypto';
import { comparePaths } from '../model/paths.js';
import type { SimilarGroup } from '../similar/group-similar.js';
import type { SimilarReport } from '../similar/report.js';
import type {
  SimilarGroupsResult,
  SimilarGroupView,
  SimilarJobResult,
  SimilarMemberView,
  SimilarSubjectName,
} from '../serve/similar-protocol.js';
import { badInput, notFound } from './errors.js';
import { kindOf } from './kinds.js';
import { pathView } from './path-view.js';

/** Members shown per group; `files` counts them all. */
export const MEMBERS_SHOWN = 100;
/** Problems shown with each page; `problemCount` counts them all. */
export const PROBLEMS_SHOWN = 100;

/** One result kept: the report without its list of unique files (only their count), and when it was made. */
interface Kept {
  /** Names the result in cursors: a cursor of another result is refused. */
  id: string;
  report: Omit<SimilarReport, 'unique'>;
  unique: number;
  reclaimable: number;
  finishedAt: string;
  generation: number;
  /** Problems in path order, sorted once. */
  problems: SimilarReport['problems'];
}

/**
 * The latest `similar` result of each subject, in memory (a restart forgets it: fingerprints stay in the
 * catalog, so running it again reads nothing new), paged by `similar.groups`.
 */
export class SimilarResults {
  readonly #kept = new Map<SimilarSubjectName, Kept>();

  /** Keeps a finished report as its subject's latest; returns the job's result (its figures). */
  keep(report: SimilarReport, finishedAt: string, generation: number): SimilarJobResult {
    const { unique, ...rest } = report;
    const kept: Kept = {
      id: randomUUID().slice(0, 8),
      report: rest,
      unique: unique.length,
      reclaimable: report.groups.reduce((sum, g) => sum + g.reclaimable, 0),
      finishedAt,
      generation,
      problems: [...report.problems].sort((a, b) => comparePaths(a.path, b.path)),
    };
    this.#kept.set(report.subject, kept);
    return {
      subject: report.subject,
      detector: report.detector,
      preset: report.preset ?? null,
      maxDistance: report.maxDistance,
      groups: report.groups.length,
      reclaimable: kept.reclaimable,
      files: report.files,
      read: report.read,
      reused: report.reused,
      unique: kept.unique,
      problems: report.problems.length,
    };
  }

  /** A page of a subject's groups, largest reclaimable first (the report's order). */
  page(
    subject: SimilarSubjectName,
    cursor: string | undefined,
    limit: number,
    generation: number,
  ): SimilarGroupsResult {
    const kept = this.#kept.get(subject);
    if (!kept) {
      throw notFound(
        `there is no result of similar ${subject} yet`,
        `start one with the method similar (subject ${subject})`,
      );
    }
    const start = cursor === undefined ? 0 : offsetOf(cursor, kept.id);
    const { report } = kept;
    const end = Math.min(report.groups.length, start + limit);
    const groups = report.groups.slice(start, end).map((group, i) => groupView(group, start + i));
    return {
      subject: report.subject,
      detector: report.detector,
      preset: report.preset ?? null,
      maxDistance: report.maxDistance,
      distanceUnit: report.distanceUnit,
      roots: report.roots.map(pathView),
      finishedAt: kept.finishedAt,
      generation: kept.generation,
      stale: generation !== kept.generation,
      files: report.files,
      read: report.read,
      reused: report.reused,
      unique: kept.unique,
      groups,
      next: end < report.groups.length ? `${kept.id}:${end}` : null,
      total: report.groups.length,
      reclaimable: kept.reclaimable,
      problems: kept.problems
        .slice(0, PROBLEMS_SHOWN)
        .map((problem) => ({ path: pathView(problem.path), reason: problem.reason })),
      problemCount: kept.problems.length,
    };
  }
}

/** The offset a cursor (`RESULT:OFFSET`) names, or BAD_INPUT for one of another result, or none at all. */
function offsetOf(cursor: string, id: string): number {
  const match = /^([0-9a-f]{8}):(\d{1,9})$/.exec(cursor);
  if (!match)
    throw badInput(`similar.groups: cursor: not a cursor of similar.groups`, 'start from the first page');
  if (match[1] !== id) {
    throw badInput(
      'similar.groups: the result changed (similar ran again): start from the first page',
      'ask for the first page, without a cursor',
    );
  }
  return Number(match[2]);
}

function groupView(group: SimilarGroup, index: number): SimilarGroupView {
  return {
    index,
    files: group.members.length,
    reclaimable: group.reclaimable,
    members: group.members.slice(0, MEMBERS_SHOWN).map((member, i): SimilarMemberView => ({
      id: member.file.id,
      paths: member.file.paths.map(pathView),
      size: member.file.size,
      mtime: new Date(Number(member.file.mtimeNs / 1_000_000n)).toISOString(),
      kind: kindOf(member.file.paths[0]!),
      distance: member.distance,
      score: member.score,
      keep: i === 0,
    })),
  };
}
