import { globMatcher } from '../scan/filters.js';
import { comparePaths, displayPath } from '../model/paths.js';
import type { DuplicateGroup, PhysicalFile } from '../model/groups.js';
import type { FileKind, GroupKey, GroupSort, GroupSummary, GroupsResult } from '../serve/protocol.js';
import { badInput } from './errors.js';
import { kindOf } from './kinds.js';
import { pathView } from './path-view.js';

/** One group as the index keeps it: its summary (but whether it is ignored), the group, its paths as text. */
export interface IndexedGroup {
  /** Its place in the reclaimable order (the index's own numbering). */
  ordinal: number;
  key: GroupKey;
  group: DuplicateGroup;
  summary: Omit<GroupSummary, 'ignored'>;
  texts: string[];
}

/** What a `groups` request asks for, checked. */
export interface GroupQuery {
  cursor: string | undefined;
  limit: number;
  sort: GroupSort;
  order: 'asc' | 'desc';
  path: string | undefined;
  minSize: number | undefined;
  maxSize: number | undefined;
  kind: FileKind | undefined;
  includeIgnored: boolean;
}

interface Cursor {
  /** The index's epoch and generation, the query it belongs to, where the next page starts, matches before it. */
  e: string;
  g: number;
  q: string;
  at: number;
  n: number;
}

/** What one set of filters matches: its totals, and per group (by ordinal) whether it matches. */
interface Filtered {
  total: number;
  reclaimable: number;
  matches: Uint8Array;
}

/** Filters kept per generation: a few queries' worth (a byte per group each). */
const FILTERS_KEPT = 64;

export const groupKey = (size: number, hash: string): GroupKey => `${size}:${hash}`;

/**
 * The catalog's groups for one catalog state, ready to page: each sort order is made once (the first time it is
 * asked for), and each set of filters is tested once against every group (its totals and which groups match,
 * a byte per group); a page then costs what it shows, whatever the filters. A cursor names the state it was made
 * in (`epoch`, `generation`); one from another state is refused.
 */
export class GroupIndex {
  readonly #epoch: string;
  #generation: number;
  readonly #ignored: Set<GroupKey>;
  readonly #byKey = new Map<GroupKey, IndexedGroup>();
  readonly #files = new Map<number, { entry: IndexedGroup; file: PhysicalFile }>();
  /** The groups in the report's order: reclaimable bytes first. */
  readonly #base: IndexedGroup[];
  readonly #views = new Map<string, IndexedGroup[]>();
  readonly #filtered = new Map<string, Filtered>();

  constructor(
    groups: readonly DuplicateGroup[],
    ignored: Iterable<GroupKey>,
    epoch: string,
    generation: number,
  ) {
    this.#epoch = epoch;
    this.#generation = generation;
    this.#ignored = new Set(ignored);
    this.#base = groups.map((group, ordinal) => {
      const first = group.files[0]!.paths[0]!;
      const key = groupKey(group.size, group.hash);
      const entry: IndexedGroup = {
        ordinal,
        key,
        group,
        texts: group.files.flatMap((f) => f.paths.map(displayPath)),
        summary: {
          key,
          size: group.size,
          hash: group.hash,
          files: group.files.length,
          paths: group.files.reduce((n, f) => n + f.paths.length, 0),
          reclaimable: group.size * (group.files.length - 1),
          first: pathView(first),
          kind: kindOf(first),
        },
      };
      this.#byKey.set(key, entry);
      for (const file of group.files) this.#files.set(file.id, { entry, file });
      return entry;
    });
  }

  get generation(): number {
    return this.#generation;
  }

  get(key: GroupKey): IndexedGroup | undefined {
    return this.#byKey.get(key);
  }

  file(id: number): { entry: IndexedGroup; file: PhysicalFile } | undefined {
    return this.#files.get(id);
  }

  isIgnored(key: GroupKey): boolean {
    return this.#ignored.has(key);
  }

  /** Every group, in reclaimable order. */
  all(): readonly IndexedGroup[] {
    return this.#base;
  }

  /** Marks or unmarks a group "not duplicates": a new generation (cursors and totals of the old one go). */
  setIgnored(key: GroupKey, ignored: boolean, generation: number): void {
    if (ignored) this.#ignored.add(key);
    else this.#ignored.delete(key);
    this.#generation = generation;
    this.#filtered.clear();
  }

  /** Groups and reclaimable bytes, ignored ones left out, and how many are ignored. */
  counts(): { groups: number; reclaimable: number; ignored: number } {
    const { total, reclaimable } = this.#filter(this.#defaultQuery());
    let ignored = 0;
    // Ignored groups may include some the catalog no longer holds.
    for (const key of this.#ignored) if (this.#byKey.has(key)) ignored++;
    return { groups: total, reclaimable, ignored };
  }

  summary(entry: IndexedGroup): GroupSummary {
    return { ...entry.summary, ignored: this.#ignored.has(entry.key) };
  }

  page(query: GroupQuery): GroupsResult {
    const queryKey = keyOf(query);
    const view = this.#view(query.sort, query.order);
    let at = 0;
    let before = 0;
    if (query.cursor !== undefined) {
      const cursor = this.#readCursor(query.cursor, queryKey);
      at = cursor.at;
      before = cursor.n;
    }
    const { total, reclaimable, matches } = this.#filter(query);
    const groups: GroupSummary[] = [];
    let i = at;
    for (; i < view.length && groups.length < query.limit; i++) {
      const entry = view[i]!;
      if (matches[entry.ordinal] === 1) groups.push(this.summary(entry));
    }
    const seen = before + groups.length;
    const next =
      seen < total && i < view.length
        ? Buffer.from(
            JSON.stringify({
              e: this.#epoch,
              g: this.#generation,
              q: queryKey,
              at: i,
              n: seen,
            } satisfies Cursor),
          ).toString('base64url')
        : null;
    return { groups, next, total, reclaimable };
  }

  #readCursor(text: string, queryKey: string): Cursor {
    let cursor: Cursor | null;
    try {
      cursor = JSON.parse(Buffer.from(text, 'base64url').toString()) as Cursor | null;
    } catch {
      throw badInput(
        'groups: cursor: not a cursor this server made',
        'start from the first page (no cursor)',
      );
    }
    if (
      typeof cursor !== 'object' ||
      cursor === null ||
      typeof cursor.at !== 'number' ||
      typeof cursor.n !== 'number'
    ) {
      throw badInput(
        'groups: cursor: not a cursor this server made',
        'start from the first page (no cursor)',
      );
    }
    if (cursor.e !== this.#epoch || cursor.g !== this.#generation) {
      throw badInput('the groups changed: start from the first page', 'ask again without a cursor');
    }
    if (cursor.q !== queryKey) {
      throw badInput(
        'groups: the cursor belongs to another sort or other filters: start from the first page',
        'keep the sort and filters of the first page while paging',
      );
    }
    return cursor;
  }

  #view(sort: GroupSort, order: 'asc' | 'desc'): IndexedGroup[] {
    const name = `${sort}:${order}`;
    let view = this.#views.get(name);
    if (view) return view;
    const byPath = (a: IndexedGroup, b: IndexedGroup) =>
      comparePaths(a.group.files[0]!.paths[0]!, b.group.files[0]!.paths[0]!);
    switch (sort) {
      case 'reclaimable':
        view = [...this.#base];
        break;
      case 'size':
        view = [...this.#base].sort((a, b) => b.group.size - a.group.size || byPath(a, b));
        break;
      case 'path':
        view = [...this.#base].sort(byPath).reverse();
        break;
      case 'count':
        view = [...this.#base].sort(
          (a, b) =>
            b.summary.files - a.summary.files ||
            b.summary.reclaimable - a.summary.reclaimable ||
            byPath(a, b),
        );
        break;
      default: {
        const unknown: never = sort;
        throw new Error(`unhandled sort ${String(unknown)}`);
      }
    }
    // Every view is made in descending order; ascending is the same list reversed.
    if (order === 'asc') view.reverse();
    this.#views.set(name, view);
    return view;
  }

  #matcher(query: GroupQuery): (entry: IndexedGroup) => boolean {
    const tests: ((entry: IndexedGroup) => boolean)[] = [];
    if (!query.includeIgnored) tests.push((e) => !this.#ignored.has(e.key));
    if (query.minSize !== undefined) {
      const min = query.minSize;
      tests.push((e) => e.group.size >= min);
    }
    if (query.maxSize !== undefined) {
      const max = query.maxSize;
      tests.push((e) => e.group.size <= max);
    }
    if (query.kind !== undefined) {
      const kind = query.kind;
      tests.push((e) => e.summary.kind === kind);
    }
    if (query.path !== undefined) {
      const matches = globMatcher(query.path);
      tests.push((e) => e.texts.some(matches));
    }
    return (entry) => tests.every((t) => t(entry));
  }

  /** The filters of `query` tested once against every group (kept for the next pages and requests). */
  #filter(query: GroupQuery): Filtered {
    const key = filterKey(query);
    let filtered = this.#filtered.get(key);
    if (filtered) return filtered;
    const test = this.#matcher(query);
    filtered = { total: 0, reclaimable: 0, matches: new Uint8Array(this.#base.length) };
    for (const entry of this.#base) {
      if (!test(entry)) continue;
      filtered.matches[entry.ordinal] = 1;
      filtered.total++;
      filtered.reclaimable += entry.summary.reclaimable;
    }
    if (this.#filtered.size >= FILTERS_KEPT) this.#filtered.delete(this.#filtered.keys().next().value!);
    this.#filtered.set(key, filtered);
    return filtered;
  }

  #defaultQuery(): GroupQuery {
    return {
      cursor: undefined,
      limit: 1,
      sort: 'reclaimable',
      order: 'desc',
      path: undefined,
      minSize: undefined,
      maxSize: undefined,
      kind: undefined,
      includeIgnored: false,
    };
  }
}

function filterKey(q: GroupQuery): string {
  return JSON.stringify([
    q.path ?? null,
    q.minSize ?? null,
    q.maxSize ?? null,
    q.kind ?? null,
    q.includeIgnored,
  ]);
}

function keyOf(q: GroupQuery): string {
  return `${q.sort}:${q.order}:${filterKey(q)}`;
}
