import { printableName } from '../core/printable.js';
import { NodupeError } from '../core/errors.js';
import { displayPath, pathKey, toBytes, type FsPath } from '../model/paths.js';
import {
  isMemberKeeperOp,
  isSimilarOp,
  MEMBER_KEEPER_REASON,
  SIMILAR_OPS_REASON,
  type Plan,
} from './plan.js';

/** The key of a keeper among a group's keepers: its path, and its member when it is one. */
export function keeperKey(path: FsPath, member: string | undefined): string {
  return member === undefined ? pathKey(path) : `${pathKey(path)}\0!/${member}`;
}

/**
 * The rules of a plan that its JSON Schema cannot express. People edit plans; apply carries out only a plan
 * that passes every one, and names the first that fails.
 */
export function validatePlan(plan: Plan, source: string): void {
  const fail = (message: string): never => {
    throw new NodupeError('BAD_INPUT', `${source}: ${message}`);
  };
  const seen = new Map<string, string>();
  const claim = (path: Plan['groups'][number]['keepers'][number]['path'], role: string) => {
    const key = pathKey(path);
    const before = seen.get(key);
    if (before !== undefined) {
      fail(
        before.startsWith('keeper') && role.startsWith('action')
          ? `${displayPath(path)} is a keeper (${before}) and also marked for action (${role})`
          : `${displayPath(path)} appears twice (${before} and ${role})`,
      );
    }
    seen.set(key, role);
  };
  const plain = (path: FsPath, role: string) => {
    const problem = unsafePath(path);
    if (problem !== undefined) fail(`${role} ${JSON.stringify(displayPath(path))} ${problem}`);
  };
  if (plan.to !== undefined) plain(plan.to, 'the plan\'s "to"');
  const similar = similarRefusal(plan);
  if (similar !== undefined) fail(similar);
  // The archives that hold a keeper: the plan may act on none of them.
  const archives = new Map<string, string>();
  plan.groups.forEach((group, g) => {
    const where = `group ${g + 1}`;
    if (group.keepers.length === 0) fail(`${where} has no keeper: every group must keep at least one file`);
    const keepers = new Set<string>();
    group.keepers.forEach((k, i) => {
      const role = `keeper ${i + 1} of ${where}`;
      plain(k.path, role);
      if (k.member === undefined) {
        claim(k.path, role);
        if (k.size !== group.size) fail(`keeper ${displayPath(k.path)} is not the size of ${where}`);
      } else {
        if (plan.basis !== undefined)
          fail(`${role} is inside an archive, which a plan of near-duplicates never keeps`);
        if (keepers.has(keeperKey(k.path, k.member))) fail(`${role} appears twice in ${where}`);
        archives.set(pathKey(k.path), role);
      }
      keepers.add(keeperKey(k.path, k.member));
    });
    group.actions.forEach((a, i) => {
      plain(a.path, `action ${i + 1} of ${where}`);
      plain(a.keeper, `the keeper of action ${i + 1} of ${where}`);
      if (a.to !== undefined) plain(a.to, `the "to" of action ${i + 1} of ${where}`);
      claim(a.path, `action ${i + 1} of ${where}`);
      if (!keepers.has(keeperKey(a.keeper, a.keeperMember))) {
        const named =
          a.keeperMember === undefined
            ? displayPath(a.keeper)
            : `${displayPath(a.keeper)}!/${printableName(a.keeperMember)}`;
        fail(
          `action ${i + 1} of ${where} (${displayPath(a.path)}) names ${named} as its keeper, which is not a keeper of that group`,
        );
      }
      if (a.keeperMember !== undefined && !isMemberKeeperOp(a.op)) {
        fail(`action ${i + 1} of ${where} would ${a.op} ${displayPath(a.path)}: ${MEMBER_KEEPER_REASON}`);
      }
      // Near-duplicates differ: each is held to its own content (see similarRefusal), not the group's.
      if (plan.basis === undefined && (a.expect.size !== group.size || a.expect.hash !== group.hash)) {
        fail(`${displayPath(a.path)} lies outside ${where}: its size or hash is not the group's`);
      }
      if (a.op === 'move' && a.to === undefined) {
        fail(`action ${i + 1} of ${where} moves ${displayPath(a.path)} but says not where ("to")`);
      }
    });
  });
  for (const group of plan.groups) {
    for (const a of group.actions) {
      const holder = archives.get(pathKey(a.path));
      if (holder !== undefined) {
        fail(`${displayPath(a.path)} holds a keeper (${holder}) and is also marked for action`);
      }
    }
  }
}

/**
 * Why a plan of near-duplicates (`basis` "similar") may not be carried out, or undefined: its action and every
 * action's must be quarantine or move, and each must carry the file's own content hash (apply proves the file by
 * it, as its bytes cannot be compared with the keeper's). Apply asks again of the plan it is given.
 */
export function similarRefusal(plan: Plan): string | undefined {
  if (plan.basis === undefined) return undefined;
  const words = `this plan is made of near-duplicates ("basis": "similar")`;
  if (!isSimilarOp(plan.action)) return `${words} and its action is ${plan.action}: ${SIMILAR_OPS_REASON}`;
  for (const [g, group] of plan.groups.entries()) {
    for (const [i, a] of group.actions.entries()) {
      const where = `action ${i + 1} of group ${g + 1} (${displayPath(a.path)})`;
      if (!isSimilarOp(a.op)) return `${where} would ${a.op} it, but ${words}: ${SIMILAR_OPS_REASON}`;
      if (a.expect.hash === '') {
        return `${where} has no content hash of its own: in a plan of near-duplicates each file is checked against its own content`;
      }
    }
  }
  return undefined;
}

/**
 * Why a path of a plan is not one apply may act on, or undefined: it must be absolute and plain (no `.` or `..`
 * component, no `//`, no trailing slash, no NUL byte), so that every place apply derives from it (quarantine,
 * move destination, the names beside it) stays where it says.
 */
export function unsafePath(path: FsPath): string | undefined {
  const bytes = toBytes(path);
  if (bytes[0] !== 0x2f) return 'is not absolute';
  if (bytes.includes(0)) return 'holds a NUL byte';
  if (bytes.length === 1) return 'is the root folder';
  if (bytes[bytes.length - 1] === 0x2f) return 'ends with a slash';
  for (const name of bytes.subarray(1).toString('latin1').split('/')) {
    if (name === '') return 'has an empty component (//)';
    if (name === '.' || name === '..') return `has a "${name}" component: plans name plain absolute paths`;
  }
  return undefined;
}
