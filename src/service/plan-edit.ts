import { identityOf, type FileIdentity } from '../model/identity.js';
import { displayPath, toBytes, type FsPath } from '../model/paths.js';
import type { DuplicateGroup, PhysicalFile } from '../model/groups.js';
import { ACTION_OPS, type ActionOp, type Plan, type PlanGroup } from '../plan/plan.js';
import type { GroupKey, PlanEdit } from '../serve/protocol.js';
import { badInput, notFound } from './errors.js';
import { groupKey, type GroupIndex } from './group-index.js';
import { Params } from './params.js';
import { actionTo } from './policy-params.js';

/** One physical file of a plan's group, while its group is edited. */
interface Member {
  inode: string;
  paths: FsPath[];
  identity: FileIdentity;
  keep: boolean;
  reason: string;
  /** Its action, when it is not kept (a keeper's is the plan's, should it be unkept). */
  op: ActionOp;
  to: string | undefined;
  /** Set by hand in this edit: its reason is written anew. */
  byHand: boolean;
  /** The keeper its action was compared with before the edit. */
  keeper: string | undefined;
}

/** The edits of `plan.edit`, checked. */
export function readEdits(params: Params): PlanEdit[] {
  const edits = params.array('edits', EDIT_LIMITS.maxEdits, readEdit);
  // An edit of the whole plan walks every member: one a batch is all the page sends.
  if (edits.filter(editsWholePlan).length > EDIT_LIMITS.maxWholePlanEdits) {
    throw badInput(
      `plan.edit: edits: at most ${EDIT_LIMITS.maxWholePlanEdits} edit of the whole plan (invert without a group, ` +
        'action without a file) in one batch',
    );
  }
  return edits;
}

/** What one batch of `plan.edit` may hold: each edit is checked and applied in one step of the service. */
export const EDIT_LIMITS = { maxEdits: 1000, maxWholePlanEdits: 1 } as const;

const editsWholePlan = (e: PlanEdit): boolean =>
  (e.op === 'invert' && e.group === undefined) || (e.op === 'action' && e.file === undefined);

function readEdit(value: unknown, where: string): PlanEdit {
  const kind = new Params(where, value, ['op', 'file', 'group', 'action', 'to']).optionalChoice('op', [
    'keep',
    'unkeep',
    'ignore',
    'invert',
    'action',
  ]);
  switch (kind) {
    case 'keep':
    case 'unkeep': {
      const p = new Params(where, value, ['op', 'file']);
      return { op: kind, file: p.integer('file', 0) };
    }
    case 'ignore': {
      const p = new Params(where, value, ['op', 'group']);
      return { op: kind, group: p.string('group') };
    }
    case 'invert': {
      const p = new Params(where, value, ['op', 'group']);
      const group = p.optionalString('group');
      return { op: kind, ...(group === undefined ? {} : { group }) };
    }
    case 'action': {
      const p = new Params(where, value, ['op', 'action', 'to', 'file']);
      const action = p.optionalChoice('action', ACTION_OPS);
      if (action === undefined) throw badInput(`${where}: action: expected one of ${ACTION_OPS.join(', ')}`);
      const to = p.optionalString('to');
      const file = p.optionalInteger('file', 0);
      return {
        op: kind,
        action,
        ...(to === undefined ? {} : { to }),
        ...(file === undefined ? {} : { file }),
      };
    }
    default:
      throw badInput(`${where}: op: expected one of keep, unkeep, ignore, invert, action`);
  }
}

/**
 * Applies edits to a plan, all or none: every group keeps at least one file, a protected file (or one outside
 * --only-from) is never acted on, and the group of a file is the plan's. Returns the edited plan (to be checked by
 * `readPlan` as a whole) and the groups marked "not duplicates" on the way.
 */
export function editPlan(
  plan: Plan,
  edits: readonly PlanEdit[],
  index: GroupIndex,
): { plan: Plan; ignored: GroupKey[] } {
  // The page edits loose files only: a keeper inside an archive (`plan --keeper-in-archive`) is none of them.
  if (plan.groups.some((g) => g.keepers.some((k) => k.member !== undefined))) {
    throw badInput(
      'this plan keeps copies inside archives (`nodupe plan --keeper-in-archive`), which the page cannot edit',
      'edit the plan file, or make it again with `nodupe plan`',
    );
  }
  const groups = new Map<GroupKey, Member[]>(
    plan.groups.map((g) => [groupKey(g.size, g.hash), membersOf(g)]),
  );
  const sizes = new Map<GroupKey, { size: number; hash: string }>(
    plan.groups.map((g) => [groupKey(g.size, g.hash), { size: g.size, hash: g.hash }]),
  );
  const ignored: GroupKey[] = [];
  let action = plan.action;
  let to = plan.to;
  const forced = forcedKeeper(plan.policy);

  // A group's files are read from the catalog once per batch, whatever the number of edits to it.
  const read = new Map<GroupKey, { group: DuplicateGroup; byId: Map<number, PhysicalFile> }>();
  const fileOf = (id: number) => {
    const entry = index.entryOfRow(id);
    if (entry === undefined) return undefined;
    let known = read.get(entry.key);
    if (!known) {
      const group = index.group(entry);
      known = { group, byId: new Map(group.files.map((f) => [f.id, f])) };
      read.set(entry.key, known);
    }
    const file = known.byId.get(id);
    return file === undefined ? undefined : { entry, group: known.group, file };
  };
  const byInode = new Map<GroupKey, Map<string, Member>>();

  /** The members of a file's group (a group the plan left out, where all were kept, is taken from the catalog). */
  const find = (id: number, where: string): { key: GroupKey; members: Member[]; member: Member } => {
    const found = fileOf(id);
    if (!found) throw notFound(`${where}: there is no file ${id} in any group`);
    const key = found.entry.key;
    if (ignored.includes(key) || (!groups.has(key) && index.isIgnored(key))) {
      throw badInput(`${where}: file ${id} is in a group marked "not duplicates"`, 'unmark the group first');
    }
    let members = groups.get(key);
    if (!members) {
      members = found.group.files.map((f) => keptFromCatalog(f, action, to));
      groups.set(key, members);
      sizes.set(key, { size: found.group.size, hash: found.group.hash });
    }
    let inodes = byInode.get(key);
    if (!inodes) byInode.set(key, (inodes = new Map(members.map((m) => [m.inode, m]))));
    const member = inodes.get(`${found.file.dev}:${found.file.ino}`);
    if (!member) {
      throw badInput(
        `${where}: file ${id} is not the file this plan saw (the catalog changed since the plan was made)`,
        'build the plan again',
      );
    }
    return { key, members, member };
  };

  const keepers = (members: Member[]) => members.filter((m) => m.keep).length;

  edits.forEach((edit, i) => {
    const where = `plan.edit: edits[${i}]`;
    switch (edit.op) {
      case 'keep': {
        const { member } = find(edit.file, where);
        if (!member.keep) Object.assign(member, { keep: true, reason: 'kept by hand', byHand: true });
        break;
      }
      case 'unkeep': {
        const { members, member } = find(edit.file, where);
        if (!member.keep) break;
        const why = forced(member.paths);
        if (why !== undefined)
          throw badInput(`${where}: ${displayPath(member.paths[0]!)} is ${why}: it is never acted on`);
        if (keepers(members) === 1) {
          throw badInput(
            `${where}: ${displayPath(member.paths[0]!)} is the last keeper of its group: every group keeps at least one file`,
            'keep another file of the group first',
          );
        }
        Object.assign(member, { keep: false, op: action, to, reason: 'marked by hand', byHand: true });
        break;
      }
      case 'ignore': {
        if (!index.get(edit.group)) throw notFound(`${where}: there is no group ${edit.group}`);
        groups.delete(edit.group);
        ignored.push(edit.group);
        break;
      }
      case 'invert': {
        const keys = edit.group === undefined ? [...groups.keys()] : [edit.group];
        for (const key of keys) {
          const members = groups.get(key);
          if (!members) throw notFound(`${where}: group ${key} is not in the plan`);
          for (const m of members) {
            if (forced(m.paths) !== undefined) continue;
            if (m.keep)
              Object.assign(m, { keep: false, op: action, to, reason: 'marked by hand (inverted)' });
            else Object.assign(m, { keep: true, reason: 'kept by hand (inverted)' });
            m.byHand = true;
          }
          if (keepers(members) === 0) {
            throw badInput(
              `${where}: inverting group ${key} would leave it no keeper`,
              'keep a file of it first',
            );
          }
        }
        break;
      }
      case 'action': {
        const target = actionTo(where, edit.action, edit.to ?? (edit.action === 'move' ? to : undefined));
        if (edit.file === undefined) {
          action = edit.action;
          to = target.to;
          for (const members of groups.values()) {
            for (const m of members) Object.assign(m, { op: action, to });
          }
        } else {
          const { member } = find(edit.file, where);
          if (member.keep) throw badInput(`${where}: file ${edit.file} is a keeper`, 'unkeep it first');
          Object.assign(member, { op: edit.action, to: target.to });
        }
        break;
      }
      default: {
        const unknown: never = edit;
        throw new Error(`unhandled edit ${JSON.stringify(unknown)}`);
      }
    }
  });

  const planned: PlanGroup[] = [];
  for (const [key, members] of groups) {
    const group = rebuild(sizes.get(key)!, members);
    if (group.actions.length > 0) planned.push(group);
  }
  const edited: Plan = { ...plan, action, groups: planned };
  delete edited.to;
  if (to !== undefined) edited.to = to;
  return { plan: edited, ignored };
}

function membersOf(group: PlanGroup): Member[] {
  const byInode = new Map<string, Member>();
  for (const k of group.keepers) {
    const inode = `${k.dev}:${k.ino}`;
    const m = byInode.get(inode);
    if (m) m.paths.push(k.path);
    else
      byInode.set(inode, {
        inode,
        paths: [k.path],
        identity: identityOf(k),
        keep: true,
        reason: k.reason,
        op: 'quarantine',
        to: undefined,
        byHand: false,
        keeper: undefined,
      });
  }
  for (const a of group.actions) {
    const inode = `${a.expect.dev}:${a.expect.ino}`;
    const m = byInode.get(inode);
    if (m) m.paths.push(a.path);
    else
      byInode.set(inode, {
        inode,
        paths: [a.path],
        identity: identityOf(a.expect),
        keep: false,
        reason: a.reason,
        op: a.op,
        to: a.to,
        byHand: false,
        keeper: displayPath(a.keeper),
      });
  }
  return [...byInode.values()];
}

function keptFromCatalog(file: PhysicalFile, op: ActionOp, to: string | undefined): Member {
  return {
    inode: `${file.dev}:${file.ino}`,
    paths: [...file.paths],
    identity: identityOf(file),
    keep: true,
    reason: 'kept: the policy acted on no copy of this group',
    op,
    to,
    byHand: false,
    keeper: undefined,
  };
}

/** The plan's group again from its members: keepers first (every path), then one action per path of the others. */
function rebuild(group: { size: number; hash: string }, members: Member[]): PlanGroup {
  const kept = members.filter((m) => m.keep);
  const first = kept[0]!;
  const keeper = first.paths[0]!;
  return {
    size: group.size,
    hash: group.hash,
    keepers: kept.flatMap((m) =>
      m.paths.map((path, i) => ({
        path,
        ...m.identity,
        reason: i === 0 ? m.reason : 'hard link of a keeper',
      })),
    ),
    actions: members
      .filter((m) => !m.keep)
      .flatMap((m) =>
        m.paths.map((path) => ({
          op: m.op,
          path,
          keeper,
          expect: { ...m.identity, hash: group.hash },
          reason:
            !m.byHand && m.keeper === displayPath(keeper)
              ? m.reason
              : `${m.byHand ? `${m.reason}; ` : ''}duplicate of ${displayPath(keeper)} (kept: ${first.reason})`,
          ...(m.op === 'move' && m.to !== undefined ? { to: m.to } : {}),
        })),
      ),
  };
}

/** Why a file can never be acted on under the plan's policy (protected, outside --only-from), or undefined. */
export function forcedKeeper(policy: Plan['policy']): (paths: readonly FsPath[]) => string | undefined {
  const under = (folder: string) => {
    const base = Buffer.from(folder.endsWith('/') ? folder : `${folder}/`);
    return (path: FsPath) => {
      const bytes = toBytes(path);
      return bytes.length >= base.length && bytes.subarray(0, base.length).equals(base);
    };
  };
  const protect = policy.protect.map(under);
  const onlyFrom = policy.onlyFrom.map(under);
  return (paths) => {
    if (paths.some((p) => protect.some((t) => t(p)))) return 'protected (a reference folder)';
    if (onlyFrom.length > 0 && !paths.every((p) => onlyFrom.some((t) => t(p))))
      return 'outside the only-from folders';
    return undefined;
  };
}
