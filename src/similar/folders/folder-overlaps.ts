import { comparePaths } from '../../model/paths.js';
import type { FolderOverlap, OverlapSide } from './folder-result.js';
import { bytesOf, folderPath, relativePath, type FolderTree } from './folder-tree.js';
import { MIN_SHARED_FILES, type OverlapCandidates } from './overlap-candidates.js';

type Range = [start: number, end: number];

/** What folder `a` shares with folder `b` and the reverse, each as "files:bytes" (a, b: the pair's own order). */
interface Shares {
  a: number;
  b: number;
  sharedOfA: string;
  sharedOfB: string;
}

interface Measured extends Shares {
  nested: boolean;
  overlap: FolderOverlap;
}

/**
 * Measures the candidates exactly (every content counts, however common) and keeps the pairs that say
 * something new, ordered by what can be reclaimed (most first):
 * - a pair of duplicate folders is left to the duplicate groups;
 * - a pair whose parents are a kept pair (or duplicates, or a folder and the rest of its parent) is left out:
 *   the parents' pair says it (maximal pairs, as for duplicates);
 * - a pair (a, B) is left out when a subfolder of B gives a exactly as much (the same for (A, b)): the smaller
 *   folder is the better answer;
 * - a folder against the rest of its parent is left out when it has a duplicate folder there, or when one
 *   folder there (a pair of its own) holds as much of it.
 */
export function folderOverlaps(
  tree: FolderTree,
  signature: Int32Array,
  candidates: OverlapCandidates,
  minOverlap: number,
  listLimit: number,
): FolderOverlap[] {
  const { folders } = tree;
  const measure = new Measure(tree, listLimit);
  const key = (a: number, b: number): number => (a < b ? a * folders.length + b : b * folders.length + a);
  const measured: Measured[] = [];
  const twins: Shares[] = [];
  for (const [a, b] of candidates.apart) {
    const A = folders[a]!;
    const B = folders[b]!;
    if (signature[a] === signature[b]) {
      // Duplicates: listed as such, but they still make a wider pair of either say nothing new.
      const all = `${A.end - A.start}:${bytesOf(tree, A.start, A.end)}`;
      twins.push({ a, b, sharedOfA: all, sharedOfB: all });
      continue;
    }
    measured.push({ a, b, nested: false, ...measure.pair(a, [[A.start, A.end]], b, [[B.start, B.end]]) });
  }
  const bySignature = new Map<number, number[]>();
  if (candidates.nested.length > 0) {
    for (let f = 0; f < folders.length; f++) {
      const twins = bySignature.get(signature[f]!);
      if (twins) twins.push(f);
      else bySignature.set(signature[f]!, [f]);
    }
  }
  for (const a of candidates.nested) {
    const A = folders[a]!;
    const p = A.parent;
    const P = folders[p]!;
    const twins = bySignature.get(signature[a]!)!;
    if (twins.some((f) => f !== a && folders[f]!.start >= P.start && folders[f]!.end <= P.end)) continue;
    const rest: Range[] = [
      [P.start, A.start],
      [A.end, P.end],
    ];
    measured.push({ a, b: p, nested: true, ...measure.pair(a, [[A.start, A.end]], p, rest, true) });
  }
  const found = measured.filter((m) => passes(m.overlap, minOverlap));

  // A pair is dominated when a subfolder of one side gives the other side just as much.
  const apart = new Map<number, Shares>(twins.map((t) => [key(t.a, t.b), t]));
  for (const m of found) if (!m.nested) apart.set(key(m.a, m.b), m);
  const dominated = new Set<number>();
  const outdone = new Set<string>();
  for (const m of apart.values()) {
    for (const [keep, up] of [
      [m.a, m.b],
      [m.b, m.a],
    ] as const) {
      const parent = folders[up]!.parent;
      if (parent < 0) continue;
      const wider = apart.get(key(keep, parent));
      if (wider && sharedOf(wider, keep) === sharedOf(m, keep)) dominated.add(key(keep, parent));
    }
  }

  // A folder against the rest of its parent says nothing new when one folder there gives it just as much.
  for (const m of apart.values()) {
    for (const [inner, other] of [
      [m.a, m.b],
      [m.b, m.a],
    ] as const) {
      const P = folders[folders[inner]!.parent];
      if (P && folders[other]!.start >= P.start && folders[other]!.end <= P.end) {
        outdone.add(`${inner}|${sharedOf(m, inner)}`);
      }
    }
  }

  // Parents first, so that a pair knows whether its parents' pair was kept.
  const depth = (m: Measured): number => folders[m.a]!.depth + folders[m.b]!.depth;
  found.sort((x, y) => depth(x) - depth(y));
  const kept = new Set<number>();
  const keptNested = new Set<number>();
  const result: FolderOverlap[] = [];
  for (const m of found) {
    const saysNothingNew = m.nested
      ? outdone.has(`${m.a}|${m.sharedOfA}`)
      : dominated.has(key(m.a, m.b)) || coveredByParents(m.a, m.b);
    if (saysNothingNew) continue;
    if (m.nested) keptNested.add(m.a);
    else kept.add(key(m.a, m.b));
    result.push(m.overlap);
  }
  return result.sort(
    (x, y) =>
      y.reclaimable - x.reclaimable ||
      comparePaths(x.a.folder, y.a.folder) ||
      comparePaths(x.b.folder, y.b.folder),
  );

  function coveredByParents(a: number, b: number): boolean {
    const pa = folders[a]!.parent;
    const pb = folders[b]!.parent;
    if (pa < 0 || pb < 0 || pa === pb) return false;
    if (!folders[pa]!.inScope || !folders[pb]!.inScope) return false;
    if (signature[pa] === signature[pb] || kept.has(key(pa, pb))) return true;
    // A folder against the rest of its parent covers the pairs of what is in them.
    return (
      (folders[pa]!.parent === pb && keptNested.has(pa)) || (folders[pb]!.parent === pa && keptNested.has(pb))
    );
  }
}

function passes(overlap: FolderOverlap, minOverlap: number): boolean {
  return [overlap.a, overlap.b].some(
    (side) =>
      side.sharedFiles >= MIN_SHARED_FILES &&
      (side.sharedFiles / side.files >= minOverlap ||
        (side.bytes > 0 && side.sharedBytes / side.bytes >= minOverlap)),
  );
}

function sharedOf(m: Shares, folder: number): string {
  return folder === m.a ? m.sharedOfA : m.sharedOfB;
}

/** Exact figures of two sides, with stamps per content (no set is built per pair). */
class Measure {
  readonly #tree: FolderTree;
  readonly #listLimit: number;
  readonly #mark: Int32Array;
  #step = 0;

  constructor(tree: FolderTree, listLimit: number) {
    this.#tree = tree;
    this.#listLimit = listLimit;
    this.#mark = new Int32Array(tree.contentCount);
  }

  /** Folder a's files against b's; a is shown first unless b is more inside a (never for a nested pair). */
  pair(
    a: number,
    aRanges: Range[],
    b: number,
    bRanges: Range[],
    nested = false,
  ): { overlap: FolderOverlap; sharedOfA: string; sharedOfB: string } {
    const ofA = this.#side(a, aRanges, bRanges);
    const ofB = this.#side(b, bRanges, aRanges);
    const [first, second] = !nested && moreInside(ofB, ofA) ? [ofB, ofA] : [ofA, ofB];
    const files = first.files + second.files;
    const bytes = first.bytes + second.bytes;
    const sharedFiles = (first.sharedFiles + second.sharedFiles) / files;
    return {
      overlap: {
        a: first,
        b: second,
        relation: first.only.files > 0 ? 'partial' : second.only.files > 0 ? 'a-in-b' : 'same-content',
        nested,
        similarity: {
          files: sharedFiles,
          bytes: bytes > 0 ? (first.sharedBytes + second.sharedBytes) / bytes : sharedFiles,
        },
        reclaimable: first.sharedBytes,
      },
      sharedOfA: `${ofA.sharedFiles}:${ofA.sharedBytes}`,
      sharedOfB: `${ofB.sharedFiles}:${ofB.sharedBytes}`,
    };
  }

  #side(folder: number, ranges: Range[], otherRanges: Range[]): OverlapSide {
    const tree = this.#tree;
    const mark = this.#mark;
    const step = ++this.#step;
    for (const [start, end] of otherRanges) for (let j = start; j < end; j++) mark[tree.content[j]!] = step;
    const side: OverlapSide = {
      folder: folderPath(tree, folder),
      files: 0,
      bytes: 0,
      sharedFiles: 0,
      sharedBytes: 0,
      only: { files: 0, bytes: 0, paths: [] },
    };
    for (const [start, end] of ranges) {
      side.files += end - start;
      side.bytes += bytesOf(tree, start, end);
      for (let j = start; j < end; j++) {
        if (mark[tree.content[j]!] === step) {
          side.sharedFiles++;
          side.sharedBytes += tree.size[j]!;
        } else {
          side.only.files++;
          side.only.bytes += tree.size[j]!;
          if (side.only.paths.length < this.#listLimit) side.only.paths.push(relativePath(tree, folder, j));
        }
      }
    }
    return side;
  }
}

/** Whether side x is more inside the other than side y is: by share of files, then of bytes. */
function moreInside(x: OverlapSide, y: OverlapSide): boolean {
  const share = (s: OverlapSide): [number, number] => [
    s.sharedFiles / s.files,
    s.bytes > 0 ? s.sharedBytes / s.bytes : s.sharedFiles / s.files,
  ];
  const [xf, xb] = share(x);
  const [yf, yb] = share(y);
  return xf > yf || (xf === yf && xb > yb);
}
