import { formatBytes } from '../core/format.js';
import type { Expectation, FileIdentity } from '../model/identity.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import type { FsPath } from '../model/paths.js';

export const PLAN_SCHEMA = 'nodupe.plan/1';

/** What apply may do to a file that is not a keeper. */
export const ACTION_OPS = ['quarantine', 'delete', 'hardlink', 'symlink', 'reflink', 'move'] as const;
export type ActionOp = (typeof ACTION_OPS)[number];

export function isActionOp(text: string): text is ActionOp {
  return (ACTION_OPS as readonly string[]).includes(text);
}

/** The only actions of a plan of near-duplicates: they keep the file's bytes, and undo reverses them. */
export const SIMILAR_OPS = ['quarantine', 'move'] as const satisfies readonly ActionOp[];
export type SimilarOp = (typeof SIMILAR_OPS)[number];

export function isSimilarOp(op: ActionOp): op is SimilarOp {
  return (SIMILAR_OPS as readonly ActionOp[]).includes(op);
}

/** Why a plan of near-duplicates has no other action: said wherever one is refused. */
export const SIMILAR_OPS_REASON =
  'near-duplicates are not byte-identical: only quarantine and move, which undo reverses';

/**
 * What a plan's groups are, when not byte-identical files (the plan then has no `basis`): near-duplicates found by
 * `nodupe similar`. Each action's `expect.hash` is then the file's own content hash, and apply checks the file
 * against it (never against its keeper's bytes).
 */
export interface SimilarBasis {
  kind: 'similar';
  /** The detector and its version: `images.phash/1`. */
  detector: string;
  /** The largest distance within a group's pairs, in the detector's measure. */
  maxDistance: number;
  distanceUnit: 'bits' | '1 - Jaccard';
}

/**
 * A file that stays: what it must still look like when apply compares the others against it. With `member`, the
 * keeper is that member of the archive at `path` (the identity is then the archive file's): `nodupe plan
 * --keeper-in-archive`. Apply streams the member out of the archive and compares its bytes with the file's.
 */
export interface PlannedKeeper extends FileIdentity {
  path: FsPath;
  reason: string;
  /** The member's name in the archive at `path`: a label matched against the archive's names, never a path. */
  member?: string | undefined;
}

/** What apply may do to a file whose keeper is an archive member: its bytes are not a file to link or clone. */
export const MEMBER_KEEPER_OPS = ['quarantine', 'move', 'delete'] as const satisfies readonly ActionOp[];

export function isMemberKeeperOp(op: ActionOp): boolean {
  return (MEMBER_KEEPER_OPS as readonly ActionOp[]).includes(op);
}

/** Why a link or a clone cannot stand on an archive member: said wherever one is refused. */
export const MEMBER_KEEPER_REASON =
  'a keeper inside an archive is no file to link to or clone: only quarantine, move or delete';

export interface PlannedAction {
  op: ActionOp;
  path: FsPath;
  /** The keeper whose bytes this file must still equal: a keeper of the same group. */
  keeper: FsPath;
  /** When that keeper is a member of the archive at `keeper`: its name (see PlannedKeeper.member). */
  keeperMember?: string | undefined;
  /**
   * What the file must still look like: the content hash is the group's, or in a plan of near-duplicates
   * (`Plan.basis`) the file's own.
   */
  expect: Expectation;
  reason: string;
  /** For `move`: the folder it goes to (the file's absolute path is recreated under it). */
  to?: string;
}

export interface PlanGroup {
  /** The size and content hash of every file of the group; in a plan of near-duplicates, the keeper's. */
  size: number;
  hash: string;
  keepers: PlannedKeeper[];
  actions: PlannedAction[];
}

/** The policy that made the plan, as the user would write it in the config file. */
export interface PolicyRecord {
  rules: string[];
  protect: string[];
  onlyFrom: string[];
  keepN: number;
  /** Archive members may be keepers (`--keeper-in-archive`); absent when not. */
  keeperInArchive?: true;
}

/** A plan: what `nodupe plan` writes and `nodupe apply` consumes, schema `nodupe.plan/1`. */
export interface Plan {
  id: string;
  /** Wall-clock, ISO 8601. */
  createdAt: string;
  catalog: { id: string; location: string };
  algorithm: HashAlgorithm;
  /** Absent: every group holds byte-identical files. */
  basis?: SimilarBasis;
  policy: PolicyRecord;
  /** The action of the plan; every action names its own too (people may edit them one by one). */
  action: ActionOp;
  to?: string;
  groups: PlanGroup[];
}

export interface PlanSummary {
  groups: number;
  actions: number;
  /**
   * The size of the files acted on, once per inode: about what deletes and links free (apply counts blocks, up to what `df`
   * shows), and what quarantine and move only move: they free nothing.
   */
  bytes: number;
  irreversible: number;
}

/** What a person must know before applying a plan, in words: deletes are final, links share edits. */
export function planWarnings(plan: Plan): string[] {
  const ops = new Set(plan.groups.flatMap((g) => g.actions.map((a) => a.op)));
  const warnings: string[] = [];
  if (plan.basis !== undefined) {
    warnings.push(
      `this plan is made of near-duplicates (${plan.basis.detector}, at most ${plan.basis.maxDistance} ` +
        `${plan.basis.distanceUnit === 'bits' ? 'bits' : '(1 - Jaccard)'} apart): they are not byte-identical, so ` +
        'review every group; apply only quarantines or moves, each file checked against its own content at plan time',
    );
  }
  const inArchive = plan.groups.filter(
    (g) => g.keepers.some((k) => k.member !== undefined) && g.keepers.every((k) => k.member !== undefined),
  ).length;
  if (inArchive > 0) {
    warnings.push(
      `in ${inArchive} ${inArchive === 1 ? 'group' : 'groups'} the only copy kept is inside an archive ` +
        '(--keeper-in-archive): apply compares each file with it first, and the archive is then the last copy',
    );
  }
  if (ops.has('delete')) {
    warnings.push(
      'this plan deletes files: delete cannot be undone (apply asks for --yes or a confirmation first)',
    );
  }
  if (ops.has('hardlink') || ops.has('symlink')) {
    warnings.push(
      `this plan replaces copies by ${ops.has('hardlink') ? 'hard links' : 'symlinks'}${ops.has('hardlink') && ops.has('symlink') ? ' and symlinks' : ''}: ` +
        'a linked copy shares every future edit with its keeper (an edit through either name changes both); ' +
        'where the file system supports it (Btrfs, XFS), --action reflink frees the same space and keeps the copies independent',
    );
  }
  return warnings;
}

/**
 * The plan's bytes in words, by its action: "about 40 KiB to free", or "40 KiB to move to quarantine (nothing is
 * freed until ...)": quarantine and move never say free.
 */
export function describePlanBytes(action: ActionOp, bytes: number): string {
  switch (action) {
    case 'quarantine':
      return `${formatBytes(bytes)} to move to quarantine (nothing is freed until \`nodupe quarantine purge\`)`;
    case 'move':
      return `${formatBytes(bytes)} to move (nothing is freed)`;
    case 'delete':
    case 'hardlink':
    case 'symlink':
    case 'reflink':
      return `about ${formatBytes(bytes)} to free`;
    default: {
      const unknown: never = action;
      throw new Error(`unhandled action ${String(unknown)}`);
    }
  }
}

export function summarizePlan(plan: Plan): PlanSummary {
  let actions = 0;
  let bytes = 0;
  let irreversible = 0;
  for (const g of plan.groups) {
    // Paths of one inode free its bytes once.
    const inodes = new Set<string>();
    for (const a of g.actions) {
      actions++;
      if (a.op === 'delete') irreversible++;
      const key = `${a.expect.dev}:${a.expect.ino}`;
      if (!inodes.has(key)) bytes += a.expect.size;
      inodes.add(key);
    }
  }
  return { groups: plan.groups.length, actions, bytes, irreversible };
}
