import { setImmediate as nextTurn } from 'node:timers/promises';
import { globMatcher } from '../scan/filters.js';
import { globCost } from '../scan/glob.js';
import { comparePaths, type FsPath } from '../model/paths.js';
import { groupOf, physicalFiles } from '../catalog/groups.js';
import type { CatalogFile } from '../catalog/store.js';
import type { DuplicateGroup, PhysicalFile } from '../model/groups.js';
import type { FileKind, GroupKey, GroupSort, GroupSummary, GroupsResult } from '../serve/protocol.js';
import { badInput } from './errors.js';
import { kindOf } from './kinds.js';
import { pathView } from './path-view.js';

/** A group of the index: its place in it, its key, its size and content hash. */
export interface IndexedGroup {
  /** The index's own numbering. */
  ordinal: number;
  key: GroupKey;
  size: number;
  hash: string;
}

/** Where the index reads what it does not keep: the rows of a group's files, and the paths of the catalog. */
export interface GroupSource {
  /** The rows `ids` that are not gone (any that are, left out). */
  rows(ids: readonly number[]): CatalogFile[];
  /** Rows' ids and paths as text, `limit` after `afterId` by id (`CatalogStore.pathTexts`), for the path filter. */
  paths(afterId: number, limit: number): readonly (readonly [id: number, text: string])[];
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

/** Paths read from the catalog at a time for a path filter. */
const PATHS_PER_PAGE = 1024;

/**
 * The matching a path filter does in one turn of the event loop, in the glob's cost times the path's length
 * (a few milliseconds): other requests, heartbeats and jobs run between turns. A glob within its bounds can take
 * milliseconds on a long path of many folders, and a path is as long as whoever named its files made it.
 */
const MATCHING_PER_TURN = 4_000_000;

export const groupKey = (size: number, hash: string): GroupKey => `${size}:${hash}`;

/**
 * The catalog's groups for one catalog state, ready to page: each sort order is made once (the first time it is
 * asked for), and each set of filters is tested once against every group (its totals and which groups match,
 * a byte per group); a page then costs what it shows, whatever the filters. A cursor names the state it was made
 * in (`epoch`, `generation`); one from another state is refused.
 *
 * It keeps what a page shows, in columns (a group's size, hash, counts, first path and kind; the row ids of its
 * files), not the groups: a group's files are read from the catalog when asked for, and the path filter reads
 * the paths of every group once per filter.
 */
export class GroupIndex {
  readonly #epoch: string;
  #generation: number;
  readonly #ignored: Set<GroupKey>;
  readonly #source: GroupSource;
  /** Per group, by ordinal. */
  readonly #size: Float64Array;
  readonly #hash: string[] = [];
  readonly #files: Uint32Array;
  readonly #paths: Uint32Array;
  readonly #first: FsPath[] = [];
  readonly #kind: FileKind[] = [];
  /** The row ids of group `o` are `#rowIds[#rowStart[o] .. #rowStart[o + 1]]`. */
  readonly #rowStart: Uint32Array;
  readonly #rowIds: Float64Array;
  /** Every row id in ascending order, and the ordinal of its group. */
  readonly #idsSorted: Float64Array;
  readonly #idGroup: Uint32Array;
  /** Ordinals in (size, hash) order, for finding a group by its key. */
  readonly #byKey: Uint32Array;
  /** Ordinals in the report's order: reclaimable bytes first. */
  readonly #base: Uint32Array;
  readonly #views = new Map<string, Uint32Array>();
  readonly #filtered = new Map<string, Filtered>();
  /** Per path filter, the groups with a path it matches (a byte per group): one catalog state, any generation. */
  readonly #onPath = new Map<string, Promise<Uint8Array>>();

  /** `runs`: the rows of each group together (`sharedHashRuns`); runs of a single file are left out. */
  constructor(
    runs: Iterable<readonly CatalogFile[]>,
    source: GroupSource,
    ignored: Iterable<GroupKey>,
    epoch: string,
    generation: number,
  ) {
    this.#epoch = epoch;
    this.#generation = generation;
    this.#ignored = new Set(ignored);
    this.#source = source;
    const sizes: number[] = [];
    const files: number[] = [];
    const paths: number[] = [];
    const rowStart: number[] = [0];
    const rowIds: number[] = [];
    for (const rows of runs) {
      const group = groupOf(rows);
      if (!group) continue;
      const first = group.files[0]!.paths[0]!;
      sizes.push(group.size);
      this.#hash.push(group.hash);
      files.push(group.files.length);
      paths.push(rows.length);
      this.#first.push(first);
      this.#kind.push(kindOf(first));
      for (const row of rows) rowIds.push(row.id);
      rowStart.push(rowIds.length);
    }
    this.#size = Float64Array.from(sizes);
    this.#files = Uint32Array.from(files);
    this.#paths = Uint32Array.from(paths);
    this.#rowStart = Uint32Array.from(rowStart);
    this.#rowIds = Float64Array.from(rowIds);
    const count = sizes.length;
    const rowGroup = new Uint32Array(rowIds.length);
    for (let o = 0; o < count; o++) rowGroup.fill(o, rowStart[o], rowStart[o + 1]);
    const rowOrder = Uint32Array.from(rowIds.keys()).sort((a, b) => rowIds[a]! - rowIds[b]!);
    this.#idsSorted = Float64Array.from(rowOrder, (r) => rowIds[r]!);
    this.#idGroup = rowOrder.map((r) => rowGroup[r]!);
    const ordinals = () => Uint32Array.from({ length: count }, (_, o) => o);
    this.#byKey = ordinals().sort((a, b) => this.#compareKey(a, this.#size[b]!, this.#hash[b]!));
    this.#base = ordinals().sort(
      (a, b) =>
        this.#reclaimable(b) - this.#reclaimable(a) ||
        this.#size[b]! - this.#size[a]! ||
        comparePaths(this.#first[a]!, this.#first[b]!),
    );
  }

  get generation(): number {
    return this.#generation;
  }

  get(key: GroupKey): IndexedGroup | undefined {
    const colon = key.indexOf(':');
    if (colon < 0) return undefined;
    const size = Number(key.slice(0, colon));
    const hash = key.slice(colon + 1);
    if (!Number.isSafeInteger(size)) return undefined;
    let lo = 0;
    let hi = this.#byKey.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compareKey(this.#byKey[mid]!, size, hash) < 0) lo = mid + 1;
      else hi = mid;
    }
    const ordinal = this.#byKey[lo];
    if (ordinal === undefined || this.#compareKey(ordinal, size, hash) !== 0) return undefined;
    return this.#entry(ordinal);
  }

  /** The group of the file named by row `id` (a member's id), read from the catalog, and that file. */
  file(id: number): { entry: IndexedGroup; group: DuplicateGroup; file: PhysicalFile } | undefined {
    const entry = this.entryOfRow(id);
    if (entry === undefined) return undefined;
    const group = this.group(entry);
    const file = group.files.find((f) => f.id === id);
    return file === undefined ? undefined : { entry, group, file };
  }

  /** The group of a catalog row, from the index alone (no catalog read). */
  entryOfRow(id: number): IndexedGroup | undefined {
    const ordinal = this.#groupOfRow(id);
    return ordinal === undefined ? undefined : this.#entry(ordinal);
  }

  /**
   * A group's files as the catalog holds them now: its rows that still have the group's size and hash (another
   * process may have changed the catalog since the index was made; a scan of this service does not wait).
   */
  group(entry: IndexedGroup): DuplicateGroup {
    const o = entry.ordinal;
    const ids = Array.from(this.#rowIds.subarray(this.#rowStart[o], this.#rowStart[o + 1]));
    const rows = this.#source
      .rows(ids)
      .filter((row) => row.size === entry.size && row.hashes?.full === entry.hash);
    return { size: entry.size, hash: entry.hash, files: physicalFiles(rows) };
  }

  isIgnored(key: GroupKey): boolean {
    return this.#ignored.has(key);
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
    const { total, reclaimable } = this.#filter(this.#defaultQuery(), undefined);
    let ignored = 0;
    // Ignored groups may include some the catalog no longer holds.
    for (const key of this.#ignored) if (this.get(key)) ignored++;
    return { groups: total, reclaimable, ignored };
  }

  summary(entry: IndexedGroup): GroupSummary {
    return this.#summary(entry.ordinal);
  }

  async page(query: GroupQuery): Promise<GroupsResult> {
    // Everything after this wait is one synchronous step, of the generation it ends in.
    const onPath = query.path === undefined ? undefined : await this.#pathMarks(query.path);
    const queryKey = keyOf(query);
    const view = this.#view(query.sort, query.order);
    let at = 0;
    let before = 0;
    if (query.cursor !== undefined) {
      const cursor = this.#readCursor(query.cursor, queryKey);
      at = cursor.at;
      before = cursor.n;
    }
    const { total, reclaimable, matches } = this.#filter(query, onPath);
    const groups: GroupSummary[] = [];
    let i = at;
    for (; i < view.length && groups.length < query.limit; i++) {
      const ordinal = view[i]!;
      if (matches[ordinal] === 1) groups.push(this.#summary(ordinal));
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

  #entry(ordinal: number): IndexedGroup {
    const size = this.#size[ordinal]!;
    const hash = this.#hash[ordinal]!;
    return { ordinal, key: groupKey(size, hash), size, hash };
  }

  #summary(ordinal: number): GroupSummary {
    const size = this.#size[ordinal]!;
    const hash = this.#hash[ordinal]!;
    const key = groupKey(size, hash);
    const first = this.#first[ordinal]!;
    return {
      key,
      size,
      hash,
      files: this.#files[ordinal]!,
      paths: this.#paths[ordinal]!,
      reclaimable: this.#reclaimable(ordinal),
      first: pathView(first),
      kind: this.#kind[ordinal]!,
      ignored: this.#ignored.has(key),
    };
  }

  #reclaimable(ordinal: number): number {
    return this.#size[ordinal]! * (this.#files[ordinal]! - 1);
  }

  /** Group `ordinal`'s key compared with (size, hash). */
  #compareKey(ordinal: number, size: number, hash: string): number {
    const h = this.#hash[ordinal]!;
    return this.#size[ordinal]! - size || (h < hash ? -1 : h > hash ? 1 : 0);
  }

  /** The ordinal of the group row `id` is in, if any. */
  #groupOfRow(id: number): number | undefined {
    let lo = 0;
    let hi = this.#idsSorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#idsSorted[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    return this.#idsSorted[lo] === id ? this.#idGroup[lo] : undefined;
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

  #view(sort: GroupSort, order: 'asc' | 'desc'): Uint32Array {
    const name = `${sort}:${order}`;
    let view = this.#views.get(name);
    if (view) return view;
    const byPath = (a: number, b: number) => comparePaths(this.#first[a]!, this.#first[b]!);
    switch (sort) {
      case 'reclaimable':
        view = this.#base.slice();
        break;
      case 'size':
        view = this.#base.slice().sort((a, b) => this.#size[b]! - this.#size[a]! || byPath(a, b));
        break;
      case 'path':
        view = this.#base.slice().sort(byPath).reverse();
        break;
      case 'count':
        view = this.#base
          .slice()
          .sort(
            (a, b) =>
              this.#files[b]! - this.#files[a]! ||
              this.#reclaimable(b) - this.#reclaimable(a) ||
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

  #matcher(query: GroupQuery, onPath: Uint8Array | undefined): (ordinal: number) => boolean {
    const tests: ((ordinal: number) => boolean)[] = [];
    if (!query.includeIgnored) {
      const ignored = this.#marks(this.#ignoredOrdinals());
      tests.push((o) => ignored[o] === 0);
    }
    if (query.minSize !== undefined) {
      const min = query.minSize;
      tests.push((o) => this.#size[o]! >= min);
    }
    if (query.maxSize !== undefined) {
      const max = query.maxSize;
      tests.push((o) => this.#size[o]! <= max);
    }
    if (query.kind !== undefined) {
      const kind = query.kind;
      tests.push((o) => this.#kind[o] === kind);
    }
    if (onPath) tests.push((o) => onPath[o] === 1);
    return (ordinal) => tests.every((t) => t(ordinal));
  }

  /** A byte per group: 1 for the ordinals given. */
  #marks(ordinals: Iterable<number>): Uint8Array {
    const marks = new Uint8Array(this.#size.length);
    for (const o of ordinals) marks[o] = 1;
    return marks;
  }

  *#ignoredOrdinals(): Generator<number> {
    for (const key of this.#ignored) {
      const entry = this.get(key);
      if (entry) yield entry.ordinal;
    }
  }

  /** The groups with a path that `glob` matches, kept; requests for it while it is being made share it. */
  #pathMarks(glob: string): Promise<Uint8Array> {
    let marks = this.#onPath.get(glob);
    if (marks) return marks;
    marks = this.#matchPaths(glob);
    if (this.#onPath.size >= FILTERS_KEPT) this.#onPath.delete(this.#onPath.keys().next().value!);
    this.#onPath.set(glob, marks);
    marks.catch(() => this.#onPath.delete(glob));
    return marks;
  }

  async #matchPaths(glob: string): Promise<Uint8Array> {
    const marks = new Uint8Array(this.#size.length);
    await this.#eachMatch(glob, (ordinal) => (marks[ordinal] = 1));
    return marks;
  }

  /**
   * The paths of the groups' files that `glob` matches, as text (what keeper rules match), worked out as the path
   * filter is: a few milliseconds a turn, so a costly glob holds up no other request.
   */
  async matchingPaths(glob: string): Promise<Set<string>> {
    const paths = new Set<string>();
    await this.#eachMatch(glob, (_, text) => paths.add(text));
    return paths;
  }

  /** The paths are read from the catalog once, a page at a time, and matched a few milliseconds a turn. */
  async #eachMatch(glob: string, onMatch: (ordinal: number, text: string) => void): Promise<void> {
    const matches = globMatcher(glob);
    const cost = globCost(glob);
    let spent = MATCHING_PER_TURN;
    for (let after = 0; ;) {
      const page = this.#source.paths(after, PATHS_PER_PAGE);
      for (const [id, text] of page) {
        const ordinal = this.#groupOfRow(id);
        if (ordinal === undefined) continue;
        if (spent >= MATCHING_PER_TURN) {
          await nextTurn();
          spent = 0;
        }
        spent += cost * (text.length + 1);
        if (matches(text)) onMatch(ordinal, text);
      }
      if (page.length < PATHS_PER_PAGE) return;
      after = page[page.length - 1]![0];
    }
  }

  /** The filters of `query` tested once against every group (kept for the next pages and requests). */
  #filter(query: GroupQuery, onPath: Uint8Array | undefined): Filtered {
    const key = filterKey(query);
    let filtered = this.#filtered.get(key);
    if (filtered) return filtered;
    const test = this.#matcher(query, onPath);
    filtered = { total: 0, reclaimable: 0, matches: new Uint8Array(this.#size.length) };
    for (let ordinal = 0; ordinal < this.#size.length; ordinal++) {
      if (!test(ordinal)) continue;
      filtered.matches[ordinal] = 1;
      filtered.total++;
      filtered.reclaimable += this.#reclaimable(ordinal);
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
