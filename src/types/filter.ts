/**
 * `--type` filters: `image` or `image/*` (every type of that kind), or a full type such as `video/mp4`. A file
 * whose type is unknown (never detected, or no signature matched) matches no filter.
 */

/** The top-level MIME kinds a filter may name; anything else is a typo worth refusing. */
const KINDS = new Set(['application', 'audio', 'font', 'image', 'model', 'text', 'video']);

const TOKEN = /^[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/** A filter, normalized: its kind and, unless it takes the whole kind, its subtype. */
export interface TypeFilter {
  kind: string;
  subtype?: string;
}

/** Reads one filter; a string with what is wrong when it is not one. */
export function parseTypeFilter(text: string): TypeFilter | string {
  const lower = text.trim().toLowerCase();
  const slash = lower.indexOf('/');
  const kind = slash < 0 ? lower : lower.slice(0, slash);
  const subtype = slash < 0 ? '*' : lower.slice(slash + 1);
  if (!KINDS.has(kind)) {
    return `expected a type such as image, 'video/*' or application/pdf (kinds: ${[...KINDS].join(', ')}), received '${text}'`;
  }
  if (subtype === '*') return { kind };
  if (!TOKEN.test(subtype))
    return `expected a subtype after '${kind}/' such as '${kind}/*', received '${text}'`;
  return { kind, subtype };
}

/** Whether a detected type matches one filter. */
export function typeMatches(type: string | null | undefined, filter: TypeFilter | string): boolean {
  if (type === null || type === undefined) return false;
  const wanted = typeof filter === 'string' ? parseTypeFilter(filter) : filter;
  if (typeof wanted === 'string') return false;
  const slash = type.indexOf('/');
  if (type.slice(0, slash) !== wanted.kind) return false;
  return wanted.subtype === undefined || type.slice(slash + 1) === wanted.subtype;
}

/** Whether a detected type matches any of several filters (an empty list matches everything). */
export function typeMatchesAny(type: string | null | undefined, filters: readonly TypeFilter[]): boolean {
  return filters.length === 0 || filters.some((filter) => typeMatches(type, filter));
}
