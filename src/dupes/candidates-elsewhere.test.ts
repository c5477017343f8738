// Files whose size other machines' files have (a shared catalog) are read through to their full hash, alone in
// the walk or not, and still form groups only with each other.
import { describe, expect, it } from 'vitest';
import type { HashRange } from '../hash/task.js';
import { findDuplicateGroups, type CandidateView } from './candidates.js';

interface Candidate {
  id: number;
  size: number;
  head?: string;
  tail?: string;
  full?: string;
}

const view: CandidateView<Candidate> = { size: (f) => f.size, hash: (f, range) => f[range] };

function setup(contents: string[]) {
  const files: Candidate[] = contents.map((c, id) => ({ id, size: c.length }));
  const reads: Record<HashRange, number[]> = { head: [], tail: [], full: [] };
  const settled: number[] = [];
  const hashRange = (list: Candidate[], range: HashRange) => {
    for (const f of list) {
      reads[range].push(f.id);
      const c = contents[f.id]!;
      f[range] = range === 'head' ? c.slice(0, 4096) : range === 'tail' ? c.slice(-4096) : c;
    }
    return Promise.resolve(new Set<Candidate>());
  };
  const onSettled = (done: Candidate[]) => settled.push(...done.map((f) => f.id));
  return { files, reads, hashRange, settled, onSettled };
}

const big = (fill: string, size = 100_000) => fill.repeat(size);

describe('findDuplicateGroups with sizes found elsewhere', () => {
  it('reads a file alone in its size to its full hash when its size is found elsewhere', async () => {
    const { files, reads, hashRange, settled, onSettled } = setup([
      'report',
      big('a'),
      'xyz',
      big('b', 90_000),
    ]);
    const { groups } = await findDuplicateGroups(files, view, hashRange, {
      includeEmpty: false,
      onSettled,
      sizesElsewhere: new Set([6, 100_000]),
    });
    // The small one is read whole; the large one head, tail and full; the others (sizes not elsewhere) never.
    expect(reads).toEqual({ head: [1], tail: [1], full: [0, 1] });
    expect(files[0]!.full).toBe('report');
    expect(files[1]!.full).toBe(big('a'));
    expect(groups).toEqual([]);
    expect(settled.sort()).toEqual([0, 1, 2, 3]);
  });

  it('keeps reading a file whose local match fell away, and groups only files that match', async () => {
    const base = big('x');
    const first = `y${base.slice(1)}`;
    const { files, reads, hashRange } = setup([base, first, base, `${base.slice(0, -1)}z`]);
    const { groups } = await findDuplicateGroups(files, view, hashRange, {
      includeEmpty: false,
      sizesElsewhere: new Set([100_000]),
    });
    expect(groups.map((g) => g.map((f) => f.id))).toEqual([[0, 2]]);
    // Each of the four ends with its full hash, though 1 differs at the head and 3 at the tail.
    expect(reads.full.sort()).toEqual([0, 1, 2, 3]);
    expect(files.every((f) => f.full !== undefined)).toBe(true);
  });

  it('uses the hashes a file already has: a rescan does not read it again', async () => {
    const { files, reads, hashRange } = setup([big('q')]);
    Object.assign(files[0]!, { head: 'h', tail: 't', full: 'f' });
    await findDuplicateGroups(files, view, hashRange, {
      includeEmpty: false,
      sizesElsewhere: new Set([100_000]),
    });
    expect(reads).toEqual({ head: [], tail: [], full: [] });
  });
});
