import type { DuplicateGroup, PhysicalFile } from '../model/groups.js';
import { extensionMismatch } from './extensions.js';
import { typeMatchesAny, type TypeFilter } from './filter.js';

/**
 * A group's type: its content's, so any member's (they share their bytes). Members whose first bytes no scan
 * read (catalogued before types were, or their head came from such a row) have none; the first known one counts.
 */
export function groupType(group: DuplicateGroup): string | undefined {
  for (const file of group.files) if (file.type !== undefined) return file.type;
  return undefined;
}

/** The groups whose content's type matches one of the filters (all of them, when there are no filters). */
export function groupsOfTypes(groups: DuplicateGroup[], filters: readonly TypeFilter[]): DuplicateGroup[] {
  return filters.length === 0 ? groups : groups.filter((g) => typeMatchesAny(groupType(g), filters));
}

/** Whether a member's first path has an extension that promises another type than the group's content. */
export function fileMismatch(file: PhysicalFile, type: string | undefined): boolean {
  return extensionMismatch(file.paths[0]!, type);
}

/** Members of the groups whose first path's extension promises another type than their content has. */
export function countMismatches(groups: readonly DuplicateGroup[]): number {
  let n = 0;
  for (const group of groups) {
    const type = groupType(group);
    if (type === undefined) continue;
    for (const file of group.files) if (fileMismatch(file, type)) n++;
  }
  return n;
}
