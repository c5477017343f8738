import { describe, expect, it } from 'vitest';
import type { HashRange } from '../hash/task.js';
import { findDuplicateGroups, type CandidateView } from './candidates.js';

/** A file of the test: an id, a size, and the hashes the fake hasher gave it. */
interface Candidate {
  id: number;
  size: number;
  head?: string;
  tail?: string;
  full?: string;
}

const view: CandidateView<Candidate> = { size: (f) => f.size, hash: (f, range) => f[range] };

/** Files as strings of content; a fake hasher "reads" them and counts what it read. */
function setup(contents: string[], failing: number[] = []) {
  const files: Candidate[] = contents.map((c, id) => ({ id, size: c.length }));
  const reads: Record<HashRange, number[]> = { head: [], tail: [], full: [] };
  const hashRange = (list: Candidate[], range: HashRange) => {
    const failed = new Set<Candidate>();
    for (const f of list) {
      reads[range].push(f.id);
      if (failing.includes(f.id)) {
        failed.add(f);
        continue;
      }
      const c = contents[f.id]!;
      f[range] = range === 'head' ? c.slice(0, 4096) : range === 'tail' ? c.slice(-4096) : c;
    }
    return Promise.resolve(failed);
  };
  return { files, reads, hashRange };
}

const big = (fill: string, size = 100_000) => fill.repeat(size);

describe('findDuplicateGroups', () => {
  it('reads only candidates: unique sizes are never hashed', async () => {
    const { files, reads, hashRange } = setup(['a', 'bb', 'cc', 'ddd']);
    const { groups } = await findDuplicateGroups(files, view, hashRange, { includeEmpty: false });
    expect(reads).toEqual({ head: [], tail: [], full: [1, 2] });
    expect(groups).toEqual([]);
  });

  it('tells apart same-size near misses in the first, last and a middle byte', async () => {
    const base = big('x');
    const first = `y${base.slice(1)}`;
    const last = `${base.slice(0, -1)}y`;
    const middle = `${base.slice(0, 50_000)}y${base.slice(50_001)}`;
    const { files, reads, hashRange } = setup([base, first, last, middle, base]);
    const { groups } = await findDuplicateGroups(files, view, hashRange, { includeEmpty: false });
    expect(groups.map((g) => g.map((f) => f.id))).toEqual([[0, 4]]);
    // The first-byte miss drops out at the head, the last-byte one at the tail; only the middle one is read in full.
    expect(reads.head).toEqual([0, 1, 2, 3, 4]);
    expect(reads.tail).toEqual([0, 2, 3, 4]);
    expect(reads.full).toEqual([0, 3, 4]);
  });

  it('reads small files whole, once, without head or tail hashes', async () => {
    const { files, reads, hashRange } = setup([
      'same',
      'same',
      'diff',
      'x'.repeat(65_536),
      'x'.repeat(65_536),
    ]);
    const { groups } = await findDuplicateGroups(files, view, hashRange, { includeEmpty: false });
    expect(groups.map((g) => g.map((f) => f.id))).toEqual([
      [0, 1],
      [3, 4],
    ]);
    expect(groups[0]![0]!.full).toBe('same');
    expect(reads).toEqual({ head: [], tail: [], full: [0, 1, 2, 3, 4] });
  });

  it('groups empty files only when asked, without reading them', async () => {
    const { files, reads, hashRange } = setup(['', '', 'z']);
    expect((await findDuplicateGroups(files, view, hashRange, { includeEmpty: false })).groups).toEqual([]);
    const { groups } = await findDuplicateGroups(files, view, hashRange, { includeEmpty: true });
    expect(groups.map((g) => g.map((f) => f.id))).toEqual([[0, 1]]);
    expect(reads.head).toEqual([]);
  });

  it('uses hashes it already has and leaves out files it could not hash', async () => {
    const { files, reads, hashRange } = setup([big('q'), big('q'), big('q')], [2]);
    files[0]!.head = 'q'.repeat(4096);
    files[0]!.tail = 'q'.repeat(4096);
    files[0]!.full = big('q');
    const { groups } = await findDuplicateGroups(files, view, hashRange, { includeEmpty: false });
    expect(reads.head).toEqual([1, 2]);
    expect(groups.map((g) => g.map((f) => f.id))).toEqual([[0, 1]]);
  });
  it('returns 250,000 groups (a tree of a million small files has that many)', async () => {
    const files: Candidate[] = [];
    for (let i = 0; i < 500_000; i++) files.push({ id: i, size: 1 + (Math.floor(i / 2) % 2000) });
    // Files 2k and 2k + 1 are the same; 250 pairs share each size.
    const fullOf = (f: Candidate) => String(Math.floor(f.id / 2));
    const hashRange = (list: Candidate[]) => {
      for (const f of list) f.full = fullOf(f);
      return Promise.resolve(new Set<Candidate>());
    };
    const { groups } = await findDuplicateGroups(files, view, hashRange, { includeEmpty: false });
    expect(groups).toHaveLength(250_000);
    expect(groups.every((g) => g.length === 2 && fullOf(g[0]!) === fullOf(g[1]!))).toBe(true);
  });
});
