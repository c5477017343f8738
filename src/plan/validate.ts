import { NodupeError } from '../core/errors.js';
import { displayPath, pathKey } from '../scan/paths.js';
import type { Plan } from './plan.js';

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
  plan.groups.forEach((group, g) => {
    const where = `group ${g + 1}`;
    if (group.keepers.length === 0) fail(`${where} has no keeper: every group must keep at least one file`);
    const keepers = new Set<string>();
    group.keepers.forEach((k, i) => {
      claim(k.path, `keeper ${i + 1} of ${where}`);
      keepers.add(pathKey(k.path));
      if (k.size !== group.size) fail(`keeper ${displayPath(k.path)} is not the size of ${where}`);
    });
    group.actions.forEach((a, i) => {
      claim(a.path, `action ${i + 1} of ${where}`);
      if (!keepers.has(pathKey(a.keeper))) {
        fail(
          `action ${i + 1} of ${where} (${displayPath(a.path)}) names ${displayPath(a.keeper)} as its keeper, which is not a keeper of that group`,
        );
      }
      if (a.expect.size !== group.size || a.expect.hash !== group.hash) {
        fail(`${displayPath(a.path)} lies outside ${where}: its size or hash is not the group's`);
      }
      if (a.op === 'move' && a.to === undefined) {
        fail(`action ${i + 1} of ${where} moves ${displayPath(a.path)} but says not where ("to")`);
      }
    });
  });
}
