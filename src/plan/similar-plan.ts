import type { CatalogFile } from '../catalog/store.js';
import { identityOf, identityString } from '../model/identity.js';
import type { PhysicalFile } from '../model/groups.js';
import { displayPath, pathKey, type FsPath } from '../model/paths.js';
import type { SimilarReport } from '../similar/report.js';
import type { PlanMeta } from './build.js';
import type { Plan, PlanGroup, PlannedAction, SimilarOp } from './plan.js';

/** The catalog a plan of near-duplicates is made from. */
export interface SimilarPlanCatalog extends PlanMeta {
  /**
   * The catalog's rows as they are now (after `nodupe similar` recorded the full hashes it made): each file's own
   * content hash is taken from its row, by `algorithm`, and only while the row still describes the file grouped.
   */
  rows: readonly CatalogFile[];
  /**
   * Whether a file is the user's own (its owner is the user running nodupe). A group whose first member, the one
   * to keep, is another user's is left out whole: that user could change or remove it, and with it the only copy
   * kept; nor is another user's file ever acted on. Without it, every file counts as the user's.
   */
  isOwn?: (file: PhysicalFile) => boolean;
}

export interface SimilarPlan {
  plan: Plan;
  /** Files of the groups the plan does not act on, and why: none is left out silently. */
  left: { path: FsPath; reason: string }[];
}

const KEEPER_REASON = 'kept: the first of its group (the largest, then the oldest, then the first path)';

/**
 * A review-first plan from near-duplicate groups: per group, the first member is kept (every name of it), and
 * every name of each other member is quarantined or moved, holding the file to its identity and ITS OWN full
 * content hash from the catalog (apply checks that, never the keeper's bytes). A member with no full hash by the
 * plan's algorithm, or whose row changed since it was grouped, cannot be held to its content: it stays, and
 * `left` says why. A group with its keeper changed stays whole. Pure: the caller supplies the catalog's rows.
 */
export function similarPlan(
  report: SimilarReport,
  catalog: SimilarPlanCatalog,
  action: { action: SimilarOp; to?: string },
): SimilarPlan {
  const { rows, isOwn = () => true, ...meta } = catalog;
  const byPath = new Map(rows.map((row) => [pathKey(row.path), row]));
  const left: SimilarPlan['left'] = [];
  const leave = (file: PhysicalFile, reason: string) => {
    for (const path of file.paths) left.push({ path, reason });
  };
  /**
   * The file's own full hash, from a row of one of its names that still describes it; or why there is none:
   * `changed` when no row describes the file grouped any more.
   */
  const ownHash = (file: PhysicalFile): { hash: string } | { reason: string; changed: boolean } => {
    const want = identityString(file);
    const current = file.paths
      .map((path) => byPath.get(pathKey(path)))
      .filter((row): row is CatalogFile => row !== undefined && identityString(row) === want);
    if (current.length === 0) {
      return {
        reason:
          'the catalog no longer describes it as it was grouped (changed or gone): run `nodupe similar` again',
        changed: true,
      };
    }
    for (const row of current) {
      if (row.hashes?.algorithm === meta.algorithm && row.hashes.full !== undefined)
        return { hash: row.hashes.full };
    }
    return {
      reason:
        `the catalog holds no full content hash of it by ${meta.algorithm}, so apply could not check that it is ` +
        'still the file reviewed: run `nodupe similar` again with the same --hash',
      changed: false,
    };
  };

  const groups: PlanGroup[] = [];
  for (const group of report.groups) {
    const [first, ...others] = group.members;
    if (first === undefined || others.length === 0) continue;
    const keeperHash = ownHash(first.file);
    const keeper = first.file.paths[0];
    if (keeper === undefined) continue;
    if (!isOwn(first.file)) {
      const why =
        `its first member, the one to keep, ${displayPath(keeper)}, is another user's: they could change or ` +
        'remove it, and with it the copy kept; the group stays as it is (review it yourself)';
      for (const m of group.members) leave(m.file, why);
      continue;
    }
    // The keeper is held to its identity only (its bytes are not the others'): a keeper that changed since it was
    // grouped may no longer be what the user reviews it as, so its group stays.
    if ('changed' in keeperHash && keeperHash.changed) {
      const why = `its group's keeper ${displayPath(keeper)} changed since it was grouped: the group stays as it is`;
      for (const m of group.members) leave(m.file, why);
      continue;
    }
    const actions: PlannedAction[] = [];
    for (const member of others) {
      if (!isOwn(member.file)) {
        leave(member.file, "another user's file: never acted on");
        continue;
      }
      // Joined to the group through other members, further from its keeper than the level asked for.
      if (member.distance > report.maxDistance) {
        leave(
          member.file,
          `${member.distance} from the one kept (${report.distanceUnit}), more than ${report.maxDistance}: it was ` +
            'grouped through other members; review it on its own',
        );
        continue;
      }
      const own = ownHash(member.file);
      if ('reason' in own) {
        leave(member.file, own.reason);
        continue;
      }
      for (const path of member.file.paths) {
        actions.push({
          op: action.action,
          path,
          keeper,
          expect: { ...identityOf(member.file), hash: own.hash },
          reason:
            `near-duplicate of ${displayPath(keeper)} (distance ${member.distance} ` +
            `${report.distanceUnit === 'bits' ? 'bits' : '(1 - Jaccard)'}, score ${member.score.toFixed(2)}): not ` +
            'byte-identical, review it',
          ...(action.to === undefined ? {} : { to: action.to }),
        });
      }
    }
    if (actions.length === 0) continue;
    groups.push({
      size: first.file.size,
      // The keeper's, when the catalog has it: shown, never compared (its bytes differ from the others').
      hash: 'hash' in keeperHash ? keeperHash.hash : '',
      keepers: first.file.paths.map((path, i) => ({
        path,
        ...identityOf(first.file),
        reason: i === 0 ? KEEPER_REASON : 'hard link of a keeper',
      })),
      actions,
    });
  }
  return {
    plan: {
      ...meta,
      basis: {
        kind: 'similar',
        detector: report.detector,
        maxDistance: report.maxDistance,
        distanceUnit: report.distanceUnit,
      },
      policy: { rules: [], protect: [], onlyFrom: [], keepN: 1 },
      action: action.action,
      ...(action.to === undefined ? {} : { to: action.to }),
      groups,
    },
    left,
  };
}
