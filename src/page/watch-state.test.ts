import { describe, expect, it } from 'vitest';
import type { WatchReport } from '../watch/reports.js';
import { applyEvent, initialState } from './state.js';
import { FINDINGS_KEPT } from './watch-state.js';

const watchEvent = (report: WatchReport) => ({
  type: 'watch' as const,
  id: 1,
  at: '2026-05-01T10:00:00Z',
  report,
});
const copy = (n: number): WatchReport => ({
  type: 'duplicate',
  path: `/home/ann/Downloads/IMG_${n} (1).jpg`,
  change: 'new',
  size: 2048,
  algorithm: 'xxh3',
  hash: 'abc',
  duplicates: [`/home/ann/Pictures/IMG_${n}.jpg`],
});

describe('what serve --watch found, as the page keeps it', () => {
  it('keeps the roots once ready, and new copies and duplicates gone newest first', () => {
    let state = applyEvent(
      initialState(),
      watchEvent({
        type: 'ready',
        roots: ['/home/ann/Downloads'],
        backend: 'fs.watch',
        files: 3,
        bytesRead: 0,
        groups: 0,
      }),
    );
    expect(state.watch).toEqual({ roots: ['/home/ann/Downloads'], findings: [] });
    state = applyEvent(state, watchEvent(copy(1)));
    state = applyEvent(
      state,
      watchEvent({
        type: 'duplicate-gone',
        path: '/home/ann/Downloads/IMG_1 (1).jpg',
        size: 2048,
        algorithm: 'xxh3',
        hash: 'abc',
        copies: ['/home/ann/Pictures/IMG_1.jpg'],
      }),
    );
    expect(state.watch.findings).toEqual([
      {
        kind: 'gone',
        path: '/home/ann/Downloads/IMG_1 (1).jpg',
        size: 2048,
        left: ['/home/ann/Pictures/IMG_1.jpg'],
      },
      {
        kind: 'copy',
        path: '/home/ann/Downloads/IMG_1 (1).jpg',
        change: 'new',
        size: 2048,
        of: ['/home/ann/Pictures/IMG_1.jpg'],
      },
    ]);
  });

  it('leaves out what is no finding (a new file without a copy, a rename), and keeps only the latest', () => {
    const start = initialState();
    const quiet = applyEvent(start, watchEvent({ type: 'file', path: '/d/a', change: 'new', size: 1 }));
    expect(applyEvent(quiet, watchEvent({ type: 'renamed', from: '/d/a', to: '/d/b' })).watch).toBe(
      start.watch,
    );
    let state = start;
    for (let n = 0; n < FINDINGS_KEPT + 5; n++) state = applyEvent(state, watchEvent(copy(n)));
    expect(state.watch.findings).toHaveLength(FINDINGS_KEPT);
    expect(state.watch.findings[0]).toMatchObject({
      path: `/home/ann/Downloads/IMG_${FINDINGS_KEPT + 4} (1).jpg`,
    });
  });
});
