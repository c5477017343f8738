import type { PlainFilters } from '../model/walk-task.js';
import { compileGlob } from './glob.js';

export interface FilterOptions extends PlainFilters {
  /** Each glob of `exclude` and `include` that matched a path is added here: a glob left out matched nothing. */
  matched?: Set<string>;
}

/**
 * The filters of one scan, compiled once. A glob without a slash matches a name anywhere (`*.tmp`,
 * `node_modules`); one with a slash matches the path relative to its root (`photos/2019/**`).
 */
export interface Filters {
  /** Whether any glob needs the relative path; when not, the walker never builds one. */
  readonly needsRelative: boolean;
  skipDir(name: string, relative: string): boolean;
  /** By name and path alone, before the file is even stat'ed. */
  skipFile(name: string, relative: string): boolean;
  skipSize(size: number): boolean;
}

export function compileFilters(options: FilterOptions): Filters {
  const exclude = matcher(options.exclude, options.matched);
  const include = matcher(options.include, options.matched);
  const hidden = options.hidden ?? true;
  const min = options.minSize ?? 0;
  const max = options.maxSize ?? Infinity;
  return {
    needsRelative: exclude !== undefined || include !== undefined,
    // Quarantine folders at the top of a file system (see apply) hold nodupe's copies, never the user's files.
    skipDir: (name, relative) =>
      isQuarantineName(name) || (!hidden && name.startsWith('.')) || (exclude?.(relative) ?? false),
    skipFile: (name, relative) =>
      (!hidden && name.startsWith('.')) ||
      (exclude?.(relative) ?? false) ||
      (include !== undefined && !include(relative)),
    skipSize: (size) => size < min || size > max,
  };
}

function matcher(
  globs: readonly string[] | undefined,
  matched: Set<string> | undefined,
): ((relative: string) => boolean) | undefined {
  if (!globs || globs.length === 0) return undefined;
  const any = globMatcher(globs);
  if (!matched) return any;
  // Which glob matched is asked only on a match, and only of the globs that have not matched yet.
  let pending = globs.map((glob) => ({ glob, matches: globMatcher(glob) }));
  return (relative) => {
    if (!any(relative)) return false;
    if (pending.length > 0) {
      pending = pending.filter((p) => {
        if (!p.matches(relative)) return true;
        matched.add(p.glob);
        return false;
      });
    }
    return true;
  };
}

/**
 * One matcher for globs: one without a slash matches a name anywhere, one with a slash the whole path (decided
 * for each brace alternative, see `compileGlob`). A glob out of bounds is refused as BAD_INPUT.
 */
export function globMatcher(globs: string | readonly string[]): (path: string) => boolean {
  const tests = (typeof globs === 'string' ? [globs] : globs).map((g) => compileGlob(g));
  return (path) => tests.some((matches) => matches(path));
}

/** `.nodupe-quarantine`, or a user's own `.nodupe-quarantine-UID` beside it on a shared file system. */
export function isQuarantineName(name: string): boolean {
  return name === '.nodupe-quarantine' || /^\.nodupe-quarantine-\d+$/.test(name);
}
