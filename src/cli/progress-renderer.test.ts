import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { ProgressTracker } from '../core/progress.js';
import { renderProgress } from './progress-renderer.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, columns: 100, chunks, write: (chunk: string) => chunks.push(chunk) };
}

describe('renderProgress', () => {
  it('redraws one live line on a terminal at most every 100 ms, and sets no timer while idle', () => {
    const clock = new FakeClock();
    const tracker = new ProgressTracker({ clock, sampleMs: 0 });
    const out = stream(true);
    const renderer = renderProgress(tracker, { stream: out, clock });
    const phase = tracker.phase('hash', { bytes: 1000, items: 10 });
    for (let i = 0; i < 10; i++) {
      clock.advance(20);
      phase.add({ bytes: 100, items: 1 });
    }
    // 200 ms of updates every 20 ms: the first draw, then at most one per 100 ms.
    expect(out.chunks.length).toBeLessThanOrEqual(3);
    clock.advance(1000);
    expect(clock.pendingTimers()).toBe(0);
    phase.end();
    renderer.stop();
    const text = out.chunks.join('');
    expect(text).toContain('\r\x1b[2K');
    expect(text).toMatch(/hash\s+10\/10 files\s+1000 B\s+833 B\/s\s+in 0:01\n$/);
  });

  it('prints plain lines, without control characters, when stderr is not a terminal', () => {
    const clock = new FakeClock();
    const tracker = new ProgressTracker({ clock, sampleMs: 0 });
    const out = stream(false);
    const renderer = renderProgress(tracker, { stream: out, clock, plainIntervalMs: 10_000 });
    const walk = tracker.phase('walk');
    clock.advance(2000);
    walk.add({ items: 4000 });
    const hash = tracker.phase('hash', { bytes: 2048 });
    hash.add({ bytes: 1024 });
    clock.advance(12_000);
    hash.add({ bytes: 512 });
    clock.advance(10_000);
    renderer.stop();
    const text = out.chunks.join('');
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\r');
    expect(text.split('\n').filter(Boolean)).toEqual([
      'walk   4,000 files  2,000 files/s  in 0:02',
      'hash   [###############-----]  75%  0 files  1.50 KiB  128 B/s  ETA 0:04',
    ]);
  });
});
