import { NodupeError } from '../core/errors.js';

/**
 * What a glob may be. A glob comes from the user, also over `nodupe serve`, and is matched against every path of
 * the catalog: these bounds, with a matcher that never backtracks more than one wildcard, keep that work in
 * proportion to the length of its alternatives together (at most `maxExpandedLength`) times the path's.
 */
export const GLOB_LIMITS = {
  /** Characters of a glob. */
  maxLength: 1024,
  /** `*` and `**` of a glob, after runs are collapsed, in each of its brace alternatives. */
  maxWildcards: 32,
  /** Alternatives a glob's braces expand to: `{jpg,png}` is 2, `{a,b}{c,d}` is 4. */
  maxAlternatives: 64,
  /**
   * Characters of all a glob's brace alternatives together: each is matched on its own, so this, not the glob's
   * length, is what a path's match costs. `{jpg,png}.*` is 10 (`jpg.*`, `png.*`).
   */
  maxExpandedLength: 1024,
} as const;

/** One character: itself, any (`?`), or one of a set (`[a-z]`, `[!._]`). */
type CharTest =
  { kind: 'char'; code: number } | { kind: 'any' } | { kind: 'set'; negated: boolean; ranges: number[] };
/** A path segment's pattern: characters and `*` (any run of characters but `/`). */
type SegmentPattern = (CharTest | { kind: 'star' })[];
/** `**` alone in a segment: any number of whole segments, none included. */
const GLOBSTAR = 'globstar';
type Segment = SegmentPattern | typeof GLOBSTAR;

/**
 * The glob's simplest spelling: a run of `*` is `**`, two `**` segments in a row are one, a leading `./` is
 * dropped. It matches the same paths; a hostile glob made of runs shrinks.
 */
export function normalizeGlob(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\') {
      out += glob.slice(i, i + 2);
      i++;
    } else if (c === '*') {
      let end = i;
      while (glob[end + 1] === '*') end++;
      out += end > i ? '**' : '*';
      i = end;
    } else out += c;
  }
  const segments = out.split('/').filter((s, i, all) => !(s === '**' && all[i - 1] === '**'));
  if (segments.length > 1 && segments[0] === '.') segments.shift();
  return segments.join('/');
}

/**
 * Compiles a glob, or refuses it as BAD_INPUT when it is out of bounds (GLOB_LIMITS). `*` matches any run of
 * characters but `/`, `**` alone in a segment any number of segments, `?` one character, `[abc]`, `[a-z]` and
 * `[!abc]` one of (not of) a set, `{a,b}` either, `\` escapes. Nothing else is special: `+(a|b)` is those
 * characters. Each brace alternative without a `/` is matched against the last segment of a path (a name
 * anywhere), one with a `/` against the whole path: `{*.tmp,cache/**}` is `*.tmp` or `cache/**`.
 */
export function compileGlob(glob: string): (path: string) => boolean {
  const alternatives = alternativesOf(glob);
  const byPath: Segment[][] = [];
  const byName: Segment[][] = [];
  for (const alternative of alternatives) {
    const segments = parseSegments(alternative.text);
    const wildcards = segments.reduce(
      (n, s) => n + (s === GLOBSTAR ? 1 : s.filter((t) => t.kind === 'star').length),
      0,
    );
    if (wildcards > GLOB_LIMITS.maxWildcards) {
      refuse(glob, `more than ${GLOB_LIMITS.maxWildcards} wildcards (*, **) in one alternative`);
    }
    (alternative.byPath ? byPath : byName).push(segments);
  }
  return (path) => {
    if (byPath.length > 0) {
      const parts = path.split('/');
      if (byPath.some((segments) => matchPath(segments, parts))) return true;
    }
    if (byName.length === 0) return false;
    const name = [path.slice(path.lastIndexOf('/') + 1)];
    return byName.some((segments) => matchPath(segments, name));
  };
}

/**
 * What matching `glob` costs per character of a path: the characters of its brace alternatives together (each is
 * matched on its own). Refuses it as `compileGlob` does when out of bounds.
 */
export function globCost(glob: string): number {
  return alternativesOf(glob).reduce((n, a) => n + a.text.length, 0);
}

/** The glob's brace alternatives, simplified, each matched by name or by path; refused when out of bounds. */
function alternativesOf(glob: string): { text: string; byPath: boolean }[] {
  if (glob.length > GLOB_LIMITS.maxLength) {
    refuse(glob, `longer than ${GLOB_LIMITS.maxLength} characters (${glob.length})`);
  }
  // Expanded as written, so that `./*.jpg` keeps the slash that makes it a path glob; matched simplified.
  const alternatives = expandBraces(glob, glob).map((text) => {
    const simple = normalizeGlob(text);
    // `**/NAME` is NAME matched against the last segment: the same paths, without walking the others.
    const name = simple.startsWith('**/') ? simple.slice(3) : undefined;
    return name !== undefined && !name.includes('/')
      ? { text: name, byPath: false }
      : { text: simple, byPath: text.includes('/') };
  });
  const expandedLength = alternatives.reduce((n, a) => n + a.text.length, 0);
  if (expandedLength > GLOB_LIMITS.maxExpandedLength) {
    refuse(
      glob,
      `its braces expand to more than ${GLOB_LIMITS.maxExpandedLength} characters (${expandedLength}), ` +
        'and each alternative is matched on its own',
    );
  }
  return alternatives;
}

/** Throws the BAD_INPUT error of a refused glob. Also for checking a glob before it is kept (a policy rule). */
export function checkGlob(glob: string): string {
  compileGlob(glob);
  return glob;
}

function refuse(glob: string, why: string): never {
  const shown = glob.length > 60 ? `${glob.slice(0, 60)}…` : glob;
  throw new NodupeError('BAD_INPUT', `the glob ${JSON.stringify(shown)} is refused: ${why}`, {
    hint: 'use a shorter glob with fewer wildcards, or several globs',
  });
}

/** `{a,b}` written out, nested ones too; a brace without a comma, or unclosed, is itself. */
function expandBraces(text: string, glob: string): string[] {
  const brace = findBrace(text);
  if (!brace) return [text];
  const head = text.slice(0, brace.open);
  const tails = expandBraces(text.slice(brace.close + 1), glob);
  const out: string[] = [];
  for (const part of brace.parts) {
    for (const middle of expandBraces(part, glob)) {
      for (const tail of tails) {
        out.push(head + middle + tail);
        if (out.length > GLOB_LIMITS.maxAlternatives) {
          refuse(glob, `its braces expand to more than ${GLOB_LIMITS.maxAlternatives} alternatives`);
        }
      }
    }
  }
  return out;
}

function findBrace(text: string): { open: number; close: number; parts: string[] } | undefined {
  for (let open = 0; open < text.length; open++) {
    if (text[open] === '\\') open++;
    else if (text[open] === '{') {
      const parts: string[] = [];
      let depth = 0;
      let start = open + 1;
      for (let i = open + 1; i < text.length; i++) {
        const c = text[i];
        if (c === '\\') i++;
        else if (c === '{') depth++;
        else if (c === ',' && depth === 0) {
          parts.push(text.slice(start, i));
          start = i + 1;
        } else if (c === '}' && depth-- === 0) {
          if (parts.length === 0) break;
          parts.push(text.slice(start, i));
          return { open, close: i, parts };
        }
      }
    }
  }
  return undefined;
}

function parseSegments(glob: string): Segment[] {
  const segments: Segment[] = [];
  let current: SegmentPattern = [];
  let start = 0;
  let set: ReturnType<typeof parseSet>;
  const close = (end: number) => {
    // `**` alone in a segment crosses segments; elsewhere (`a**b`) it is `*`.
    segments.push(glob.slice(start, end) === '**' ? GLOBSTAR : current);
    current = [];
    start = end + 1;
  };
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '/') close(i);
    else if (c === '*') {
      if (glob[i + 1] === '*') i++;
      current.push({ kind: 'star' });
    } else if (c === '?') current.push({ kind: 'any' });
    else if (c === '[' && (set = parseSet(glob, i))) {
      current.push(set.test);
      i = set.end;
    } else if (c === '\\' && i + 1 < glob.length) {
      current.push({ kind: 'char', code: glob.charCodeAt(++i) });
    } else current.push({ kind: 'char', code: c.charCodeAt(0) });
  }
  close(glob.length);
  return segments;
}

/** `[...]` from `at`: its test and where it ends, or undefined when it does not close within the segment. */
function parseSet(glob: string, at: number): { test: CharTest; end: number } | undefined {
  let i = at + 1;
  const negated = glob[i] === '!' || glob[i] === '^';
  if (negated) i++;
  const ranges: number[] = [];
  for (let first = true; i < glob.length; first = false, i++) {
    let c = glob[i]!;
    if (c === '/') return undefined;
    if (c === ']' && !first) return { test: { kind: 'set', negated, ranges }, end: i };
    if (c === '\\' && i + 1 < glob.length) c = glob[++i]!;
    const low = c.charCodeAt(0);
    let high = low;
    if (glob[i + 1] === '-' && i + 2 < glob.length && glob[i + 2] !== ']') {
      i += 2;
      if (glob[i] === '\\' && i + 1 < glob.length) i++;
      high = glob.charCodeAt(i);
    }
    ranges.push(low, high);
  }
  return undefined;
}

function matchesChar(test: CharTest, code: number): boolean {
  switch (test.kind) {
    case 'char':
      return test.code === code;
    case 'any':
      return true;
    case 'set': {
      let inside = false;
      for (let r = 0; r < test.ranges.length && !inside; r += 2) {
        inside = code >= test.ranges[r]! && code <= test.ranges[r + 1]!;
      }
      return inside !== test.negated;
    }
  }
}

/**
 * One segment against its pattern. Every test but `*` takes exactly one character, so on a mismatch only the
 * latest `*` needs to take one more (never an earlier one): at most pattern × name steps, never exponential.
 */
function matchSegment(pattern: SegmentPattern, name: string): boolean {
  // As picomatch: `*` does not match an empty segment (the one before the `/` of an absolute path).
  if (name === '') return pattern.length === 0;
  let p = 0;
  let i = 0;
  let star = -1;
  let starAt = 0;
  while (i < name.length) {
    const test = pattern[p];
    if (test?.kind === 'star') {
      star = p++;
      starAt = i;
      continue;
    }
    if (test !== undefined && matchesChar(test, name.charCodeAt(i))) {
      p++;
      i++;
    } else if (star >= 0) {
      p = star + 1;
      i = ++starAt;
    } else return false;
  }
  while (pattern[p]?.kind === 'star') p++;
  return p === pattern.length;
}

/** The same walk one level up: a `**` takes whole segments, every other segment exactly one. */
function matchPath(segments: Segment[], parts: string[]): boolean {
  let s = 0;
  let i = 0;
  let star = -1;
  let starAt = 0;
  while (i < parts.length) {
    const segment = segments[s];
    if (segment === GLOBSTAR) {
      star = s++;
      starAt = i;
      continue;
    }
    if (segment !== undefined && matchSegment(segment, parts[i]!)) {
      s++;
      i++;
    } else if (star >= 0) {
      s = star + 1;
      i = ++starAt;
    } else return false;
  }
  while (segments[s] === GLOBSTAR) s++;
  return s === segments.length;
}
