import type { HashAlgorithm } from '../hash/algorithms.js';
import { identityOf } from '../model/identity.js';
import {
  memberPath,
  type ArchiveMemberRef,
  type DuplicateGroup,
  type PhysicalFile,
} from '../model/groups.js';
import { pathKey } from '../model/paths.js';
import { globMatcher } from '../scan/filters.js';
import {
  builtinRuleLookup,
  compilePolicy,
  type CompiledPolicy,
  type GlobMatcherOf,
  type RuleLookup,
} from './keepers.js';
import type { ActionOp, Plan, PlanGroup, PlannedKeeper } from './plan.js';
import { ruleText, type Policy } from './policy.js';

export interface PlanMeta {
  id: string;
  createdAt: string;
  catalog: { id: string; location: string };
  algorithm: HashAlgorithm;
}

/**
 * Turns duplicate groups into a plan: keepers chosen by the policy, one action per path of every other file.
 * Pure: the caller supplies the id, the time and the catalog. A group whose files are all kept (protected,
 * outside --only-from, or fewer than --keep-n) has nothing to do and is left out.
 *
 * With `policy.keeperInArchive`, a group that holds archive members keeps one of them (the first by its shown
 * path whose archive the plan leaves alone), and it counts as a copy kept: with --keep-n 1, every loose file not
 * protected is acted on. A member of an archive the plan acts on (a copy of another archive) is never a keeper: a
 * group with no other member keeps a loose file, as without the option.
 */
export function buildPlan(
  groups: readonly DuplicateGroup[],
  policy: Policy,
  action: { op: ActionOp; to?: string },
  meta: PlanMeta,
  rules: RuleLookup = builtinRuleLookup,
  matcherOf: GlobMatcherOf = globMatcher,
): Plan {
  const policyOf = compilePolicy(policy, rules, matcherOf);
  // An archive the plan acts on keeps nothing: each round plans every group, and the archives of member keepers
  // that some group acts on are left out of the next (which then acts on no more files than this one).
  const passed = new Set<string>();
  let planned: Map<DuplicateGroup, PlanGroup | undefined>;
  for (;;) {
    const eligible = (ref: ArchiveMemberRef) => !passed.has(pathKey(ref.archive));
    planned = new Map(
      groups.map((g) => [g, planGroup(g, policyOf, action, policy.keeperInArchive ? eligible : undefined)]),
    );
    const acted = new Set([...planned.values()].flatMap((g) => g?.actions.map((a) => pathKey(a.path)) ?? []));
    const clashes = [...planned.values()].flatMap(
      (g) => g?.keepers.filter((k) => k.member !== undefined && acted.has(pathKey(k.path))) ?? [],
    );
    if (clashes.length === 0) break;
    for (const k of clashes) passed.add(pathKey(k.path));
  }
  return {
    ...meta,
    policy: {
      rules: policy.rules.map(ruleText),
      protect: policy.protect,
      onlyFrom: policy.onlyFrom,
      keepN: policy.keepN,
      ...(policy.keeperInArchive ? { keeperInArchive: true as const } : {}),
    },
    action: action.op,
    ...(action.to === undefined ? {} : { to: action.to }),
    groups: groups.flatMap((g) => planned.get(g) ?? []),
  };
}

/**
 * One group's keepers and actions (undefined: nothing to do); `inArchive`: which archive members may be its keeper
 * (none when undefined).
 */
function planGroup(
  group: DuplicateGroup,
  policyOf: CompiledPolicy,
  action: { op: ActionOp; to?: string },
  inArchive: ((ref: ArchiveMemberRef) => boolean) | undefined,
): PlanGroup | undefined {
  const member = inArchive ? memberKeeper(group, inArchive) : undefined;
  const { keepers, others } = policyOf.choose(
    group,
    member && { shown: memberPath(member.ref), reason: member.keeper.reason },
  );
  if (others.length === 0) return undefined;
  const first = member?.keeper ?? { path: keepers[0]!.file.paths[0]!, member: undefined };
  return {
    size: group.size,
    hash: group.hash,
    keepers: [
      ...(member ? [member.keeper] : []),
      ...keepers.flatMap(({ file, reason }) =>
        file.paths.map((path, i) => keeperOf(file, path, i === 0 ? reason : 'hard link of a keeper')),
      ),
    ],
    actions: others.flatMap(({ file, reason }) =>
      file.paths.map((path) => ({
        op: action.op,
        path,
        keeper: first.path,
        ...(first.member === undefined ? {} : { keeperMember: first.member }),
        expect: { ...identityOf(file), hash: group.hash },
        reason,
        ...(action.to === undefined ? {} : { to: action.to }),
      })),
    ),
  };
}

const IN_ARCHIVE = 'inside an archive (--keeper-in-archive)';

/** The member a group keeps: the first by its shown path of a plain zip's (see `plainArchive`) the plan may keep. */
function memberKeeper(
  group: DuplicateGroup,
  eligible: (ref: ArchiveMemberRef) => boolean,
): { ref: ArchiveMemberRef; keeper: PlannedKeeper & { member: string } } | undefined {
  const ref = group.members?.find(
    (m) => !m.manifest && m.archiveIdentity !== undefined && m.archivePlain === true && eligible(m),
  );
  if (ref === undefined) return undefined;
  return {
    ref,
    keeper: { path: ref.archive, ...ref.archiveIdentity!, member: ref.member, reason: IN_ARCHIVE },
  };
}

function keeperOf(file: PhysicalFile, path: PhysicalFile['paths'][number], reason: string): PlannedKeeper {
  return { path, ...identityOf(file), reason };
}
